"""Each view drawn in a real browser (Debian's chromium, driven by Playwright through its path), framed
by the test host (viewhost.py) that speaks the MCP Apps bridge: the view gets a real tool result from
the demo simulator through a real MCP client, and the test reads what a person sees. The view's own
calls go through the host to the same server, its guard included. One browser for the module.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from harness import World, world
from mcp.client import Client
from viewhost import APPS, CHROMIUM, CHROMIUM_ARGS, listed_tool, open_view, wire

from kinsta_mcp.simulator import seed as ids
from kinsta_mcp.views import VIEWS

pytestmark = pytest.mark.anyio

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install -y chromium)")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); CI installs it", allow_module_level=True)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


class Session:
    """A world (server on the simulator) and a client that negotiated MCP Apps."""

    def __init__(self, w: World, client: Client) -> None:
        self.world = w
        self.client = client
        self.relayed: list[tuple[str, dict[str, Any]]] = []

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        return await self.client.call_tool(name, arguments)

    async def relay(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """The host's relay of a view's tools/call: the same client, the same server, the same guard."""
        self.relayed.append((name, arguments))
        return wire(await self.client.call_tool(name, arguments))

    async def show(self, browser: Any, tool: str, arguments: dict[str, Any], **kwargs: Any) -> tuple[Any, Any]:
        tools = await self.client.list_tools()
        listed = listed_tool(tools, tool)
        view = listed["_meta"]["ui"]["resourceUri"]
        html = (await self.client.read_resource(view)).contents[0].text
        result = await self.call(tool, arguments)
        assert not result.is_error, result
        host = await open_view(browser, html, listed, arguments, wire(result), self.relay, **kwargs)
        return host, result


@asynccontextmanager
async def session(mode: str, **overrides: Any) -> AsyncIterator[Session]:
    async with world(**overrides) as w, Client(w.server, mode=mode, extensions=[APPS]) as client:  # type: ignore[arg-type]
        yield Session(w, client)


@pytest.fixture
async def apps_session() -> AsyncIterator[Session]:
    async with session("auto") as s:  # 2026-07-28
        yield s


@pytest.fixture
async def legacy_session() -> AsyncIterator[Session]:
    async with session("legacy") as s:  # 2025-11-25
        yield s


# (The frame's CSP forbids eval: tests wait with locators, not wait_for_function.)
def no_outside(host: Any) -> None:
    assert host.external == [], f"the view asked for something outside: {host.external}"
    assert host.errors == [], f"console errors or CSP violations: {host.errors}"


def series_of(result: Any) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = result.structured_content["analytics"]["analytics_response"]["data"]
    return data


def number(text: str) -> float:
    return float(text.replace(",", "").replace("%", ""))


# ---------------------------------------------------------------------------------------------- analytics


async def test_analytics_draws_the_period_and_the_numbers_of_the_result(browser: Any, apps_session: Session) -> None:
    env = ids.ACME_LIVE_ENV_ID
    host, result = await apps_session.show(
        browser, "get_analytics", {"metric": "visits", "env_id": env, "time_span": "7_days"}
    )
    frame = host.frame
    await frame.wait_for_selector("figure.chart canvas")
    series = series_of(result)[0]
    points = [(p["key"], int(p["value"])) for p in series["dataset"]]
    # The legend: the series and its total, as the result says.
    assert await frame.inner_text(".legend .name") == "Visits"
    assert number(await frame.inner_text(".legend .amount")) == series["total"]
    # The period: the result's first and last dates, every point.
    period = await frame.inner_text(".period")
    first, last = points[0][0][:10], points[-1][0][:10]
    assert _day(first) in period and _day(last) in period and f"{len(points)} daily points" in period
    # The axes as painted: dates of the period on x, a y range from 0 that holds the largest value.
    figure = await frame.query_selector("figure.chart")
    x_ticks = _json(await figure.get_attribute("data-x-ticks"))
    y_ticks = [number(t) for t in _json(await figure.get_attribute("data-y-ticks"))]
    assert x_ticks and all(_within(t, first, last) for t in x_ticks)
    assert y_ticks[0] == 0 and max(y_ticks) <= max(v for _, v in points) * 1.1
    assert max(y_ticks) >= max(v for _, v in points) / 2  # the scale is the data's, not a default
    # Hovering: each date a person points at reads the result's value for it.
    box = await (await frame.query_selector(".u-over")).bounding_box()
    seen = set()
    for step in range(len(points) * 3):
        await host.page.mouse.move(
            box["x"] + box["width"] * (step + 0.5) / (len(points) * 3), box["y"] + box["height"] / 2
        )
        readout = (await frame.inner_text(".legend .at")).strip(" ·")
        if readout:
            date, value = readout.rsplit(": ", 1)
            seen.add((date, number(value)))
    assert seen == {(_day(k[:10]), float(v)) for k, v in points}
    assert await host.tool_calls() == []  # it drew the result it was handed: no request of its own
    await host.screenshot("view-analytics")
    no_outside(host)


async def test_analytics_switches_metric_and_period_through_the_host(browser: Any, legacy_session: Session) -> None:
    env = ids.ACME_LIVE_ENV_ID
    host, _ = await legacy_session.show(browser, "get_analytics", {"metric": "visits", "env_id": env})
    frame = host.frame
    await frame.wait_for_selector("figure.chart canvas")
    # A breakdown as bars: every country of the result, with its count.
    await frame.select_option("select[aria-label=Metric]", "top-countries")
    await frame.wait_for_selector(".bars li")
    expected = await legacy_session.call("get_analytics", {"metric": "top-countries", "env_id": env})
    countries = {row["name"]: float(row["views"]) for row in series_of(expected)}
    labels = await frame.locator(".bars .label").all_inner_texts()
    values = [number(v) for v in await frame.locator(".bars .value").all_inner_texts()]
    assert dict(zip(labels, values, strict=True)) == countries
    assert values == sorted(values, reverse=True)
    await host.screenshot("view-analytics-breakdown")
    # The period: 30 days, asked through the host, drawn with its 30 dates.
    await frame.select_option("select[aria-label=Metric]", "bandwidth")
    await frame.wait_for_selector("figure.chart canvas")
    await frame.select_option("select[aria-label=Period]", "30_days")
    await frame.locator(".period", has_text="30 daily points").wait_for()
    calls = await host.tool_calls()
    assert [c["arguments"].get("metric") for c in calls] == ["top-countries", "bandwidth", "bandwidth"]
    assert calls[-1]["arguments"]["time_span"] == "30_days" and all(c["name"] == "get_analytics" for c in calls)
    assert [name for name, _ in legacy_session.relayed] == ["get_analytics"] * 3
    # Another environment: the list comes from list_sites when the person asks for it.
    await frame.click("button.env")
    await frame.wait_for_selector("select[aria-label=Environment]")
    await frame.select_option("select[aria-label=Environment]", ids.ACME_STAGING_ENV_ID)
    await frame.locator(".env-id", has_text=ids.ACME_STAGING_ENV_ID).wait_for()
    assert [name for name, _ in legacy_session.relayed][-2:] == ["list_sites", "get_analytics"]
    assert legacy_session.relayed[-1][1]["env_id"] == ids.ACME_STAGING_ENV_ID
    no_outside(host)


async def test_analytics_follows_the_host_theme_and_fits_a_narrow_frame(browser: Any, apps_session: Session) -> None:
    host, _ = await apps_session.show(
        browser, "get_analytics", {"metric": "response-codes", "env_id": ids.ACME_LIVE_ENV_ID}, width=340
    )
    frame = host.frame
    await frame.wait_for_selector("figure.chart canvas")
    light = await _background(frame)
    await host.page.evaluate("window.setTheme('dark')")
    await frame.locator("html[data-theme=dark]").wait_for(state="attached")
    dark = await _background(frame)
    assert sum(light) / 3 > 200 and sum(dark) / 3 < 60, (light, dark)
    assert await frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await host.screenshot("view-analytics-dark-narrow")
    no_outside(host)


# ---------------------------------------------------------------------------------------------- overview


async def test_overview_lists_every_site_sorts_filters_and_opens_an_environment(
    browser: Any, apps_session: Session
) -> None:
    host, result = await apps_session.show(browser, "get_company_overview", {})
    frame = host.frame
    await frame.wait_for_selector("tbody tr")
    sites = result.structured_content["sites"]
    shown_sites = {row.split("\t")[0].split("\n")[0] for row in await frame.locator("tbody tr").all_inner_texts()}
    assert shown_sites == {s["name"] for s in sites}
    # The company-wide vulnerable plugins, each by name; nothing drawn as an object's placeholder.
    vulnerable = await frame.inner_text(".vulnerable")
    assert all(v["name"] in vulnerable for v in result.structured_content["vulnerable"])
    assert "[object" not in await frame.inner_text("main")
    environments = [(s["name"], e) for s in sites for e in s["environments"]]
    assert await frame.locator("tbody tr").count() == len(environments)
    # Sorting by PHP, both ways.
    await frame.click("th >> text=PHP")
    php = await frame.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert php == sorted(php)
    await frame.click("th >> text=PHP")
    assert await frame.locator("tbody tr td:nth-child(3)").all_inner_texts() == sorted(php, reverse=True)
    # Filtering by a plugin name: the environments where it is pending.
    plugin = environments[0][1]["plugin_updates"][0]["name"]
    await frame.fill("#filter", plugin)
    having = {e["id"] for _, e in environments if any(u["name"] == plugin for u in e["plugin_updates"] or [])}
    rows = frame.locator("tbody tr")
    assert {await rows.nth(i).get_attribute("data-env") for i in range(await rows.count())} == having
    await frame.fill("#filter", "")
    # A click through to an environment: its pending updates, then Kinsta's details through the host.
    _, env = environments[0]
    await frame.click(f"tbody tr[data-env='{env['id']}']")
    details = await frame.inner_text("#details")
    assert env["id"] in details and all(u["name"] in details for u in env["plugin_updates"])
    assert await host.tool_calls() == []
    await host.screenshot("view-overview")
    await frame.click("#details button >> text=Details from Kinsta")
    await frame.wait_for_selector("#fetched dl")
    assert [name for name, _ in apps_session.relayed] == ["list_environments"]
    no_outside(host)


async def test_overview_of_a_large_company_lists_every_site_page_by_page(browser: Any) -> None:
    async with session("auto", sim_options={"extra_sites": 40}, result_budget=8000) as big:
        every = await big.call("list_sites", {})
        sites = {s["id"] for s in every.structured_content["company"]["sites"]}
        host, first = await big.show(browser, "get_company_overview", {})
        frame = host.frame
        await frame.wait_for_selector("tbody tr")
        assert first.structured_content["next_offset"] is not None  # the budget cut the first answer short
        assert f"{len(sites)} sites" in await frame.inner_text(".summary")  # the totals are the whole company's
        pages = 1
        while await frame.locator("#more-sites").count():
            before = await frame.locator("tbody tr").count()
            await frame.click("#more-sites")
            await frame.locator(f"tbody tr >> nth={before}").wait_for()  # the next page's first row
            pages += 1
        rows = frame.locator("tbody tr")
        shown = [await rows.nth(i).get_attribute("data-site") for i in range(await rows.count())]
        assert set(shown) == sites and pages > 1
        assert [c["arguments"].get("offset") for c in await host.tool_calls()] == [c[1]["offset"] for c in big.relayed]
        no_outside(host)


async def test_overview_shows_a_hostile_site_name_as_text(browser: Any, apps_session: Session) -> None:
    hostile = '<img src=x onerror="window.pwned=1"><b>Evil</b> & <script>window.pwned=2</script>'
    created = await apps_session.call(
        "create_site",
        {"source": "empty", "display_name": hostile, "region": "us-central1", "wait": True},
    )
    assert not created.is_error, created
    host, result = await apps_session.show(browser, "get_company_overview", {})
    frame = host.frame
    await frame.wait_for_selector("tbody tr")
    assert hostile in {s["name"] for s in result.structured_content["sites"]}
    cells = await frame.locator("tbody tr td:first-child").all_inner_texts()
    assert any(cell.startswith(hostile) for cell in cells)
    assert await frame.evaluate("window.pwned") is None
    assert await frame.evaluate("document.querySelectorAll('main img, main script').length") == 0
    assert await frame.evaluate("[...document.querySelectorAll('main b')].every((b) => b.textContent !== 'Evil')")
    no_outside(host)


# ---------------------------------------------------------------------------------------------- batch


async def test_batch_shows_every_target_outcome_and_created_id(browser: Any, legacy_session: Session) -> None:
    arguments = {
        "operation": "create_backup",
        "arguments": {"tag": "before-update"},
        "environments": "live",
        "dry_run": False,
    }
    host, result = await legacy_session.show(browser, "run_batch", arguments)
    frame = host.frame
    await frame.wait_for_selector("tbody tr")
    rows = result.structured_content["rows"]
    assert rows and all(r["outcome"] == "done" for r in rows)
    for row in rows:
        tr = frame.locator(f"tbody tr[data-id='{row['id']}']")
        text = await tr.inner_text()
        assert row["target"] in text and "done" in text
        assert f"backup_id {row['created']['backup_id']}" in " ".join(text.split())
    done = await frame.inner_text(".badge[data-outcome=done]")
    assert number(done.split()[0]) == len(rows)
    assert await host.tool_calls() == []
    await host.screenshot("view-batch")
    no_outside(host)


async def test_batch_outcomes_still_running_arrive_when_the_person_checks_again(browser: Any) -> None:
    # A server that does not wait for long operations: the batch answers with them still running.
    async with session("auto", call_deadline=1) as s:
        arguments = {"operation": "create_backup", "environments": "live", "dry_run": False}
        host, result = await s.show(browser, "run_batch", arguments)
        frame = host.frame
        await frame.wait_for_selector("tbody tr")
        running = result.structured_content["resume"]
        assert running and await frame.locator("tbody tr[data-outcome=running]").count() == len(running)
        checks = 0
        while still := await frame.locator("tbody tr[data-outcome=running]").count():
            assert checks < len(running), "an operation never finished"
            await s.world.clock.sleep(10)  # Kinsta gets on with them meanwhile (the simulator's clock)
            await frame.click(f"text=Check the {still} still running")
            await frame.locator("tbody tr[data-outcome=running]").nth(still - 1).wait_for(state="detached")
            checks += 1
        # Each check asked for what was still running, and nothing else.
        assert s.relayed[0] == ("run_batch", {"resume": running})
        assert all(name == "run_batch" and set(args) == {"resume"} for name, args in s.relayed)
        assert [len(args["resume"]) for _, args in s.relayed] == sorted(
            (len(a["resume"]) for _, a in s.relayed), reverse=True
        )
        for row in await frame.locator("tbody tr").all_inner_texts():
            assert "done" in row and "backup_id" in row
        no_outside(host)


# ---------------------------------------------------------------------------------------------- the guard


async def test_a_call_from_a_view_meets_the_guard_like_any_other(browser: Any, apps_session: Session) -> None:
    host, _ = await apps_session.show(browser, "get_company_overview", {})
    before = len(apps_session.world.writes())
    # A view that turned hostile asks the host to delete a backup: relayed like any view's call, the
    # server's guard asks for the human's yes, which this client cannot give: refused, nothing sent.
    answer = await host.frame.evaluate(
        """() => new Promise((resolve) => {
            addEventListener("message", (e) => { if (e.data && e.data.id === 4242) resolve(e.data); });
            parent.postMessage({ jsonrpc: "2.0", id: 4242, method: "tools/call",
              params: { name: "delete_backup", arguments: { backup_id: BACKUP } } }, "*");
        })""".replace("BACKUP", str(ids.ACME_MANUAL_BACKUP_ID))
    )
    assert apps_session.relayed == [("delete_backup", {"backup_id": ids.ACME_MANUAL_BACKUP_ID})]
    result = answer["result"]
    assert result["isError"] is True
    assert "confirm" in result["content"][0]["text"].lower()
    assert len(apps_session.world.writes()) == before


# ---------------------------------------------------------------------------------------------- helpers


def _json(text: str | None) -> list[str]:
    import json

    assert text, "the chart painted no axis labels"
    value: list[str] = json.loads(text)
    return value


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _day(iso: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{_MONTHS[month - 1]} {day}, {year}"


def _within(label: str, first: str, last: str) -> bool:
    match = re.match(r"([A-Z][a-z]{2}) (\d+), (\d{4})", label)
    assert match, label
    iso = f"{match[3]}-{_MONTHS.index(match[1]) + 1:02d}-{int(match[2]):02d}"
    return first <= iso <= last


async def _background(frame: Any) -> tuple[int, int, int]:
    colour = await frame.evaluate("getComputedStyle(document.body).backgroundColor")
    r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
    return r, g, b


assert set(VIEWS) == {"analytics", "overview", "batch"}
