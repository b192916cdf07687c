"""SFTP/SSH access of an environment, and its additional SFTP accounts.

Kinsta's document uses `{env_id}` in every `/ssh/` path without declaring it (and
`{site_id}` in `ssh/config`); they are path arguments here all the same.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from kinsta_mcp.catalog import rules
from kinsta_mcp.catalog.spec import (
    ENVIRONMENTS_SITE,
    Effect,
    EnvId,
    Id,
    Input,
    ListEdit,
    Member,
    Operation,
    OperationStarted,
    Output,
    Risk,
    Rule,
    SiteId,
    ToolGroup,
    Toolset,
    body,
    path,
)

# -- inputs -------------------------------------------------------------------------


class EnvIdIn(Input):
    env_id: Annotated[EnvId, path()]


class SetEnabledIn(Input):
    env_id: Annotated[EnvId, path()]
    is_enabled: Annotated[bool, body(), Field(description="On or off")]


class SetAllowedIpsIn(Input):
    env_id: Annotated[EnvId, path()]
    add: Annotated[list[str] | None, Field(description="allowed_ips: IPs to allow")] = None
    remove: Annotated[list[str] | None, Field(description="allowed_ips: IPs to stop allowing")] = None
    ip_allowlist: Annotated[
        list[Annotated[str, Field(examples=["203.0.113.7"])]] | None,
        body(),
        Field(description="allowed_ips: or the whole list"),
    ] = None

    @model_validator(mode="after")
    def _one_way(self) -> SetAllowedIpsIn:
        ALLOWED_IPS_EDIT.one_way(self)
        return self


# Kinsta's write replaces the whole allowlist: offered as add/remove against the current one (sic: Kinsta
# spells the read's key "stfp_ip_allowlist").
ALLOWED_IPS_EDIT = ListEdit(field="ip_allowlist", reads="get_sftp_allowed_ips", key="stfp_ip_allowlist")


class SetPasswordExpirationIn(Input):
    env_id: Annotated[EnvId, path()]
    exp_interval: Annotated[
        Literal["hours_24", "days_7", "days_30", "days_90", "never"], body(), Field(description="Password lifetime")
    ]


class SftpConfigIn(Input):
    env_id: Annotated[EnvId, path()]
    site_id: Annotated[SiteId | None, path(), Field(description="Omit: the environment's site")] = None


class SetAccountsEnabledIn(Input):
    env_id: Annotated[EnvId, path()]
    # Kinsta's field is `enabled`; `is_enabled` like the other SFTP switches, so set_sftp has one.
    is_enabled: Annotated[bool, body("enabled"), Field(description="On or off")]


class AddSftpAccountIn(Input):
    env_id: Annotated[EnvId, path()]
    username: Annotated[str, body(), Field(description="Login name", min_length=1)]
    password: Annotated[str, body(), Field(description="Login password", min_length=16, examples=["R8zXwT@#bV!kJq9^"])]
    root_directory: Annotated[
        str | None, body(), Field(description="Home folder (default /)", examples=["/public"])
    ] = None  # Kinsta defaults to "/"
    permission: Annotated[Literal["read", "write"] | None, body(), Field(description="Default read")] = (
        None  # Kinsta defaults to read
    )


class SftpAccountIdIn(Input):
    sftp_account_id: Annotated[Id, path(), Field(description="Account id (get_sftp what=accounts)")]


# -- outputs -------------------------------------------------------------------------


class NullResult(Output):
    """Kinsta answers `{"result": null}`: the change is done."""

    result: None = None


class SshContainer(Output):
    is_ssh_enabled: bool | None = None


class SshStatusEnvironment(Output):
    active_container: SshContainer | None = None


class GetSftpStatusOut(Output):
    environment: SshStatusEnvironment | None = None


class AllowlistContainer(Output):
    stfp_ip_allowlist: list[str] | None = None  # sic: Kinsta's spelling


class AllowlistEnvironment(Output):
    active_container: AllowlistContainer | None = None


class GetAllowedIpsOut(Output):
    environment: AllowlistEnvironment | None = None


# camelCase below: Kinsta's own names in this response.
class LoadBalancer(Output):
    id: str | None = None
    extIP: str | None = None


class ActiveContainer(Output):
    id: str | None = None
    lxdSshPort: str | None = None
    loadBalancer: LoadBalancer | None = None


class ConfigEnvironment(Output):
    id: str | None = None
    activeContainer: ActiveContainer | None = None


class ConfigSite(Output):
    id: str | None = None
    name: str | None = None
    displayName: str | None = None
    usr: str | None = None
    environment: ConfigEnvironment | None = None


class GetSftpConfigOut(Output):
    host: str | None = None
    port: str | None = None
    user: str | None = None
    name: str | None = None
    ssh_command: str | None = None
    site: ConfigSite | None = None


class PasswordEnvironment(Output):
    id: str | None = None
    sftp_password: str | None = None


class GetSftpPasswordOut(Output):
    environment: PasswordEnvironment | None = None


class SftpAccount(Output):
    id: str | None = None
    username: str | None = None
    root_directory: str | None = None
    is_active: bool | None = None
    permission: str | None = Field(None, description="read or write")


class SftpAccountsContainer(Output):
    additional_sftp_accounts_port: str | None = None


class SftpAccountsEnvironment(Output):
    additional_sftp_accounts: list[SftpAccount] | None = None
    container_info: SftpAccountsContainer | None = None


class ListSftpAccountsOut(Output):
    environment: SftpAccountsEnvironment | None = None


# -- grouped tools ---------------------------------------------------------------------

GET_SFTP = ToolGroup(
    name="get_sftp",
    title="Get SFTP/SSH settings",
    description="An environment's SFTP/SSH: status (on?), allowed_ips, config (host, port, user, ssh command) or "
    "accounts (additional SFTP accounts and their port).",
    selector="what",
    selector_description="What to read",
)

SET_SFTP = ToolGroup(
    name="set_sftp",
    title="Change SFTP/SSH settings",
    description="Change an environment's SFTP/SSH: access or password_login (is_enabled), allowed_ips (add/remove), "
    "password_expiration (the primary user's password, e.g. hours_24), or additional_accounts (is_enabled).",
    selector="setting",
    selector_description="What to change",
)

# -- declarations ------------------------------------------------------------------------

OPERATIONS = [
    Operation(
        name="set_sftp_access",
        risk=Risk.GRANTS_ACCESS,
        risk_reason="switches SFTP/SSH login to the environment on or off",
        consequence="Set SFTP/SSH login to {env_id} to enabled={is_enabled}.",
        title="Enable or disable SFTP/SSH",
        description="Turn SFTP/SSH access to an environment on or off.",
        method="POST",
        path="/sites/environments/{env_id}/ssh/set-status",
        input=SetEnabledIn,
        output=NullResult,
        effect=Effect.WRITE,
        toolset=Toolset.SFTP,
        idempotent=True,
        member=Member(SET_SFTP, "access"),
    ),
    Operation(
        name="get_sftp_status",
        title="Get SFTP/SSH status",
        description="Whether SFTP/SSH access to an environment is on.",
        method="GET",
        path="/sites/environments/{env_id}/ssh/get-status",
        input=EnvIdIn,
        output=GetSftpStatusOut,
        effect=Effect.READ,
        toolset=Toolset.SFTP,
        member=Member(GET_SFTP, "status"),
    ),
    Operation(
        name="set_sftp_password_access",
        risk=Risk.GRANTS_ACCESS,
        risk_reason="allows or forbids logging in with a password",
        consequence="Set password login over SFTP/SSH to {env_id} to enabled={is_enabled}.",
        title="Enable or disable SFTP/SSH password login",
        description="Allow or forbid password login over SFTP/SSH.",
        method="POST",
        path="/sites/environments/{env_id}/ssh/set-password-status",
        input=SetEnabledIn,
        output=NullResult,
        effect=Effect.WRITE,
        toolset=Toolset.SFTP,
        idempotent=True,
        member=Member(SET_SFTP, "password_login"),
    ),
    Operation(
        name="generate_sftp_password",
        # It returns no secret (Kinsta answers with nothing; get_sftp_password reads the new one): what it
        # does is lock out whoever uses the current password.
        risk=Risk.GRANTS_ACCESS,
        risk_reason="the current SFTP/SSH password stops working: whoever uses it is locked out",
        title="Generate SFTP/SSH password",
        description="New SFTP/SSH password (read it with get_sftp_password); the old one stops working.",
        method="POST",
        path="/sites/environments/{env_id}/ssh/generate-password",
        input=EnvIdIn,
        output=NullResult,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.SFTP,
        consequence=(
            "Replace the SFTP/SSH password of {env_id}: the current password stops working at once, and everyone "
            "and everything using it (people, deploy scripts, backups over SFTP) is locked out until given the "
            "new one. The new password is not shown here; get_sftp_password reads it."
        ),
    ),
    Operation(
        name="get_sftp_allowed_ips",
        title="Get SFTP/SSH IP allowlist",
        description="IPs allowed to connect over SFTP/SSH.",
        method="GET",
        path="/sites/environments/{env_id}/ssh/get-allowed-ips",
        input=EnvIdIn,
        output=GetAllowedIpsOut,
        effect=Effect.READ,
        toolset=Toolset.SFTP,
        member=Member(GET_SFTP, "allowed_ips"),
    ),
    Operation(
        name="set_sftp_allowed_ips",
        risk=Risk.GRANTS_ACCESS,
        risk_reason="decides which addresses may log in over SFTP/SSH",
        consequence="Allow SFTP/SSH login to {env_id} only from: {ip_allowlist}.",
        title="Set SFTP/SSH IP allowlist",
        description="Allow (add) or stop allowing (remove) IPs for SFTP/SSH login; answers the list now allowed.",
        method="POST",
        path="/sites/environments/{env_id}/ssh/set-allowed-ips",
        input=SetAllowedIpsIn,
        output=NullResult,  # Kinsta's {result: null}; `post` adds ip_allowlist, the list now allowed
        edits=ALLOWED_IPS_EDIT,
        post=ALLOWED_IPS_EDIT.with_result,
        effect=Effect.WRITE,
        toolset=Toolset.SFTP,
        idempotent=True,
        member=Member(SET_SFTP, "allowed_ips"),
        rules=(
            Rule(
                name="allows-a-broad-range",
                when='the allowlist opens SFTP/SSH login to a broad range (a /8 or more of IPv4, an IPv6 /16, "*")',
                check=rules.allows_broad_range("ip_allowlist"),
                risk=Risk.GRANTS_ACCESS,
            ),
            Rule(
                name="removes-allowed-ips",
                when="the new allowlist leaves out entries of the current one (read first)",
                check=rules.removes_entries(
                    "ip_allowlist",
                    "stfp_ip_allowlist",
                    gained="SFTP/SSH logins from those addresses stop working (people and deploy scripts are locked "
                    "out)",
                ),
                risk=Risk.GRANTS_ACCESS,
                reads="get_sftp_allowed_ips",
            ),
        ),
    ),
    Operation(
        name="get_sftp_config",
        title="Get SFTP/SSH connection details",
        description="SFTP/SSH host, port, user and ssh command of an environment.",
        method="GET",
        path="/sites/{site_id}/environments/{env_id}/ssh/config",
        input=SftpConfigIn,
        from_environment={"site_id": ENVIRONMENTS_SITE},
        output=GetSftpConfigOut,
        effect=Effect.READ,
        toolset=Toolset.SFTP,
        member=Member(GET_SFTP, "config"),
    ),
    Operation(
        name="set_sftp_password_expiration",
        risk=Risk.GRANTS_ACCESS,
        risk_reason="decides how long a (possibly leaked) password keeps working",
        consequence="Make SFTP/SSH passwords of {env_id} expire: {exp_interval}.",
        title="Set SFTP/SSH password expiration",
        description="How long the primary SFTP/SSH user's password stays valid (additional accounts' do not expire).",
        method="POST",
        path="/sites/environments/{env_id}/ssh/change-expiration-interval",
        input=SetPasswordExpirationIn,
        output=NullResult,
        effect=Effect.WRITE,
        toolset=Toolset.SFTP,
        idempotent=True,
        member=Member(SET_SFTP, "password_expiration"),
    ),
    Operation(
        name="get_sftp_password",
        risk=Risk.REVEALS_SECRET,
        risk_reason="returns the SFTP/SSH password",
        title="Get SFTP/SSH password",
        description="The current SFTP/SSH password of an environment.",
        method="GET",
        path="/sites/environments/{env_id}/ssh/password",
        input=EnvIdIn,
        output=GetSftpPasswordOut,
        effect=Effect.READ,
        toolset=Toolset.SFTP,
        consequence="Show the SFTP/SSH password of {env_id}.",
    ),
    Operation(
        name="set_sftp_accounts_enabled",
        risk=Risk.GRANTS_ACCESS,
        risk_reason="switches login for every additional SFTP account on or off",
        consequence="Set login for every additional SFTP account of {env_id} to enabled={is_enabled}.",
        title="Enable or disable additional SFTP accounts",
        description="Turn an environment's additional SFTP accounts on or off.",
        method="PUT",
        path="/sites/environments/{env_id}/additional-sftp-accounts/toggle-status",
        input=SetAccountsEnabledIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.SFTP,
        is_async=True,
        idempotent=True,
        member=Member(SET_SFTP, "additional_accounts"),
    ),
    Operation(
        name="add_sftp_account",
        risk=Risk.GRANTS_ACCESS,
        risk_reason="a new login to the environment's files, with a password the caller chose",
        consequence="Add an SFTP login '{username}' with {permission} access to {root_directory} of {env_id}.",
        title="Add SFTP account",
        description=(
            "Add an additional SFTP account to an environment: file access only (SSH is the primary user's), with "
            "no expiry: remove it when the access should end."
        ),
        method="POST",
        path="/sites/environments/{env_id}/additional-sftp-accounts",
        input=AddSftpAccountIn,
        output=OperationStarted,
        effect=Effect.WRITE,
        toolset=Toolset.SFTP,
        is_async=True,
    ),
    Operation(
        name="list_sftp_accounts",
        title="List SFTP accounts",
        description="Additional SFTP accounts of an environment, and their port.",
        method="GET",
        path="/sites/environments/{env_id}/additional-sftp-accounts",
        input=EnvIdIn,
        output=ListSftpAccountsOut,
        effect=Effect.READ,
        toolset=Toolset.SFTP,
        member=Member(GET_SFTP, "accounts"),
    ),
    Operation(
        name="remove_sftp_account",
        risk=Risk.DESTROYS_DATA,
        risk_reason="the account and its password are gone for good",
        title="Remove SFTP account",
        description="Delete an additional SFTP account.",
        method="DELETE",
        path="/sites/environments/additional-sftp-accounts/{sftp_account_id}",
        input=SftpAccountIdIn,
        output=OperationStarted,
        effect=Effect.IRREVERSIBLE,
        toolset=Toolset.SFTP,
        is_async=True,
        consequence="Delete {sftp_account_id}; its login cannot be restored.",
    ),
]
