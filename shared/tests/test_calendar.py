import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from siantar_shared.calendar import (
    WIB,
    HolidayKind,
    HolidayRecordMixin,
    SlaClock,
    WorkingCalendar,
    end_of_day,
    load_calendar,
    local_date,
    seed_rows,
)

# August 2026: Thu 13, Fri 14, Sat 15, Sun 16, Mon 17 (Independence Day), Tue 18, ...
INDEPENDENCE_DAY = date(2026, 8, 17)
FRIDAY_MORNING = datetime(2026, 8, 14, 9, 0, tzinfo=WIB)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar({INDEPENDENCE_DAY: "Hari Kemerdekaan"}, covered_years={2026})


def due(day: int, month: int = 8) -> datetime:
    return datetime(2026, month, day, 23, 59, 59, 999999, tzinfo=WIB)


# --- WorkingCalendar ------------------------------------------------------------------------------------------


def test_weekends_and_holidays(calendar: WorkingCalendar) -> None:
    assert calendar.is_working_day(date(2026, 8, 14))
    assert not calendar.is_working_day(date(2026, 8, 15))  # Saturday
    assert not calendar.is_working_day(date(2026, 8, 16))  # Sunday
    assert not calendar.is_working_day(INDEPENDENCE_DAY)
    assert calendar.next_working_day(date(2026, 8, 14)) == date(2026, 8, 18)


def test_add_working_days_skips_a_weekend_and_a_holiday(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(FRIDAY_MORNING, 1) == due(18)
    assert calendar.add_working_days(FRIDAY_MORNING, 3) == due(20)
    assert calendar.add_working_days(FRIDAY_MORNING, 10) == due(31)
    assert calendar.add_working_days(FRIDAY_MORNING, 3).tzinfo is WIB


def test_add_zero_working_days(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(FRIDAY_MORNING, 0) == due(14)
    assert calendar.add_working_days(datetime(2026, 8, 15, 10, tzinfo=WIB), 0) == due(18)


def test_add_working_days_refuses_bad_input(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        calendar.add_working_days(datetime(2026, 8, 14, 9), 1)  # noqa: DTZ001
    with pytest.raises(ValueError, match="0 or more"):
        calendar.add_working_days(FRIDAY_MORNING, -1)


def test_jakarta_day_boundary(calendar: WorkingCalendar) -> None:
    thursday_night_utc = datetime(2026, 8, 13, 23, 30, tzinfo=UTC)  # already Friday 06:30 in Jakarta
    assert local_date(thursday_night_utc) == date(2026, 8, 14)
    assert calendar.add_working_days(thursday_night_utc, 1) == due(18)  # not Friday the 14th
    friday_night_utc = datetime(2026, 8, 14, 17, 0, tzinfo=UTC)  # Saturday 00:00 in Jakarta
    assert not calendar.is_working_day(friday_night_utc)
    assert end_of_day(date(2026, 8, 14)) == datetime(2026, 8, 14, 16, 59, 59, 999999, tzinfo=UTC)


def test_working_days_between(calendar: WorkingCalendar) -> None:
    assert calendar.working_days_between(date(2026, 8, 14), date(2026, 8, 20)) == 3
    assert calendar.working_days_between(date(2026, 8, 20), date(2026, 8, 14)) == -3
    assert calendar.working_days_between(date(2026, 8, 14), date(2026, 8, 14)) == 0
    for n in range(1, 25):
        deadline = calendar.add_working_days(FRIDAY_MORNING, n)
        assert calendar.working_days_between(FRIDAY_MORNING, deadline) == n


def test_year_beyond_the_table_warns_once(
    calendar: WorkingCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    calendar.holidays[date(2027, 1, 1)] = "Tahun Baru"  # ignored: 2027 is not covered
    with caplog.at_level(logging.WARNING, logger="siantar_shared.calendar"):
        assert calendar.is_working_day(date(2027, 1, 1))  # a Friday, and only weekends count
        assert not calendar.is_working_day(date(2027, 1, 2))
        new_years_eve = datetime(2026, 12, 31, 9, tzinfo=WIB)
        assert calendar.add_working_days(new_years_eve, 1) == end_of_day(date(2027, 1, 1))
    warnings = [r for r in caplog.records if r.name == "siantar_shared.calendar"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "holiday table runs out" in warnings[0].getMessage()
    assert "2027" in warnings[0].getMessage()


def test_weekend_must_leave_a_working_day() -> None:
    with pytest.raises(ValueError, match="weekend"):
        WorkingCalendar({}, covered_years={2026}, weekend=range(7))


# --- Holiday table --------------------------------------------------------------------------------------------


def test_seed_rows_marks_kinds() -> None:
    rows = seed_rows([2025])
    kinds = {row["day"]: row["kind"] for row in rows}
    assert kinds[date(2025, 3, 31)] == "national"  # Idul Fitri
    assert kinds[date(2025, 8, 17)] == "national"
    assert kinds[date(2025, 4, 2)] == "cuti_bersama"
    assert kinds[date(2025, 8, 18)] == "cuti_bersama"
    assert [row["day"] for row in rows] == sorted(kinds)
    assert all(row["year"] == 2025 and len(row["name"]) <= 200 for row in rows)
    assert {row["name"] for row in rows if row["day"] == date(2025, 8, 17)} == {
        "Hari Kemerdekaan Republik Indonesia"
    }


class Base(DeclarativeBase):
    pass


class Holiday(HolidayRecordMixin, Base):
    __tablename__ = "holiday"


@pytest.fixture
async def session() -> AsyncIterator[AsyncSession]:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with AsyncSession(engine) as session:
        yield session
    await engine.dispose()


async def test_load_calendar_from_the_table(session: AsyncSession, caplog: pytest.LogCaptureFixture) -> None:
    await session.execute(insert(Holiday), [*seed_rows([2025])])
    local = {"day": date(2025, 4, 24), "name": "Hari Jadi (contoh)", "kind": HolidayKind.local, "year": 2025}
    await session.execute(insert(Holiday), [local])
    calendar = await load_calendar(session, Holiday)
    assert calendar.covered_years == {2025}
    assert not calendar.is_working_day(date(2025, 4, 2))  # cuti bersama
    assert not calendar.is_working_day(date(2025, 4, 24))  # local
    assert calendar.is_working_day(date(2025, 4, 23))
    with caplog.at_level(logging.WARNING, logger="siantar_shared.calendar"):
        assert calendar.is_working_day(date(2026, 8, 17))  # 2026 is not in the table
    assert "holiday table runs out" in caplog.text


def test_mixin_columns() -> None:
    columns = Holiday.__table__.columns
    assert [c.name for c in Holiday.__table__.primary_key] == ["day"]
    assert (columns["name"].type.length, columns["kind"].type.length) == (200, 20)  # type: ignore[attr-defined]
    assert columns["year"].index


# --- SlaClock -------------------------------------------------------------------------------------------------


def at(day: int, hour: int, month: int = 8) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=WIB)


def test_sla_without_pauses_matches_add_working_days(calendar: WorkingCalendar) -> None:
    clock = SlaClock(FRIDAY_MORNING, budget=5)
    assert clock.due_at(calendar) == calendar.add_working_days(FRIDAY_MORNING, 5) == due(24)
    assert not clock.is_paused


def test_pause_and_resume_push_the_due_date(calendar: WorkingCalendar) -> None:
    # Tue 18 15:00 -> Wed 19 10:00 touches two working days: due moves from Mon 24 to Wed 26
    clock = SlaClock(FRIDAY_MORNING, budget=5, pauses=[(at(18, 15), at(19, 10))])
    assert clock.due_at(calendar) == due(26)
    weekend_only = SlaClock(FRIDAY_MORNING, budget=5, pauses=[(at(15, 9), at(16, 20))])
    assert weekend_only.due_at(calendar) == due(24)
    start_day_only = SlaClock(FRIDAY_MORNING, budget=5, pauses=[(at(14, 10), at(14, 11))])
    assert start_day_only.due_at(calendar) == due(24)  # the start day never counted


def test_open_pause_counts_up_to_now(calendar: WorkingCalendar) -> None:
    clock = SlaClock(FRIDAY_MORNING, budget=5, pauses=[(at(18, 15), None)])
    assert clock.is_paused
    with pytest.raises(ValueError, match="pass now"):
        clock.due_at(calendar)
    assert clock.due_at(calendar, now=at(18, 16)) == due(25)
    assert clock.due_at(calendar, now=at(20, 9)) == due(27)
    assert not clock.is_overdue(at(31, 9), calendar)  # still paused: never overdue while waiting


def test_pause_after_the_deadline_changes_nothing(calendar: WorkingCalendar) -> None:
    clock = SlaClock(FRIDAY_MORNING, budget=1, pauses=[(at(19, 9), None)])
    assert clock.due_at(calendar, now=at(20, 9)) == due(18)
    assert clock.is_overdue(at(20, 9), calendar)


def test_remaining_and_overdue(calendar: WorkingCalendar) -> None:
    clock = SlaClock(FRIDAY_MORNING, budget=3)  # due Thu 20
    assert clock.remaining_working_days(at(18, 9), calendar) == 2
    assert clock.remaining_working_days(at(20, 23), calendar) == 0
    assert not clock.is_overdue(at(20, 23), calendar)
    assert clock.is_overdue(due(20) + timedelta(microseconds=1), calendar)
    assert clock.remaining_working_days(at(24, 9), calendar) == -2


def test_sla_clock_validation() -> None:
    with pytest.raises(ValueError, match="naive"):
        SlaClock(datetime(2026, 8, 14, 9), budget=1)  # noqa: DTZ001
    with pytest.raises(ValueError, match="0 or more"):
        SlaClock(FRIDAY_MORNING, budget=-1)
    with pytest.raises(ValueError, match="only the last pause"):
        SlaClock(FRIDAY_MORNING, budget=1, pauses=[(at(18, 9), None), (at(19, 9), at(19, 10))])
    with pytest.raises(ValueError, match="cannot end before"):
        SlaClock(FRIDAY_MORNING, budget=1, pauses=[(at(19, 9), at(18, 9))])
