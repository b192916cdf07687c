"""get_logs an assistant can use: a modest default, the newest lines kept, filters that really filter.

Requests are judged by the additions document's entry for the logs operation (it replaces
the 1.87.0 one with from/to/search); answers come from the simulator; filtering is checked
against the raw log the simulator returned, with the test's own simple reading of it.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kinsta_direct import direct
from openapi import Contract, load_additions_path
from pydantic import ValidationError

from kinsta_mcp.api.request import build_request
from kinsta_mcp.catalog import BY_NAME
from kinsta_mcp.server.shaping import DEFAULT_BUDGET, TRUNCATED_KEY, shape
from kinsta_mcp.simulator import seed as ids

pytestmark = pytest.mark.anyio
LOGS = BY_NAME["get_logs"]
STAMP = re.compile(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})")


def additions() -> Contract:
    """The additions document alone (skips outside CI, fails in CI, when it is missing)."""
    return Contract(json.loads(load_additions_path().read_text(encoding="utf-8")))


def stamp(line: str) -> datetime:
    m = STAMP.match(line)
    assert m, line
    return datetime(*map(int, m.groups()), tzinfo=UTC)  # type: ignore[misc]


def logs_of(structured: dict[str, Any]) -> list[str]:
    text = structured["environment"]["container_info"]["logs"]
    return text.split("\n") if text else []


def validated(**args: Any) -> dict[str, Any]:
    model = LOGS.input.model_validate({"env_id": ids.ACME_LIVE_ENV_ID, "file_name": "error", **args})
    return {name: getattr(model, name) for name in LOGS.input.model_fields}


# -- arguments and the request ------------------------------------------------------------------


def test_the_default_is_a_modest_tail() -> None:
    assert validated()["lines"] == 100


def test_request_with_every_filter_is_accepted_by_the_additions_document() -> None:
    args = validated(lines=500, since="2026-01-15", until="2026-01-15T12:30:00+02:00", contains="wp-content")
    args |= {"severity": "error", "pattern": "(?i)fatal"}
    request = build_request(LOGS, args)
    query = dict(request.query)
    assert query["from"] == "2026-01-15T00:00:00Z" and query["to"] == "2026-01-15T10:30:00Z"  # normalised to UTC
    assert "severity" not in query and "pattern" not in query  # tool-side: applied to what Kinsta returns
    op, problems = additions().check_request(request.method, request.path, request.query, request.body)
    assert op is not None and op.key == "GET /sites/environments/{env_id}/logs"
    assert problems == []


@pytest.mark.parametrize(
    ("args", "named", "says"),
    [
        ({"since": "yesterday"}, "since", "ISO-8601"),
        ({"until": "2026-13-01"}, "until", "ISO-8601"),
        ({"pattern": "(unclosed"}, "pattern", "unclosed group"),
        ({"pattern": "(?<=a)b"}, "pattern", "look-around"),
        ({"severity": "error", "file_name": "access"}, "severity", "error log only"),
        ({"lines": 20_001}, "lines", "20000"),
    ],
)
def test_bad_filters_get_a_short_error_naming_the_argument(args: dict[str, Any], named: str, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validated(**args)
    text = str(caught.value)
    assert named in text and says in text


# -- filtering what Kinsta returned ----------------------------------------------------------------


async def test_severity_keeps_that_level_and_worse_only() -> None:
    async with direct() as d:
        raw_args, raw = await d.fetch("get_logs", file_name="error", lines=2000)
        args = raw_args | {"severity": "warning", "collapse": False}  # filtering alone, every entry kept
        shaped = shape(LOGS, raw, args=args)
    raw_lines = raw["environment"]["container_info"]["logs"].split("\n")
    expected = [ln for ln in raw_lines if "PHP Warning" in ln or "PHP Fatal error" in ln]
    kept = logs_of(shaped.structured)
    assert 0 < len(kept) < len(raw_lines)
    # newest kept whole, in order, and the cut (if any) is stated
    assert kept == expected[len(expected) - len(kept) :]
    assert len(kept) == len(expected) or shaped.structured.get(TRUNCATED_KEY)
    assert shaped.structured["_filter"]["lines_read"] == 2000


async def test_time_window_is_sent_to_kinsta_and_applied_to_what_comes_back() -> None:
    async with direct() as d:
        now = datetime.fromtimestamp(d.sim.clock.time(), UTC)
        since, until = now - timedelta(hours=2), now - timedelta(hours=1)
        args, raw = await d.fetch(
            "get_logs", file_name="error", lines=1000, since=since.isoformat(), until=until.isoformat()
        )
        args["collapse"] = False
        sent = d.last_query()
        shaped = shape(LOGS, raw, args=args)
    assert sent["from"] == since.isoformat(timespec="seconds").replace("+00:00", "Z")
    kept = logs_of(shaped.structured)
    assert kept and all(since - timedelta(seconds=1) < stamp(ln) <= until for ln in kept)


async def test_contains_and_pattern_filter_entries() -> None:
    async with direct() as d:
        args, raw = await d.fetch("get_logs", file_name="error", lines=1500)
        args["collapse"] = False
        by_text = shape(LOGS, raw, args=args | {"contains": "AKISMET"}).structured
        by_regex = shape(LOGS, raw, args=args | {"pattern": r"on line (88|97)\b"}).structured
    raw_lines = raw["environment"]["container_info"]["logs"].split("\n")
    for structured, wanted in (
        (by_text, [ln for ln in raw_lines if "akismet" in ln.lower()]),
        (by_regex, [ln for ln in raw_lines if re.search(r"on line (88|97)\b", ln)]),
    ):
        kept = logs_of(structured)
        assert kept and kept == wanted[len(wanted) - len(kept) :]
        assert len(kept) == len(wanted) or structured[TRUNCATED_KEY][0]["omitted"] == len(wanted) - len(kept)


def test_a_catastrophic_regex_cannot_hang_the_server() -> None:
    hostile = "2026/01/15 10:00:00 [error] " + "a" * 50_000 + "!"
    data = {"environment": {"container_info": {"logs": "\n".join([hostile] * 50)}}}
    started = time.perf_counter()
    shaped = shape(LOGS, data, args=validated(pattern="(a+)+$"))
    assert time.perf_counter() - started < 5
    assert logs_of(shaped.structured) == []


async def test_20000_lines_keep_the_newest_and_the_hint_fetches_the_older_ones() -> None:
    async with direct() as d:
        args, raw = await d.fetch("get_logs", file_name="error", lines=20_000)
        args["collapse"] = False  # raw lines, so the cut's position can be checked line for line
        first = shape(LOGS, raw, args=args)
        cut = first.structured[TRUNCATED_KEY][0]
        until = re.search(r"until=(\S+?) ", cut["hint"])
        assert until, cut["hint"]
        older_args, older_raw = await d.fetch("get_logs", file_name="error", lines=20_000, until=until.group(1))
        older_args["collapse"] = False
        second = shape(LOGS, older_raw, args=older_args)
    raw_lines = raw["environment"]["container_info"]["logs"].split("\n")
    kept = logs_of(first.structured)
    assert kept == raw_lines[-len(kept) :]  # the newest lines, the very last one included
    assert len(first.text.encode()) <= DEFAULT_BUDGET and len(json.dumps(first.structured).encode()) <= DEFAULT_BUDGET
    assert cut["kept_part"] == "newest" and cut["omitted"] == 20_000 - len(kept)
    assert f"({cut['omitted']} left out)" in first.text and cut["hint"] in first.text
    older = logs_of(second.structured)
    assert older[-1] == raw_lines[-len(kept) - 1]  # following the hint continues exactly where the cut was


async def test_a_window_reaching_further_back_than_the_lines_read_says_so() -> None:
    async with direct() as d:
        now = datetime.fromtimestamp(d.sim.clock.time(), UTC)
        # The simulator honours `from`; drop it from what it sees to play a Kinsta that ignores it.
        args, raw = await d.fetch("get_logs", file_name="error", lines=50)
        shaped = shape(LOGS, raw, args=args | {"since": (now - timedelta(days=2)).isoformat()})
    note = shaped.structured["_filter"]["note"]
    assert "raise lines" in note and note in shaped.text


# -- diagnosis: repeated errors once, with their count and span, and the plugin or theme at fault ------------

FATAL = (
    '{t} [error] {n}#{n}: *{n} FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught Error: boom in '
    '/www/x_1/public/wp-content/plugins/broken-plugin/src/Thing.php:{line}" while reading response header from '
    'upstream, client: 203.0.113.{n}, server: x.com, request: "GET /{n} HTTP/2.0"'
)
WARNING = '{t} [error] 1#1: *1 FastCGI sent in stderr: "PHP message: PHP Warning:  meh in /www/x_1/public/wp-content/themes/nice-theme/functions.php on line 3"'  # noqa: E501
CORE = "{t} [error] 2#2: *2 upstream timed out (110: Connection timed out) while reading response header"


def test_a_repeated_error_is_shown_once_with_its_count_first_and_last_time_and_its_plugin() -> None:
    lines = [FATAL.format(t=f"2026/01/15 10:{m:02d}:00", n=m + 10, line=42) for m in range(18)]
    lines.insert(5, WARNING.format(t="2026/01/15 10:04:30"))
    lines.append(CORE.format(t="2026/01/15 10:30:00"))
    data = {"environment": {"container_info": {"logs": "\n".join(lines)}}}
    shaped = shape(LOGS, data, args=validated())
    kept = logs_of(shaped.structured)
    assert kept == [
        WARNING.format(t="2026/01/15 10:04:30"),
        "[repeated 18 times from 2026-01-15T10:00:00Z to 2026-01-15T10:17:00Z]",
        lines[-2],  # the newest occurrence, whole
        lines[-1],
    ]
    diagnosis = shaped.structured["_diagnosis"]
    assert diagnosis["entries"] == 20 and diagnosis["distinct"] == 3
    assert diagnosis["sources"] == [
        {"kind": "plugin", "name": "broken-plugin", "entries": 18, "worst": "fatal"},
        {"kind": "theme", "name": "nice-theme", "entries": 1, "worst": "warning"},
    ]
    assert "broken-plugin" in shaped.text and "repeated 18 times" in shaped.text
    raw = shape(LOGS, data, args=validated(collapse=False))  # every line as Kinsta gave it
    assert logs_of(raw.structured) == lines and "_diagnosis" not in raw.structured


def test_the_access_log_is_not_collapsed() -> None:
    line = 'x.com 203.0.113.7 [15/Jan/2026:10:00:00 +0000] GET "/" HTTP/2.0 200 "-" "curl" 203.0.113.7 "/" - - 1'
    lines = [line] * 3
    data = {"environment": {"container_info": {"logs": "\n".join(lines)}}}
    shaped = shape(LOGS, data, args=validated(file_name="access"))
    assert logs_of(shaped.structured) == lines and "_diagnosis" not in shaped.structured
