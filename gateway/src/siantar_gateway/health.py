"""The gateway's `/healthz`: every upstream's `/healthz`, asked concurrently with a short timeout."""

import asyncio
from collections.abc import Iterable

from siantar_gateway.proxy import Upstream


async def health_report(upstreams: Iterable[Upstream], within: float) -> tuple[int, dict[str, object]]:
    """200 and `status: ok` when every upstream answers 200 in time; else 503 and `status: degraded`."""
    upstreams = list(upstreams)
    results = await asyncio.gather(*(upstream.probe(within) for upstream in upstreams))
    by_name = {upstream.service.name: result for upstream, result in zip(upstreams, results, strict=True)}
    healthy = all(result["status"] == "ok" for result in results)
    return (200 if healthy else 503), {"status": "ok" if healthy else "degraded", "upstreams": by_name}
