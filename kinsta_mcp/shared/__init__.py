"""State that several replicas of the HTTP server share through Redis (`redis_url`).

One process keeps everything in memory (the default). Replicas behind a load balancer must agree
on these, so they keep them in one Redis:

- approvals (`approvals.py`): a human's yes, or a confirmation token, is spent once across all
  replicas;
- Kinsta's rate budget per company (`limiter.py`): one limiter over all replicas, fair per
  principal, as `api/ratelimit.py` is within one process;
- the key that seals 2026-07-28 request state (`store.py`), so an elicitation round started on
  one replica can be answered on another;
- jobs (`jobs.py`) and the operations batches started (`batches.py`), so a job is listed, waited
  for and a batch resumed on any replica;
- which cached reads a write changed (`store.py`, a pub/sub channel): each replica keeps its own
  read cache and drops from it what another replica's write may have changed.

If Redis goes away, a replica refuses guarded and write calls with a clear message rather than
fall back to state of its own (`SharedStateUnavailable`); reads continue on the replica's own
share of the budget. `/readyz` reports Redis (docs/deployment.md).
"""

from kinsta_mcp.shared.store import SharedState, SharedStateUnavailable

__all__ = ["SharedState", "SharedStateUnavailable"]
