"""CPU-heavy work (password hashing, images, PDFs) runs off the event loop, through a bounded limiter.

A separate limiter from the default thread pool keeps slow hashing from starving FastAPI's sync endpoints
and dependencies, and bounds memory when many uploads arrive at once.
"""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")

_limiter: anyio.CapacityLimiter | None = None
_capacity = 4


def configure(capacity: int) -> None:
    """Set how many CPU-bound jobs may run at once (the `CPU_WORKERS` setting).

    An existing limiter is resized in place, so work already waiting on it obeys the new capacity too.
    """
    global _capacity
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise ValueError(f"CPU worker capacity must be an integer of at least 1, not {capacity!r}")
    _capacity = capacity
    if _limiter is not None:
        _limiter.total_tokens = capacity


def limiter() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(_capacity)
    return _limiter


async def run_cpu_bound(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `func(*args, **kwargs)` in a worker thread, at most `CPU_WORKERS` at a time."""
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs), limiter=limiter())
