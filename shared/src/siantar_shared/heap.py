"""The cyclic garbage collector, settled once a server has started (the gateway and every service).

A request allocates thousands of short-lived objects that die by reference counting; with CPython's default
young-generation threshold (700) the collector ran several times per request and, every tenth and hundredth
time, walked the start-up heap (modules, pydantic and SQLAlchemy structures, pools) again and again: about a
fifth of the gateway's CPU at 64 connections and a sixth of a complaint list's at 32 clients
(bench/gateway/README.md, bench/complaints/README.md). Garbage cycles are still collected, only less often.
"""

import gc

YOUNG_THRESHOLD = (
    10_000  # objects allocated between two young-generation collections (CPython's default: 700)
)
_settled = False


def settle_heap() -> None:
    """Hide what start-up built from the collector (`gc.freeze`) and run its young pass less often. Once per
    process: a later start in the same process (tests start many apps) leaves the heap to the collector."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
