"""Working days (hari kerja) in Pematangsiantar: weekends, holidays and SLA clocks that pause.

Deadlines are counted on the city's local calendar, `Asia/Jakarta` (WIB, UTC+7): a moment at 23:30 UTC is
already the next day here. Holidays are an editable table per year in each service's own database
(`HolidayRecordMixin`): `seed_rows()` proposes rows from the `holidays` package, `load_calendar()` reads it.
"""

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypedDict
from zoneinfo import ZoneInfo

import holidays as pyholidays
from sqlalchemy import Date, Integer, Select, String, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from siantar_shared.db import read_rows

WIB = ZoneInfo("Asia/Jakarta")
logger = logging.getLogger(__name__)


def local_date(moment: datetime) -> date:
    """The date in Pematangsiantar (WIB) at `moment`, which must be timezone-aware."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware moment")
    return moment.astimezone(WIB).date()


def end_of_day(day: date) -> datetime:
    """23:59:59.999999 WIB on `day`: the moment a deadline falling on `day` expires."""
    return datetime.combine(day, time.max, tzinfo=WIB)


def _as_date(value: date) -> date:
    return local_date(value) if isinstance(value, datetime) else value


class WorkingCalendar:
    """Which days are working days, and deadlines counted in them.

    A day is a working day unless its weekday is in `weekend` (Monday = 0) or it is in `holidays`. For a year
    not in `covered_years` the holiday table has run out: only weekends are non-working, and a WARNING is
    logged once per year and calendar. Methods taking a `date` also take an aware `datetime` (its WIB date).
    """

    def __init__(
        self, holidays: Mapping[date, str], *, covered_years: Iterable[int], weekend: Iterable[int] = (5, 6)
    ) -> None:
        self.holidays = dict(holidays)
        self.covered_years = frozenset(covered_years)
        self.weekend = frozenset(weekend)
        if not self.weekend < set(range(7)):
            raise ValueError(
                "weekend must be weekday numbers 0-6 (Monday = 0), leaving at least one working day"
            )
        self._warned: set[int] = set()

    def is_working_day(self, day: date) -> bool:
        day = _as_date(day)
        if day.year not in self.covered_years:
            self._warn_uncovered(day.year)
            return day.weekday() not in self.weekend
        return day.weekday() not in self.weekend and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day = _as_date(day) + timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The deadline `n` working days after the moment `start` (LAPOR!-style).

        Rule: take the WIB date of `start` and count `n` full working days after it (the start day itself
        never counts, however early); the deadline is the end of the n-th one, 23:59:59.999999 WIB, returned
        timezone-aware. `n = 0` means the end of the start day if it is a working day, else of the next one.
        """
        if n < 0:
            raise ValueError("n must be 0 or more working days")
        day = local_date(start)
        if n == 0 and self.is_working_day(day):
            return end_of_day(day)
        for _ in range(max(n, 1)):
            day = self.next_working_day(day)
        return end_of_day(day)

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days d with a < d <= b; negative (minus that of b..a) when b is before a.

        So `working_days_between(start, add_working_days(start, n)) == n` for every n >= 1.
        """
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def _warn_uncovered(self, year: int) -> None:
        if year not in self._warned:
            self._warned.add(year)
            logger.warning("holiday table runs out: %d is not covered, only weekends count as days off", year)


class HolidayKind(StrEnum):
    national = "national"  # hari libur nasional (Keppres / SKB 3 Menteri)
    cuti_bersama = "cuti_bersama"  # collective leave for civil servants (SKB 3 Menteri)
    local = "local"  # declared by the city


class HolidayRecordMixin:
    """Columns of a service's holiday table; mix into the service's own Base.

    ``class Holiday(HolidayRecordMixin, Base): __tablename__ = "holiday"``. One row per day off; every kind
    is a non-working day. `kind` holds a `HolidayKind` value.
    """

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer, index=True)


_HOLIDAY_READS: dict[type[HolidayRecordMixin], Select[date, str, str]] = {}


async def load_calendar(session: AsyncSession, model: type[HolidayRecordMixin]) -> WorkingCalendar:
    """Read the holiday table. A year counts as covered when it has at least one national holiday row."""
    statement = _HOLIDAY_READS.get(model)
    if statement is None:  # one statement object per table: SQLAlchemy works its cache key out once
        statement = _HOLIDAY_READS[model] = select(model.day, model.name, model.kind)
    rows = await read_rows(session, statement, tuple)
    covered = {day.year for day, _, kind in rows if kind == HolidayKind.national}
    return WorkingCalendar({day: name for day, name, _ in rows}, covered_years=covered)


class HolidayRow(TypedDict):
    day: date
    name: str
    kind: str
    year: int


def seed_rows(years: Iterable[int]) -> list[HolidayRow]:
    """Proposed holiday rows for `years`, in Indonesian, from the `holidays` package, sorted by day.

    Its default "public" category gives the national holidays (kind national), its "government" category the
    cuti bersama (kind cuti_bersama); a day in both is national. Islamic dates it has to estimate are labelled
    "(perkiraan)", and its cuti bersama stop at the last published SKB (2027 in holidays 0.109): an admin
    checks each year against the SKB 3 Menteri and adds the local days off.
    """
    years = sorted(set(years))
    national = pyholidays.country_holidays("ID", years=years, language="id")
    joint = pyholidays.country_holidays("ID", years=years, language="id", categories=("government",))
    rows = {day: _row(day, name, HolidayKind.cuti_bersama) for day, name in joint.items()}
    rows.update({day: _row(day, name, HolidayKind.national) for day, name in national.items()})
    return [rows[day] for day in sorted(rows)]


async def seed_holidays(
    session: AsyncSession, model: type[HolidayRecordMixin], years: Iterable[int] | None = None
) -> int:
    """Add the proposed rows for `years` (default: this year and the next two) that the table lacks.

    Rows already there are never changed, so an admin's edits survive a second seed. Returns how many were
    added. The caller commits.
    """
    this_year = datetime.now(WIB).year
    wanted = seed_rows(years if years is not None else range(this_year, this_year + 3))
    existing = set((await session.scalars(select(model.day))).all())
    new = [row for row in wanted if row["day"] not in existing]
    if new:
        await session.execute(insert(model), new)
    await session.flush()
    return len(new)


def _row(day: date, name: str, kind: HolidayKind) -> HolidayRow:
    return HolidayRow(day=day, name=name[:200], kind=kind.value, year=day.year)


Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class SlaClock:
    """A deadline of `budget` working days from `started_at` that stops while paused (waiting on the citizen).

    Rule: a working day on which the clock was paused for any part of the day (WIB) does not count. The clock
    is due at the end of the `budget`-th counting working day after the WIB date of `started_at` (budget 0:
    the start day if it counts, else the next counting day). So each working day fully or partly paused before
    the deadline pushes it by one working day, and a pause begun after the deadline changes nothing. An open
    pause (end None; only the last one) is taken to end at `now`: a paused clock is due "as if resumed now".
    """

    started_at: datetime
    budget: int
    pauses: Sequence[Pause] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "pauses", tuple(self.pauses))
        local_date(self.started_at)  # refuses a naive datetime
        if self.budget < 0:
            raise ValueError("budget must be 0 or more working days")
        for i, (start, end) in enumerate(self.pauses):
            _check_pause(start, end, last=i == len(self.pauses) - 1)

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def due_at(self, calendar: WorkingCalendar, *, now: datetime | None = None) -> datetime:
        """The deadline under the rule above; `now` is required while the clock is paused."""
        paused = self._paused_days(now)
        day = local_date(self.started_at)
        counted = 0
        if self.budget == 0 and calendar.is_working_day(day) and day not in paused:
            return end_of_day(day)
        while counted < max(self.budget, 1):
            day = calendar.next_working_day(day)
            counted += day not in paused
        return end_of_day(day)

    def remaining_working_days(self, now: datetime, calendar: WorkingCalendar) -> int:
        """Working days after today (WIB) up to the due day: 0 when due today, negative when overdue."""
        return calendar.working_days_between(now, self.due_at(calendar, now=now))

    def is_overdue(self, now: datetime, calendar: WorkingCalendar) -> bool:
        return now > self.due_at(calendar, now=now)

    def _paused_days(self, now: datetime | None) -> set[date]:
        days: set[date] = set()
        for start, end in self.pauses:
            stop = end if end is not None else now
            if stop is None:
                raise ValueError("the clock is paused: pass now")
            first, last = local_date(start), local_date(stop)
            days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
        return days


def _check_pause(start: datetime, end: datetime | None, *, last: bool) -> None:
    local_date(start)  # refuses a naive datetime
    if end is None:
        if not last:
            raise ValueError("only the last pause may be open")
        return
    local_date(end)
    if end < start:
        raise ValueError("a pause cannot end before it starts")
