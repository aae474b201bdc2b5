"""The database side of each read, as the service sends it: EXPLAIN ANALYZE execution times (median of
`--repeat` warm runs) and the plan's top node, per database, to check that cost grows as log n, not n.

The statements are compiled from the service's own query builders (browse.service, browse.geomap,
complaint.duplicates), so the SQL measured is the SQL served.

    .tools/bin/uv run --no-sync python bench/complaints/explain.py complaints_bench_10000 complaints_bench_1000000
"""

import argparse
import asyncio
import json
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import Select, and_, func, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.browse import geomap, search
from siantar_complaints.browse.models import ComplaintCellCount
from siantar_complaints.browse.service import NEWEST_FIRST
from siantar_complaints.complaint import geo, visibility
from siantar_complaints.complaint.duplicates import CANDIDATE_CAP, SUGGESTABLE
from siantar_complaints.complaint.models import Complaint
from siantar_shared.auth import Principal, Role
from siantar_shared.db import make_engine, make_sessionmaker
from siantar_shared.pagination import SortKey

BOX = geomap.BoundingBox(99.064, 2.955, 99.073, 2.964)


def ordered(statement: Select[Any], keys: tuple[SortKey, ...] = NEWEST_FIRST) -> Select[Any]:
    return statement.order_by(*(key.column.desc() for key in keys)).limit(51)


async def searched(session: AsyncSession, words: list[str]) -> Select[Any]:
    public: Select[Any] = select(Complaint).where(visibility.only_public())
    return ordered(*(await search.restrict(session, public, words, NEWEST_FIRST)))


async def statements(session: AsyncSession) -> dict[str, Select[Any]]:
    officer = Principal(subject=uuid4(), client_id="bench", roles=frozenset({Role.officer}), agency="DLH")
    ranges = geo.cell_ranges(BOX.south, BOX.west, BOX.north, BOX.east)
    cell = ComplaintCellCount.geo_cell
    lat, long = 2.9595, 99.0687
    small = geo.cell_ranges(2.9590, 99.0680, 2.9599, 99.0689)  # one cell, about 100 m: points, not clusters
    return {
        "officer queue": ordered(
            select(Complaint).where(visibility.visible_to(officer), Complaint.opd_code == "DLH")
        ),
        "public list": ordered(select(Complaint).where(visibility.only_public())),
        "search 'sampah'": await searched(session, ["sampah"]),
        "search 'horas selokan'": await searched(session, ["horas", "selokan"]),
        "search 'bench' (no match)": await searched(session, ["bench"]),
        "map: counts per cell": select(cell, func.sum(ComplaintCellCount.count))
        .where(or_(*(cell.between(r.first, r.last) for r in ranges)))
        .group_by(cell),
        "map: points, 100 m box": select(Complaint.id, Complaint.latitude, Complaint.longitude)
        .where(
            and_(
                visibility.only_public(),
                or_(*(Complaint.geo_cell.between(r.first, r.last) for r in small)),
                Complaint.latitude.between(2.9590, 2.9599),
                Complaint.longitude.between(99.0680, 99.0689),
            )
        )
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(geomap.MAP_CAP),
        "duplicate check": select(Complaint)
        .where(
            Complaint.category_code == "lampu-jalan",
            Complaint.geo_cell.in_(geo.neighbourhood(lat, long)),
            Complaint.created_at >= datetime.now(UTC) - timedelta(days=30),
            Complaint.status.in_([s.value for s in SUGGESTABLE]),
            visibility.only_public(),
        )
        .order_by(Complaint.created_at.desc())
        .limit(CANDIDATE_CAP),
    }


async def measure(session: AsyncSession, statement: Select[Any], repeat: int) -> tuple[float, str]:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    times, top = [], ""
    for _ in range(repeat):
        result = await session.execute(
            # the text is compiled from our own statements with literal values: no outside input
            text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        )
        plan = result.scalar_one()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        times.append(float(plan[0]["Execution Time"]))
        node = plan[0]["Plan"]
        while node.get("Node Type") in (
            "Limit",
            "Sort",
            "Aggregate",
            "GroupAggregate",
            "HashAggregate",
        ) and node.get("Plans"):
            node = node["Plans"][0]
        top = f"{node['Node Type']} {node.get('Index Name', node.get('Relation Name', ''))}".strip()
    return statistics.median(times), top


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="+")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    results: dict[str, dict[str, tuple[float, str]]] = {}
    for database in args.databases:
        engine = make_engine(
            f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}", app_name="bench.explain"
        )
        async with make_sessionmaker(engine)() as session:
            for name, statement in (await statements(session)).items():
                results.setdefault(name, {})[database] = await measure(
                    session, statement, min(args.repeat, 50)
                )
        await engine.dispose()
    print(f"{'query':26}" + "".join(f"{db:>28}" for db in args.databases) + "   plan (last database)")
    for name, per_db in results.items():
        cells = "".join(f"{per_db[db][0]:>25.3f} ms" for db in args.databases)
        print(f"{name:26}{cells}   {per_db[args.databases[-1]][1]}")


if __name__ == "__main__":
    asyncio.run(main())
