"""Response models shared by several areas (Kinsta's `Environment`, `Domain`, ...).

Fields are optional: a model documents the shape and types without failing a
result when Kinsta leaves a field out, and unknown fields are kept (`Output`).
"""

from __future__ import annotations

from pydantic import Field

from kinsta_mcp.catalog.spec import Output


class Domain(Output):
    id: str | None = None
    name: str | None = None
    type: str | None = Field(None, description="live or staging")
    site_id: str | None = None
    is_active: bool | None = None


class Environment(Output):
    id: str | None = None
    name: str | None = None
    display_name: str | None = None
    is_blocked: bool | None = None
    is_premium: bool | None = None
    wordpress_version: str | None = None
    web_root: str | None = None
    id_edge_cache: str | None = None
    cdn_cache_id: str | None = None
    image_optimization_type: str | None = None
    is_opt_out_from_automatic_php_update: bool | None = None
    is_additional_sftp_accounts_enabled: bool | None = None
    domains: list[Domain] | None = None
    primaryDomain: Domain | None = None  # Kinsta's name
    container_info: dict[str, object] | None = None
    ssh_connection: dict[str, object] | None = None
