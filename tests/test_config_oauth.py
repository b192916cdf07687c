"""OAuth settings and the role map: flags, environment and file, and each mistake as one actionable line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kinsta_mcp import cli
from kinsta_mcp.config import ConfigError, Settings, load_settings
from kinsta_mcp.config.roles import first_role

KEY = "kst_live_9f8e7d6c5b4a39281706"
ENV = {"HOME": "/home/tester", "KINSTA_API_KEY": KEY, "KINSTA_COMPANY_ID": "company-a"}
ISSUER = "https://login.example.com"
AUDIENCE = "https://mcp.example.com/mcp"


def load(
    flags: dict[str, Any] | None = None, env: dict[str, str] | None = None, file: Any = None, tmp: Path | None = None
) -> Settings:
    path = None
    if file is not None:
        assert tmp is not None
        path = tmp / "c.json"
        path.write_text(json.dumps(file), encoding="utf-8")
    return load_settings(flags or {}, {**ENV, **(env or {})}, str(path) if path else None)


def error(**kwargs: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        load(**kwargs)
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_issuer_and_audience_from_flags_environment_and_file(tmp_path: Path) -> None:
    by_flag = load({"oauth_issuer": ISSUER, "oauth_audience": AUDIENCE + "/"})
    assert (by_flag.oauth_issuer, by_flag.oauth_audience, by_flag.oauth_scopes) == (ISSUER, AUDIENCE, ("kinsta",))
    by_env = load(env={"KINSTA_MCP_OAUTH_ISSUER": ISSUER, "KINSTA_MCP_OAUTH_AUDIENCE": AUDIENCE})
    assert by_env.oauth_issuer == ISSUER
    by_file = load(file={"oauth_issuer": ISSUER, "oauth_audience": AUDIENCE, "oauth_scopes": ["a", "b"]}, tmp=tmp_path)
    assert by_file.oauth_scopes == ("a", "b")
    assert load({"oauth_scopes": "x y"}).oauth_scopes == ("x", "y")


def test_help_names_the_oauth_flags_and_variables(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("--oauth-issuer", "--oauth-audience", "--oauth-scopes", "KINSTA_MCP_OAUTH_ISSUER", "KINSTA_MCP_ROLES"):
        assert name in out


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        ({"oauth_issuer": "http://login.example.com"}, "not an https URL"),
        ({"oauth_issuer": ISSUER}, "oauth_audience is not set"),
        ({"oauth_audience": AUDIENCE}, "oauth_issuer is not set"),
        ({"oauth_issuer": ISSUER, "oauth_audience": "https://mcp.example.com/"}, "not this server's /mcp URL"),
        ({"oauth_issuer": ISSUER, "oauth_audience": AUDIENCE, "oauth_scopes": ","}, "at least one scope"),
    ],
)
def test_oauth_mistakes_are_one_line_naming_the_setting(flags: dict[str, Any], needle: str) -> None:
    assert needle in error(flags=flags)


def test_the_introspection_secret_is_never_shown() -> None:
    secret = "introspection-secret-value-123456"
    text = error(env={"KINSTA_MCP_OAUTH_CLIENT_SECRET": secret})
    assert "oauth_client_id" in text and secret not in text
    settings = load(env={"KINSTA_MCP_OAUTH_CLIENT_SECRET": secret, "KINSTA_MCP_OAUTH_CLIENT_ID": "rs"})
    assert secret in settings.secrets() and secret not in repr(settings)


ROLES = [
    {"name": "support", "groups": ["support"], "toolsets": ["sites", "logs"], "read_only": True},
    {"name": "acme", "subjects": ["owner@acme.example"], "profiles": ["default"]},
    {"name": "ops", "scopes": ["kinsta:admin"]},
]


def test_roles_from_the_file_or_the_environment_and_the_first_that_applies(tmp_path: Path) -> None:
    oauth = {"oauth_issuer": ISSUER, "oauth_audience": AUDIENCE}
    settings = load(file={**oauth, "roles": ROLES}, tmp=tmp_path)
    assert settings.roles == load(oauth, env={"KINSTA_MCP_ROLES": json.dumps(ROLES)}).roles
    roles = settings.roles
    assert first_role(roles, "anyone", ["support", "ops"], ["kinsta"]).name == "support"  # type: ignore[union-attr]
    assert first_role(roles, "owner@acme.example", [], ["kinsta"]).name == "acme"  # type: ignore[union-attr]
    assert first_role(roles, "x", [], ["kinsta", "kinsta:admin"]).name == "ops"  # type: ignore[union-attr]
    assert first_role(roles, "x", ["clients"], ["kinsta"]) is None


@pytest.mark.parametrize(
    ("roles", "needle"),
    [
        ("[", "is not JSON"),
        ('{"name": "x"}', "is not a list"),
        ('[{"name": "x", "toolsets": ["sites"]}]', "names no subjects, groups or scopes"),
        ('[{"name": "x", "groups": ["g"], "toolsets": ["site"]}]', "unknown toolset 'site'"),
        ('[{"name": "x", "groups": ["g"], "profiles": ["nope"]}]', "names profile 'nope', which is not configured"),
        ('[{"name": "x", "groups": ["g"], "readonly": true}]', "unknown key 'readonly'"),
        ('[{"name": "x", "groups": ["g"]}, {"name": "x", "groups": ["h"]}]', "defined twice"),
        ('[{"groups": ["g"]}]', "needs a name"),
    ],
)
def test_role_map_mistakes_name_the_role_and_the_fix(roles: str, needle: str) -> None:
    text = error(flags={"oauth_issuer": ISSUER, "oauth_audience": AUDIENCE}, env={"KINSTA_MCP_ROLES": roles})
    assert text.startswith("KINSTA_MCP_ROLES: ") and needle in text


def test_roles_without_oauth_are_refused() -> None:
    assert "set oauth_issuer" in error(env={"KINSTA_MCP_ROLES": json.dumps(ROLES)})


def test_beyond_loopback_oauth_alone_is_enough() -> None:
    from kinsta_mcp.server.auth import check_http_settings

    settings = load({"oauth_issuer": ISSUER, "oauth_audience": AUDIENCE, "host": "0.0.0.0", "transport": "http"})
    check_http_settings(settings)  # no static token needed
    with pytest.raises(ConfigError, match="OAuth"):
        check_http_settings(load({"host": "0.0.0.0", "transport": "http"}))
