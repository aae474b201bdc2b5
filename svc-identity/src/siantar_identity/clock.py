"""The time, injectable: services read `request.state.clock`, tests replace it with a `FrozenClock`."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Protocol

from fastapi import Depends, Request


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to (`advance`)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


def get_clock(request: Request) -> Clock:
    clock: Clock = request.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(get_clock)]
