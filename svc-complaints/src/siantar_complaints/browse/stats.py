"""Statistics of complaints: counts by status, category, OPD, kecamatan, kelurahan and month, median time to
resolution, SLA compliance and satisfaction.

The public (and citizens) get public complaints only, with every count below `SUPPRESS_BELOW` published as null
and `suppressed` (a small cell can point at a person); officers and supervisors get their OPD's complaints, the
desk any OPD's or all, unsuppressed.
"""

import statistics
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.browse.schemas import Count, Stats
from siantar_complaints.browse.service import queue_opd
from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint
from siantar_shared.auth import Principal
from siantar_shared.calendar import WIB

SUPPRESS_BELOW = 5
SECONDS_PER_DAY = 86_400


def scope_of(principal: Principal | None, opd: str | None) -> tuple[str, ColumnElement[bool]]:
    """Which complaints the caller's statistics cover, and its name."""
    if principal is not None and (visibility.sees_everything(principal) or visibility.opd_of(principal)):
        chosen = queue_opd(principal, opd)
        if chosen is None:
            return "all", visibility.visible_to(principal)
        return chosen, and_(visibility.visible_to(principal), Complaint.opd_code == chosen)
    return "public", visibility.only_public()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=WIB).astimezone(UTC)


async def compute(
    session: AsyncSession,
    principal: Principal | None,
    *,
    opd: str | None,
    since: date | None,
    until: date | None,
    now: datetime,
) -> Stats:
    name, scope = scope_of(principal, opd)
    clauses = [scope]
    if since is not None:
        clauses.append(Complaint.created_at >= _day_start(since))
    if until is not None:
        clauses.append(Complaint.created_at < _day_start(until + timedelta(days=1)))
    where = and_(*clauses)
    suppress = name == "public"
    dialect = session.get_bind().dialect.name

    async def by(column: Any) -> list[Count]:
        rows = await session.execute(
            select(column, func.count()).where(where).group_by(column).order_by(column)
        )
        return [_cell(str(key) if key is not None else "", n, suppress) for key, n in rows.all()]

    total = int(
        (await session.execute(select(func.count()).select_from(Complaint).where(where))).scalar_one()
    )
    resolved, median = await _resolution(session, where, dialect)
    running = and_(where, Complaint.sla_stage.is_not(None), Complaint.sla_paused.is_(False))
    clocks = int(
        (await session.execute(select(func.count()).select_from(Complaint).where(running))).scalar_one()
    )
    on_time = int(
        (
            await session.execute(
                select(func.count()).select_from(Complaint).where(running, Complaint.sla_due_at >= now)
            )
        ).scalar_one()
    )
    rated = await session.execute(
        select(func.count(Complaint.rating), func.avg(Complaint.rating)).select_from(Complaint).where(where)
    )
    rated_count, rating_average = rated.one()
    hide_total = suppress and total < SUPPRESS_BELOW
    return Stats(
        scope=name,
        total=None if hide_total else total,
        by_status=await by(Complaint.status),
        by_category=await by(Complaint.category_code),
        by_opd=await by(Complaint.opd_code),
        by_kecamatan=await by(Complaint.kecamatan_code),
        by_kelurahan=await by(Complaint.kelurahan_code),
        by_month=await by(_month(dialect)),
        resolved=None if suppress and resolved < SUPPRESS_BELOW else resolved,
        median_days_to_resolve=None if suppress and resolved < SUPPRESS_BELOW else median,
        sla_compliance_rate=(
            None if clocks == 0 or (suppress and clocks < SUPPRESS_BELOW) else round(on_time / clocks, 4)
        ),
        satisfaction_average=(
            None
            if not rated_count or (suppress and rated_count < SUPPRESS_BELOW)
            else round(float(rating_average), 2)
        ),
        suppression_threshold=SUPPRESS_BELOW if suppress else 0,
        since=since,
        until=until,
    )


def _cell(key: str, count: int, suppress: bool) -> Count:
    if suppress and count < SUPPRESS_BELOW:
        return Count(key=key, count=None, suppressed=True)
    return Count(key=key, count=count)


def _month(dialect: str) -> Any:
    """The WIB month of submission, `YYYY-MM`."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("Asia/Jakarta", Complaint.created_at), "YYYY-MM")
    return func.strftime("%Y-%m", Complaint.created_at, "+7 hours")


async def _resolution(
    session: AsyncSession, where: ColumnElement[bool], dialect: str
) -> tuple[int, float | None]:
    """How many complaints were resolved, and the median days from submission to resolution."""
    done = and_(where, Complaint.resolved_at.is_not(None))
    if dialect == "postgresql":
        seconds = func.extract("epoch", Complaint.resolved_at - Complaint.created_at)
        row = (
            await session.execute(
                select(func.count(), func.percentile_cont(0.5).within_group(seconds))
                .select_from(Complaint)
                .where(done)
            )
        ).one()
        count, median = int(row[0]), row[1]
        return count, None if median is None else round(float(median) / SECONDS_PER_DAY, 2)
    rows = (await session.execute(select(Complaint.created_at, Complaint.resolved_at).where(done))).all()
    durations = [(resolved - created).total_seconds() for created, resolved in rows if resolved is not None]
    if not durations:
        return 0, None
    return len(durations), round(statistics.median(durations) / SECONDS_PER_DAY, 2)
