"""Settings: precedence, profiles, every kind of error as one line, and keys never shown."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from kinsta_mcp import config as config_module
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.catalog.spec import Toolset
from kinsta_mcp.config import (
    OPTIONS,
    ConfigError,
    Confirmation,
    Profile,
    Settings,
    config_reference_markdown,
    default_audit_log,
    load_settings,
)
from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID

REPO = Path(__file__).resolve().parent.parent
KEY = "kst_live_9f8e7d6c5b4a39281706"
OTHER_KEY = "kst_live_0a1b2c3d4e5f60718293"
COMPANY = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"
BASE_ENV = {"HOME": "/home/tester", "KINSTA_API_KEY": KEY, "KINSTA_COMPANY_ID": COMPANY}


def write_config(tmp_path: Path, data: Mapping[str, Any] | str) -> str:
    path = tmp_path / "kinsta-mcp.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return str(path)


def load(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None, path: str | None = None
) -> Settings:
    return load_settings(flags or {}, BASE_ENV if env is None else env, path)


def config_error(**kwargs: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        load(**kwargs)
    text = str(caught.value)
    assert "\n" not in text
    return text


# ---------------------------------------------------------------------------- precedence

PRECEDENCE_CASES = [
    # key, file value, env name, env text, flag value, parsed (file, env, flag)
    ("port", 8100, "KINSTA_MCP_PORT", "8200", "8300", (8100, 8200, 8300)),
    ("read_only", False, "KINSTA_MCP_READ_ONLY", "yes", False, (False, True, False)),
    ("log_level", "error", "KINSTA_MCP_LOG_LEVEL", "info", "debug", ("error", "info", "debug")),
    ("toolsets", ["dns"], "KINSTA_MCP_TOOLSETS", "sites,backups", "logs", (("dns",), ("sites", "backups"), ("logs",))),
    ("operation_wait", 10, "KINSTA_MCP_OPERATION_WAIT", "20.5", "0", (10.0, 20.5, 0.0)),
    ("call_deadline", 10, "KINSTA_MCP_CALL_DEADLINE", "20.5", "1", (10.0, 20.5, 1.0)),
    ("api_base_url", "http://a.test/v2", "KINSTA_API_BASE_URL", "http://b.test/v2/", "http://c.test", None),
    ("confirmation", "elicit-or-model-token", "KINSTA_MCP_CONFIRMATION", "off", "elicit", None),
    ("result_budget", 3000, "KINSTA_MCP_RESULT_BUDGET", "4000", "5000", (3000, 4000, 5000)),
    ("http_session_idle", 60, "KINSTA_MCP_HTTP_SESSION_IDLE", "90.5", "30", (60.0, 90.5, 30.0)),
    ("http_max_sessions_per_principal", 2, "KINSTA_MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL", "3", "1000", (2, 3, 1000)),
]


@pytest.mark.parametrize(("key", "in_file", "env_name", "in_env", "in_flag", "parsed"), PRECEDENCE_CASES)
def test_flags_beat_environment_beat_file(
    tmp_path: Path, key: str, in_file: Any, env_name: str, in_env: str, in_flag: Any, parsed: Any
) -> None:
    expected_file, expected_env, expected_flag = parsed or (
        in_file.rstrip("/"),
        in_env.rstrip("/"),
        in_flag.rstrip("/"),
    )
    path = write_config(tmp_path, {key: in_file})
    assert getattr(load(path=path), key) == expected_file
    env = {**BASE_ENV, env_name: in_env}
    assert getattr(load(env=env, path=path), key) == expected_env
    assert getattr(load(flags={key: in_flag}, env=env, path=path), key) == expected_flag


def test_company_id_precedence_and_none_flag_means_unset(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"api_key": KEY, "company_id": "from-file"})
    env = {"HOME": "/h"}
    assert load(env=env, path=path).profile().company_id == "from-file"
    assert load(env={**env, "KINSTA_COMPANY_ID": "from-env"}, path=path).profile().company_id == "from-env"
    settings = load(flags={"company_id": "from-flag", "port": None}, env={**env, "KINSTA_COMPANY_ID": "x"}, path=path)
    assert settings.profile().company_id == "from-flag"
    assert settings.port == 8000  # None is "flag not given", not a value


def test_config_file_from_environment_variable(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"port": 9001})
    assert load(env={**BASE_ENV, "KINSTA_MCP_CONFIG": path}).port == 9001
    other = tmp_path / "other.json"
    other.write_text('{"port": 9002}', encoding="utf-8")
    assert load(env={**BASE_ENV, "KINSTA_MCP_CONFIG": path}, path=str(other)).port == 9002  # --config wins


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    settings = load()
    assert settings.profiles.keys() == {"default"}
    assert settings.default_profile == "default"
    assert settings.api_base_url == "https://api.kinsta.com/v2"
    assert (settings.connect_timeout, settings.read_timeout, settings.operation_wait) == (10.0, 60.0, 45.0)
    assert settings.call_deadline == 45.0  # below the 60-second cut of common clients
    assert (settings.read_only, settings.toolsets, settings.exclude_tools) == (False, None, ())  # every tool
    assert (settings.confirmation, settings.log_level, settings.transport) == ("elicit", "warning", "stdio")
    assert settings.confirmation is Confirmation.ELICIT  # only the human can confirm, out of the box
    assert (settings.result_budget, settings.http_session_idle, settings.http_max_sessions_per_principal) == (
        24_000,
        600.0,
        16,
    )
    assert (settings.host, settings.port, settings.http_tokens, settings.demo) == ("127.0.0.1", 8000, {}, False)
    assert settings.audit_log == default_audit_log()
    assert not settings.multi_company


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("1", True), ("YES", True), ("false", False), ("0", False), ("no", False)],
)
def test_environment_booleans(text: str, expected: bool) -> None:
    assert load(env={**BASE_ENV, "KINSTA_MCP_READ_ONLY": text}).read_only is expected


def test_lists_accept_json_lists_commas_and_all() -> None:
    assert load(flags={"toolsets": "sites, dns,sites"}).toolsets == ("sites", "dns")
    assert load(flags={"toolsets": "all"}).toolsets is None
    every_toolset = ",".join(t.value for t in Toolset)
    assert load(flags={"toolsets": every_toolset}).toolsets == tuple(t.value for t in Toolset)
    some_tools = [*sorted(BY_NAME)[:2], "wait_for_operation"]
    assert load(flags={"exclude_tools": ",".join(some_tools)}).exclude_tools == tuple(some_tools)


def test_audit_log_off_empty_and_home_expansion(tmp_path: Path) -> None:
    assert load(flags={"audit_log": "off"}).audit_log is None
    assert load(path=write_config(tmp_path, {"audit_log": ""})).audit_log is None
    assert load(env={**BASE_ENV, "KINSTA_MCP_AUDIT_LOG": "OFF"}).audit_log is None
    assert load(flags={"audit_log": "~/audit.jsonl"}).audit_log == Path("~/audit.jsonl").expanduser()


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG variables apply on Linux and BSDs")
def test_default_audit_log_is_in_the_xdg_state_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_audit_log() == tmp_path / "xdg" / "kinsta-mcp" / "audit.jsonl"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_audit_log() == tmp_path / "home" / ".local" / "state" / "kinsta-mcp" / "audit.jsonl"
    assert load_settings({}, BASE_ENV, None).audit_log == default_audit_log()


# ---------------------------------------------------------------------------- profiles


def test_profiles_with_env_references(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {
            "$comment": "two agencies",
            "profiles": {
                "agency-a": {"api_key": {"env": "AGENCY_A_KEY"}, "company_id": "company-a", "$comment": "main"},
                "agency-b": {"api_key": OTHER_KEY, "company_id": {"env": "AGENCY_B_COMPANY"}},
            },
            "default_profile": "agency-b",
        },
    )
    settings = load(env={"AGENCY_A_KEY": KEY, "AGENCY_B_COMPANY": "company-b"}, path=path)
    assert settings.multi_company
    assert settings.profile().name == "agency-b"
    assert settings.profile().company_id == "company-b"
    assert settings.profile("agency-a").api_key.get_secret_value() == KEY
    assert settings.profile("agency-b").api_key.get_secret_value() == OTHER_KEY
    # KINSTA_MCP_PROFILE / --profile choose another default.
    chosen = load(env={"AGENCY_A_KEY": KEY, "AGENCY_B_COMPANY": "b", "KINSTA_MCP_PROFILE": "agency-a"}, path=path)
    assert chosen.profile().name == "agency-a"
    with pytest.raises(ConfigError, match="'agency-c' is not configured; choose one of: agency-a, agency-b"):
        settings.profile("agency-c")


def test_environment_key_is_the_default_profile_beside_file_profiles(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"profiles": {"agency-a": {"api_key": OTHER_KEY, "company_id": "company-a"}}})
    settings = load(path=path)
    assert sorted(settings.profiles) == ["agency-a", "default"]
    assert settings.default_profile == "default"
    assert settings.profile().api_key.get_secret_value() == KEY
    # The environment overrides one field of a "default" profile written in the file.
    path = write_config(tmp_path, {"profiles": {"default": {"api_key": OTHER_KEY, "company_id": "file-company"}}})
    settings = load(env={"KINSTA_COMPANY_ID": "env-company"}, path=path)
    assert (settings.profile().company_id, settings.profile().api_key.get_secret_value()) == ("env-company", OTHER_KEY)


def test_the_only_profile_is_the_default(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"profiles": {"solo": {"api_key": KEY, "company_id": "c"}}})
    assert load(env={}, path=path).default_profile == "solo"


def test_demo_without_profiles_uses_the_simulator_identity() -> None:
    settings = load(flags={"demo": True}, env={"HOME": "/h"})
    assert settings.demo
    assert settings.profiles.keys() == {"demo"}
    assert settings.profile().api_key.get_secret_value() == DEMO_API_KEY
    assert settings.profile().company_id == DEMO_COMPANY_ID


def test_demo_keeps_configured_profiles() -> None:
    settings = load(env={**BASE_ENV, "KINSTA_MCP_DEMO": "1"})
    assert settings.demo and settings.profiles.keys() == {"default"}


def test_http_tokens_map_to_profiles_and_stay_out_of_repr(tmp_path: Path) -> None:
    token = "tok_3c2b1a09f8e7d6c5"
    settings = load(env={**BASE_ENV, "KINSTA_MCP_HTTP_TOKENS": f"{token}=default, tok_other_123456"})
    assert settings.http_tokens == {token: "default", "tok_other_123456": None}
    assert token not in repr(settings) and token not in str(settings)
    assert token in settings.secrets() and KEY in settings.secrets()
    path = write_config(tmp_path, {"http_tokens": {token: "nobody"}})
    assert "'nobody', which is not configured" in config_error(path=path)


# ---------------------------------------------------------------------------- errors


def test_missing_api_key_names_the_variable() -> None:
    text = config_error(env={"HOME": "/h"})
    assert text.startswith("KINSTA_API_KEY:") and "--demo" in text


def test_missing_company_id_names_the_variable_and_flag() -> None:
    text = config_error(env={"KINSTA_API_KEY": KEY})
    assert text.startswith("KINSTA_COMPANY_ID: no company id for the default profile") and "--company-id" in text
    text = config_error(env={}, flags={"company_id": COMPANY})
    assert text.startswith("KINSTA_API_KEY: no API key for the default profile")


def test_profile_without_key_names_the_profile(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"profiles": {"agency-a": {"company_id": "c"}}})
    text = config_error(env={}, path=path)
    assert text.startswith("profiles.agency-a in ") and 'add "api_key" to profiles.agency-a' in text


def test_malformed_json_gives_line_and_column(tmp_path: Path) -> None:
    path = write_config(tmp_path, '{\n  "port": 8000\n  "host": "x"\n}')
    text = config_error(path=path)
    assert f"config file {path}: invalid JSON at line 3, column 3" in text
    assert "fix the syntax" in text


def test_missing_file_names_the_flag_or_variable(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    assert config_error(path=missing).startswith(f"--config: {missing} does not exist")
    assert config_error(env={**BASE_ENV, "KINSTA_MCP_CONFIG": missing}).startswith("KINSTA_MCP_CONFIG:")


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    assert "not a JSON object" in config_error(path=write_config(tmp_path, "[1, 2]"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"read_onyl": True}, "'read_onyl' in {path}: unknown key (did you mean 'read_only'?)"),
        ({"confirm": "off"}, "'confirm' in {path}: unknown key (did you mean 'confirmation'?)"),
        ({"profiles": {"a": {"api_key": KEY, "company": "c"}}}, "profiles.a.'company' in {path}: unknown key"),
        ({"config": "x.json"}, "'config' in {path}: cannot be set in the file; use --config"),
    ],
)
def test_unknown_file_key_suggests_the_closest(tmp_path: Path, data: dict[str, Any], expected: str) -> None:
    path = write_config(tmp_path, data)
    assert expected.format(path=path) in config_error(path=path)


def test_unknown_environment_variable_suggests_the_closest() -> None:
    text = config_error(env={**BASE_ENV, "KINSTA_MCP_READONLY": "1"})
    assert text.startswith("KINSTA_MCP_READONLY: unknown environment variable (did you mean 'KINSTA_MCP_READ_ONLY'?)")


BAD_VALUES = [
    ("port", "70000", "whole number from 1 to 65535"),
    ("port", "eighty", "whole number from 1 to 65535"),
    ("connect_timeout", "0", "positive number of seconds"),
    ("read_timeout", "nan", "number of seconds"),
    ("operation_wait", "601", "from 0 to 600"),
    ("call_deadline", "0", "from 1 to 600"),
    ("read_only", "maybe", "is not a boolean"),
    ("confirmation", "never", "elicit, elicit-or-model-token, off"),
    ("result_budget", "1999", "from 2000 to 1000000"),
    ("result_budget", "24000.5", "whole number of bytes"),
    ("http_session_idle", "29", "from 30 to 86400"),
    ("http_max_sessions_per_principal", "0", "from 1 to 1000"),
    ("http_max_sessions_per_principal", "1001", "from 1 to 1000"),
    ("log_level", "loud", "debug, info, warning, error"),
    ("transport", "sse", "stdio, http"),
    ("toolsets", "sites,dn", "(did you mean 'dns'?)"),
    ("exclude_tools", "delete_sitee", "(did you mean 'delete_site'?)"),
    ("api_base_url", "ftp://x", "http(s) URL"),
    ("host", "local host", "give e.g. 127.0.0.1"),
    ("default_profile", "nobody", "choose: default"),
]
ENV_OF = {o.key: o.env for o in OPTIONS}
FLAG_OF = {o.key: o.flag for o in OPTIONS}


@pytest.mark.parametrize(("key", "value", "allowed"), BAD_VALUES)
def test_bad_value_names_the_key_as_written_and_what_is_allowed(
    tmp_path: Path, key: str, value: str, allowed: str
) -> None:
    from_flag = config_error(flags={key: value})
    assert from_flag.startswith(f"{FLAG_OF[key]}: ") and allowed in from_flag
    env_name = ENV_OF[key]
    assert env_name is not None
    from_env = config_error(env={**BASE_ENV, env_name: value})
    assert from_env.startswith(f"{env_name}: ") and allowed in from_env
    path = write_config(tmp_path, {key: value})
    from_file = config_error(path=path)
    assert from_file.startswith(f"'{key}' in {path}: ") and allowed in from_file


def test_file_values_of_the_wrong_json_type(tmp_path: Path) -> None:
    assert "is not a port number" in config_error(path=write_config(tmp_path, {"port": True}))
    assert "is not a boolean" in config_error(path=write_config(tmp_path, {"demo": "perhaps"}))
    assert "is not a list of names" in config_error(path=write_config(tmp_path, {"toolsets": {"sites": 1}}))


@pytest.mark.parametrize(("old", "new"), [("elicit-or-token", "elicit-or-model-token"), ("elicit-only", "elicit")])
def test_old_confirmation_names_are_refused_with_the_new_one(tmp_path: Path, old: str, new: str) -> None:
    expected = f"{old!r} was renamed; use {new!r}"
    assert (
        config_error(flags={"confirmation": old}) == f"--confirmation: {expected} (elicit, elicit-or-model-token, off)"
    )
    assert config_error(env={**BASE_ENV, "KINSTA_MCP_CONFIRMATION": old.upper()}).startswith(
        f"KINSTA_MCP_CONFIRMATION: {expected}"
    )
    path = write_config(tmp_path, {"confirmation": old})
    assert config_error(path=path).startswith(f"'confirmation' in {path}: {expected}")


def test_confirmation_values_are_written_once() -> None:
    option = next(o for o in OPTIONS if o.key == "confirmation")
    assert option.choices == tuple(c.value for c in Confirmation) == ("elicit", "elicit-or-model-token", "off")
    assert option.default == Confirmation.ELICIT.value
    for choice in Confirmation:
        assert choice.value in option.meaning  # each one is explained in --help and the table


@pytest.mark.parametrize("text", ["on", "off", "y", "2", "truthy", "t"])
def test_environment_booleans_are_strict(text: str) -> None:
    text_error = config_error(env={**BASE_ENV, "KINSTA_MCP_READ_ONLY": text})
    assert text_error == f"KINSTA_MCP_READ_ONLY: {text!r} is not a boolean; use true/false, 1/0 or yes/no"


@pytest.mark.parametrize("value", ["true", "yes", 1, 0, None])
def test_file_booleans_are_json_true_or_false_only(tmp_path: Path, value: Any) -> None:
    path = write_config(tmp_path, {"read_only": value})
    text = config_error(path=path)
    assert text.startswith(f"'read_only' in {path}: ") and "write true or false (JSON, without quotes)" in text
    assert load(path=write_config(tmp_path, {"read_only": True, "demo": False})).read_only is True


def test_blank_environment_values_count_as_unset(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"port": 8100})
    assert load(env={**BASE_ENV, "KINSTA_MCP_PORT": "  "}, path=path).port == 8100


# ---------------------------------------------------------------------------- the model itself (units)


def direct(**values: Any) -> Settings:
    profile = Profile(name="main", api_key=SecretStr(KEY), company_id=COMPANY)
    return Settings(**{"profiles": {"main": profile}, "default_profile": "main", **values})


def test_the_model_is_frozen_and_checks_values_built_in_code() -> None:
    settings = direct(confirmation="off", toolsets="dns,sites", port="8001")
    assert (settings.confirmation, settings.toolsets, settings.port) == (Confirmation.OFF, ("dns", "sites"), 8001)
    with pytest.raises(ValidationError):
        settings.port = 1  # type: ignore[misc]
    for bad in ({"port": 0}, {"port": True}, {"connect_timeout": float("inf")}, {"default_profile": "other"}):
        with pytest.raises(ValidationError):
            direct(**bad)
    with pytest.raises(ValidationError, match="no company profile configured"):
        Settings(profiles={}, default_profile="x")
    assert Settings(profiles={}, default_profile="demo", demo=True).demo


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("   ", "is empty or not a string"),
        (f"REPLACE_{KEY}", "is still the example's placeholder"),
        (f"{KEY} {KEY}", "contains whitespace"),
    ],
)
def test_profile_refuses_an_unusable_key_without_quoting_it(bad: str, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Profile(name="main", api_key=SecretStr(bad), company_id=COMPANY)
    assert expected in str(caught.value) and KEY not in str(caught.value)


def test_several_profiles_and_no_default_is_an_error(tmp_path: Path) -> None:
    profiles = {"a": {"api_key": KEY, "company_id": "1"}, "b": {"api_key": OTHER_KEY, "company_id": "2"}}
    text = config_error(env={}, path=write_config(tmp_path, {"profiles": profiles}))
    assert text.startswith("default_profile: 2 profiles (a, b) and none chosen") and "--profile" in text


def test_default_profile_both_flat_and_under_profiles_is_an_error(tmp_path: Path) -> None:
    data = {"api_key": KEY, "company_id": "1", "profiles": {"default": {"api_key": KEY, "company_id": "1"}}}
    assert "also defined under profiles" in config_error(env={}, path=write_config(tmp_path, data))


def test_missing_env_reference_names_both(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"profiles": {"a": {"api_key": {"env": "A_KEY"}, "company_id": "1"}}})
    text = config_error(env={}, path=path)
    assert text.startswith(f"profiles.a.api_key in {path}: environment variable A_KEY is not set")
    bad_reference = write_config(tmp_path, {"profiles": {"a": {"api_key": {"file": "/k"}, "company_id": "1"}}})
    assert 'write {"env": "VAR_NAME"}' in config_error(env={}, path=bad_reference)


# ---------------------------------------------------------------------------- secrets


def test_the_key_never_shows_in_repr_str_or_dumps() -> None:
    settings = load()
    for text in (repr(settings), str(settings), repr(settings.profile()), settings.model_dump_json()):
        assert KEY not in text
    assert "**********" in repr(settings.profile())


@pytest.mark.parametrize("bad_key", [f"{KEY} {KEY}", f"REPLACE-{KEY}"])
def test_errors_about_a_key_never_quote_it(tmp_path: Path, bad_key: str) -> None:
    from_env = config_error(env={**BASE_ENV, "KINSTA_API_KEY": bad_key})
    assert from_env.startswith("KINSTA_API_KEY: ") and KEY not in from_env
    path = write_config(tmp_path, {"profiles": {"a": {"api_key": bad_key, "company_id": "1"}}})
    from_file = config_error(env={}, path=path)
    assert from_file.startswith("profiles.a.api_key in ") and KEY not in from_file


def test_a_key_in_an_unknown_file_key_is_not_quoted(tmp_path: Path) -> None:
    text = config_error(path=write_config(tmp_path, {"apikey": KEY}))
    assert "(did you mean 'api_key'?)" in text and KEY not in text


# ---------------------------------------------------------------------------- example and reference


def test_config_example_loads_with_placeholders_overridden() -> None:
    example = str(REPO / "config.example.json")
    document = json.loads(Path(example).read_text(encoding="utf-8"))
    documented = set(document["$comment"])
    assert {o.key for o in OPTIONS if o.in_file} <= set(document) & documented  # every key, each explained
    env = {
        "HOME": "/h",
        "KINSTA_API_KEY": KEY,
        "KINSTA_COMPANY_ID": COMPANY,
        "AGENCY_B_KINSTA_API_KEY": OTHER_KEY,
        "AGENCY_B_KINSTA_COMPANY_ID": "company-b",
    }
    settings = load_settings({}, env, example)
    assert settings.profile().company_id == COMPANY
    assert settings.profile("agency-b").api_key.get_secret_value() == OTHER_KEY
    # Unfilled placeholders are refused, with the way to fill them.
    with pytest.raises(ConfigError) as caught:
        load_settings({}, {k: v for k, v in env.items() if k != "KINSTA_API_KEY"}, example)
    text = str(caught.value)
    assert "api_key" in text and "placeholder" in text and "KINSTA_API_KEY" in text


def test_reference_table_lists_every_option() -> None:
    table = config_reference_markdown()
    rows = table.strip().splitlines()[2:]
    assert len(rows) == len(OPTIONS)
    for option, row in zip(OPTIONS, rows, strict=True):
        for name in (option.flag, option.env, option.key if option.in_file else None):
            if name:
                assert f"`{name}" in row, (name, row)
    assert set(config_module.Settings.model_fields) <= {o.key for o in OPTIONS}


def test_exclude_tools_knows_every_served_tool() -> None:
    from kinsta_mcp.server.compiled import OVERVIEW_TOOL_NAME, WAIT_TOOL_NAME, compiled_tools

    names = config_module.known_tool_names()
    assert names == frozenset(compiled_tools()) and {WAIT_TOOL_NAME, OVERVIEW_TOOL_NAME} <= names


def test_resource_ttl_comes_from_every_source_and_is_bounded() -> None:
    env = {"KINSTA_API_KEY": "k", "KINSTA_COMPANY_ID": "c"}
    assert load_settings({}, env, None).resource_ttl == 30.0
    assert load_settings({}, {**env, "KINSTA_MCP_RESOURCE_TTL": "5"}, None).resource_ttl == 5.0
    assert load_settings({"resource_ttl": "0"}, {**env, "KINSTA_MCP_RESOURCE_TTL": "5"}, None).resource_ttl == 0.0
    with pytest.raises(ConfigError, match="KINSTA_MCP_RESOURCE_TTL"):
        load_settings({}, {**env, "KINSTA_MCP_RESOURCE_TTL": "99999"}, None)


def test_a_bad_profile_name_and_a_bad_token_map_name_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"profiles": {"a b": {"api_key": KEY, "company_id": "1"}}})
    assert config_error(env={}, path=path) == (
        f"profile name in profiles.a b in {path}: 'a b' is not a valid profile name; "
        "use letters, digits, '_', '-', '.' (max 64)"
    )
    token = "tok_should_not_be_shown_123"
    text = config_error(path=write_config(tmp_path, {"http_tokens": [token]}))
    assert text.startswith("'http_tokens' in ") and "is not a token map" in text and token not in text
