"""One-click WordPress admin access: does an administrator exist, create one, get a login link.

Kinsta's flow (API, April 2026): check the email -> create the administrator if missing ->
generate a one-time login link. The link logs whoever opens it in as that administrator,
so it is a credential; creating an administrator grants access to the whole site.
These operations come from the reconstructed additions document (docs/kinsta-api-additions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from kinsta_mcp.catalog.spec import (
    Effect,
    EnvId,
    Input,
    Operation,
    Output,
    Risk,
    Rule,
    Toolset,
    body,
    path,
    query,
)

# -- inputs -------------------------------------------------------------------------

# A plain shape check (Kinsta validates the address itself); no line breaks or spaces.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=254)]
PersonName = Annotated[str, Field(min_length=1, max_length=100)]


class WpAdminUserExistsIn(Input):
    env_id: Annotated[EnvId, path()]
    email: Annotated[Email, query(), Field(description="Administrator's email")]


class CreateWpAdminUserIn(Input):
    env_id: Annotated[EnvId, path()]
    email: Annotated[Email, body(), Field(description="New administrator's email")]
    first_name: Annotated[PersonName, body(), Field(description="First name", examples=["Jane"])]
    last_name: Annotated[PersonName, body(), Field(description="Last name", examples=["Doe"])]


class WpAdminLoginLinkIn(Input):
    env_id: Annotated[EnvId, path()]
    email: Annotated[Email, body(), Field(description="Administrator's email")]


# -- outputs -------------------------------------------------------------------------


class WpAdminUserExists(Output):
    has_wp_admin_user: bool | None = None


class WpAdminUserCreated(Output):
    create_wp_admin_user: bool | None = None


class WpAdminLoginLink(Output):
    login_link: str | None = Field(None, description="One-time wp-admin login link: treat it like a password")


# -- rules -------------------------------------------------------------------------------


def _no_such_administrator(args: Mapping[str, Any], state: Any) -> str | None:
    """A login link only works for an administrator Kinsta knows: say so before the human is asked."""
    if not isinstance(state, dict) or state.get("has_wp_admin_user") is not False:
        return None  # it exists, or the check could not be read (Kinsta then says)
    return (
        f"no WordPress administrator with the email {args.get('email')} is known on {args.get('env_id')}; a login "
        "link works only for one (check_wp_admin_user checks an email; create_wp_admin_user adds an administrator)"
    )


# -- declarations ------------------------------------------------------------------------

OPERATIONS = [
    Operation(
        name="check_wp_admin_user",
        title="Check WordPress administrator",
        description="Whether an administrator with this email exists.",
        method="GET",
        path="/sites/environments/{env_id}/wpa-user-exists",
        input=WpAdminUserExistsIn,
        output=WpAdminUserExists,
        effect=Effect.READ,
        toolset=Toolset.TOOLS,
    ),
    Operation(
        name="create_wp_admin_user",
        risk=Risk.GRANTS_ACCESS,
        risk_reason="a new WordPress administrator can do anything in the site; it stays until removed in WordPress",
        consequence=(
            "Create a WordPress administrator {email} ({first_name} {last_name}) on {env_id}; "
            "it can do anything in that site and stays until removed in WordPress."
        ),
        title="Create WordPress administrator",
        description="Create a WordPress administrator (then get_wp_admin_login_link).",
        method="POST",
        path="/sites/environments/{env_id}/wpa-create-user",
        input=CreateWpAdminUserIn,
        output=WpAdminUserCreated,
        effect=Effect.WRITE,
        toolset=Toolset.TOOLS,
    ),
    Operation(
        name="get_wp_admin_login_link",
        risk=Risk.REVEALS_SECRET,
        risk_reason="returns a link that logs whoever opens it in as a WordPress administrator",
        consequence=(
            "Create a one-time link that logs whoever opens it in to wp-admin of {env_id} as the administrator {email}."
        ),
        title="Get WordPress admin login link",
        description="One-time wp-admin login link for an administrator's email (checked first: check_wp_admin_user).",
        method="POST",
        path="/sites/environments/{env_id}/wpa-login-url",
        input=WpAdminLoginLinkIn,
        output=WpAdminLoginLink,
        effect=Effect.WRITE,
        toolset=Toolset.TOOLS,
        rules=(
            Rule(
                name="no-such-administrator",
                when="Kinsta knows no WordPress administrator with this email there (read first)",
                check=_no_such_administrator,
                reads="check_wp_admin_user",
                refuse=True,
            ),
        ),
    ),
]
