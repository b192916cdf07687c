"""An agency-sized company for fleet tests: the demo's 3 sites plus N more, each with live and staging."""

from __future__ import annotations

from typing import Any

from kinsta_mcp.simulator import DEMO_COMPANY_ID
from kinsta_mcp.simulator.seed import fixed_id, new_environment, plugin
from kinsta_mcp.simulator.world import Site


def add_sites(sim: Any, count: int, *, outdated_every: int = 3) -> list[str]:
    """Add `count` sites (client-01 ...); every `outdated_every`-th live has an outdated akismet. Site ids back."""
    state = sim.state
    ids = []
    for n in range(1, count + 1):
        name = f"client-{n:02d}"
        site = Site(fixed_id(f"site:{name}"), name, f"Client {n:02d}", DEMO_COMPANY_ID, "us-central1", usr=name)
        state.sites[site.id] = site
        live = new_environment(
            state, site, env_id=fixed_id(f"env:{name}:live"), name="live", display_name="Live",
            domain_name=f"{name}.kinsta.cloud", ssh_port=43_000 + n,
        )  # fmt: skip
        if n % outdated_every == 0:
            live.plugins = [plugin("akismet", "Akismet Anti-spam", "5.3.3", "5.3.5")]
        new_environment(
            state, site, env_id=fixed_id(f"env:{name}:staging"), name="staging", display_name="Staging",
            domain_name=f"stg-{name}.kinsta.cloud", ssh_port=44_000 + n,
        )  # fmt: skip
        ids.append(site.id)
    return ids


def live_env_ids(sim: Any) -> list[str]:
    return [e.id for e in sim.state.environments.values() if e.is_live]
