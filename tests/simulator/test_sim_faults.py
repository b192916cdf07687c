"""Auth, roles, rate limits, injected faults and the request log."""

from __future__ import annotations

import httpx
import pytest

from kinsta_mcp.simulator import DEMO_API_KEY, DEMO_COMPANY_ID, Fault, KeyInfo, SimClock, Simulator
from kinsta_mcp.simulator import seed as s

pytestmark = pytest.mark.anyio

LIVE = s.ACME_LIVE_ENV_ID
CLEAR = "/sites/tools/clear-cache"


def client_for(sim: Simulator, key: str | None = DEMO_API_KEY) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(transport=sim.transport(), base_url=sim.base_url, headers=headers)


# -- auth and roles -------------------------------------------------------------------


async def test_missing_or_unknown_key_is_401(sim: Simulator) -> None:
    for key in (None, "not-a-real-key"):
        async with client_for(sim, key) as http:
            r = await http.get("/validate")
        assert r.status_code == 401
        assert r.json() == {"message": "No or invalid API key provided to the request", "status": 401}


async def test_validate_names_the_company(client: httpx.AsyncClient) -> None:
    r = await client.get("/validate")
    assert r.status_code == 200 and r.json()["company"] == DEMO_COMPANY_ID


async def test_developer_role_is_403_where_kinsta_says(clock: SimClock) -> None:
    keys = {
        "dev-key": KeyInfo(DEMO_COMPANY_ID, role="developer"),
        "limited-key": KeyInfo(DEMO_COMPANY_ID, forbidden=frozenset({"POST /sites/tools/clear-cache"})),
    }
    sim = Simulator(api_keys=keys, clock=clock)
    async with client_for(sim, "dev-key") as dev:
        assert (await dev.delete(f"/sites/{s.ACME_SITE_ID}")).status_code == 403
        assert (await dev.get(f"/company/{DEMO_COMPANY_ID}/users")).status_code == 403
        assert (await dev.get(f"/company/{DEMO_COMPANY_ID}/api-keys")).status_code == 403
        assert (await dev.get(f"/sites/{s.ACME_SITE_ID}")).status_code == 200
    async with client_for(sim, "limited-key") as limited:
        r = await limited.post(CLEAR, json={"environment_id": LIVE})
        assert r.status_code == 403 and r.json()["status"] == 403
        assert (await limited.delete(f"/sites/{s.ACME_SITE_ID}")).status_code == 202
    assert s.ACME_SITE_ID in sim.state.sites  # the refused delete changed nothing (the other is still running)


# -- rate limits ----------------------------------------------------------------------


async def test_the_121st_request_in_a_minute_is_429_until_the_window_passes(
    client: httpx.AsyncClient, clock: SimClock
) -> None:
    for i in range(120):
        r = await client.get("/validate")
        assert r.status_code == 200, i
        assert r.headers["RateLimit-Remaining"] == str(119 - i)
        clock.advance(0.1)
    refused = await client.get("/validate")
    assert refused.status_code == 429
    assert refused.json()["status"] == 429 and refused.json()["message"]
    assert refused.headers["RateLimit-Limit"] == "120"
    assert refused.headers["RateLimit-Remaining"] == "0"
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 60 and int(refused.headers["RateLimit-Reset"]) == wait
    clock.advance(wait)
    assert (await client.get("/validate")).status_code == 200


async def test_creation_is_limited_to_5_a_minute(client: httpx.AsyncClient, clock: SimClock) -> None:
    body = {"display_name": "Sandbox {}", "is_premium": False}
    for i in range(5):
        r = await client.post(f"/sites/{s.ACME_SITE_ID}/environments/plain", json={**body, "display_name": f"Box {i}"})
        assert r.status_code == 202, r.text
    sixth = await client.post(f"/sites/{s.ACME_SITE_ID}/environments/plain", json={**body, "display_name": "Box 6"})
    assert sixth.status_code == 429 and sixth.headers["RateLimit-Limit"] == "5"
    assert (await client.get("/validate")).status_code == 200  # other requests still pass
    clock.advance(60)
    again = await client.post(f"/sites/{s.ACME_SITE_ID}/environments/plain", json={**body, "display_name": "Box 7"})
    assert again.status_code == 202


async def test_logs_are_limited_to_35_a_minute(client: httpx.AsyncClient) -> None:
    params = {"file_name": "error", "lines": "1"}
    for _ in range(35):
        assert (await client.get(f"/sites/environments/{LIVE}/logs", params=params)).status_code == 200
    refused = await client.get(f"/sites/environments/{LIVE}/logs", params=params)
    assert refused.status_code == 429 and refused.headers["RateLimit-Limit"] == "35"


async def test_rate_limits_can_be_switched_off(clock: SimClock) -> None:
    sim = Simulator(clock=clock, rate_limits=False)
    async with client_for(sim) as http:
        statuses = {(await http.get("/validate")).status_code for _ in range(130)}
    assert statuses == {200}


# -- faults ---------------------------------------------------------------------------


async def test_status_fault_answers_the_error_without_processing_and_honours_times(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.faults.add(Fault(method="POST", path=CLEAR, kind="status", status=500, times=2))
    for _ in range(2):
        r = await client.post(CLEAR, json={"environment_id": LIVE})
        assert r.status_code == 500 and r.json()["status"] == 500
    assert sim.state.operations == {}
    assert (await client.post(CLEAR, json={"environment_id": LIVE})).status_code == 202


async def test_status_fault_after_processing_applies_the_change(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    sim.faults.add(Fault(method="PUT", path="/sites/tools/denied-ips", kind="status", status=503, after=True))
    r = await client.put("/sites/tools/denied-ips", json={"environment_id": LIVE, "ip_list": ["192.0.2.77"]})
    assert r.status_code == 503
    assert sim.state.environments[LIVE].denied_ips == ["192.0.2.77"]


async def test_fault_matches_by_template_and_any_method(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.add(Fault(path="/sites/{site_id}", kind="status", status=502, times=None))
    for _ in range(3):
        assert (await client.get(f"/sites/{s.ACME_SITE_ID}")).status_code == 502
    assert (await client.get(f"/sites/{s.ACME_SITE_ID}/environments")).status_code == 200


async def test_slow_fault_delays_by_the_clock(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    sim.faults.add(Fault(path="*", kind="slow", seconds=7.5))
    before = clock.time()
    assert (await client.get("/validate")).status_code == 200
    assert clock.time() - before == 7.5
    before = clock.time()
    await client.get("/validate")
    assert clock.time() == before  # times=1


async def test_timeout_fault_raises_read_timeout(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.add(Fault(method="POST", path=CLEAR, kind="timeout"))
    with pytest.raises(httpx.ReadTimeout):
        await client.post(CLEAR, json={"environment_id": LIVE})
    assert sim.state.operations == {}
    assert sim.requests[-1].status == 0


async def test_drop_fault_raises_remote_protocol_error(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.add(Fault(path="*", kind="drop", times=1))
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get("/validate")
    assert (await client.get("/validate")).status_code == 200


async def test_malformed_fault_is_200_with_a_body_that_is_not_json(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.add(Fault(path="/validate", kind="malformed"))
    r = await client.get("/validate")
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()


async def test_rate_limit_fault_is_429_with_headers(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.add(Fault(path="/validate", kind="rate_limit"))
    r = await client.get("/validate")
    assert r.status_code == 429
    assert all(h in r.headers for h in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"))
    assert r.json()["status"] == 429


async def test_fail_operations_fails_only_matching_templates(
    client: httpx.AsyncClient, sim: Simulator, clock: SimClock
) -> None:
    sim.fail_operations("POST /sites/tools/*", times=None)
    cleared = await client.post(CLEAR, json={"environment_id": LIVE})
    edge = await client.post("/sites/edge-caching/clear", json={"environment_id": LIVE})
    clock.advance(sim.operation_seconds)
    assert (await client.get(f"/operations/{cleared.json()['operation_id']}")).status_code == 500
    assert (await client.get(f"/operations/{edge.json()['operation_id']}")).status_code == 200


# -- the request log ------------------------------------------------------------------


async def test_every_request_is_recorded(client: httpx.AsyncClient, sim: Simulator, clock: SimClock) -> None:
    await client.get("/sites", params={"company": DEMO_COMPANY_ID})
    await client.post(CLEAR, json={"environment_id": LIVE})
    await client.get("/sites/a%2Fb")
    first, second, third = sim.requests
    assert (first.method, first.path, first.query, first.body, first.status) == (
        "GET",
        "/sites",
        [("company", DEMO_COMPANY_ID)],
        None,
        200,
    )
    assert (second.method, second.path, second.body, second.status) == ("POST", CLEAR, {"environment_id": LIVE}, 202)
    assert third.raw_path == "/sites/a%2Fb" and third.path == "/sites/a/b" and third.status == 404
    assert first.time == clock.time()


async def test_unknown_route_is_404_in_kinsta_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/no/such/thing")
    assert r.status_code == 404 and set(r.json()) == {"message", "status"}
