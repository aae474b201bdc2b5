"""Load N synthetic complaints into a PostgreSQL bench database built by svc-complaints's migrations (COPY).

The database (`complaints_bench_<N>` by default) is dropped and made again, migrated to head, seeded with the
catalogue, then filled with `asyncpg.copy_records_to_table` in batches and analysed. The rows look like the
city's: three years of complaints, the seeded categories routed to their OPDs, states by age (old ones mostly closed),
9 in 10 public, points scattered around a few centres inside the city, 200,000 distinct reporters, titles and
descriptions from a vocabulary of Bahasa Indonesia words (so that search terms have realistic frequencies).

    .tools/bin/uv run --no-sync python bench/complaints/load.py --rows 1000000
"""

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from siantar_complaints.category.models import Category
from siantar_complaints.complaint import geo
from siantar_complaints.complaint.states import FINAL_STATES, OPEN_STATES
from siantar_shared.db import make_engine, make_sessionmaker
from siantar_shared.testing.databases import migrate
from siantar_shared.wilayah import all_kelurahan

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = ROOT / "svc-complaints" / "alembic.ini"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
MAX_ROWS = 2_000_000
BATCH = 20_000
REPORTERS = 200_000
SEED = 20261127
CENTRES = [(2.9595, 99.0687), (2.9700, 99.0600), (2.9450, 99.0750), (2.9900, 99.0550), (2.9300, 99.0500)]
WORDS = [
    "lampu",
    "jalan",
    "mati",
    "rusak",
    "berlubang",
    "sampah",
    "menumpuk",
    "banjir",
    "drainase",
    "tersumbat",
    "air",
    "bersih",
    "keruh",
    "mati",
    "taman",
    "kotor",
    "pasar",
    "becek",
    "parkir",
    "liar",
    "pedagang",
    "trotoar",
    "jembatan",
    "retak",
    "pohon",
    "tumbang",
    "kabel",
    "listrik",
    "bau",
    "selokan",
    "genangan",
    "macet",
    "angkot",
    "terminal",
    "sekolah",
    "puskesmas",
    "antrean",
    "pelayanan",
    "lambat",
    "pungutan",
    "ktp",
    "kk",
    "akta",
    "izin",
    "usaha",
    "bangunan",
    "bising",
    "malam",
    "anjing",
    "liar",
    "nyamuk",
    "fogging",
    "got",
    "jalan",
    "gang",
    "rumah",
    "warga",
    "simpang",
    "lapangan",
    "masjid",
    "gereja",
    "kantor",
    "kelurahan",
    "kecamatan",
    "horas",
    "sukaraja",
    "merdeka",
    "sutomo",
    "kartini",
    "melanthon",
    "siantar",
    "marihat",
]
COLUMNS = (
    "id", "created_at", "modified_at", "tracking_number", "title", "description", "category_code", "type",
    "answers", "opd_code", "routing_rule_id", "routing_basis", "routing_reason_id", "routing_reason_en",
    "status", "status_reason", "duplicate_of_id", "redirected_to", "reporter_id", "reporter_kind",
    "submitted_by_id", "submitted_by_client", "channel", "identity_visibility", "report_visibility",
    "kelurahan_code", "kecamatan_code", "address_text", "latitude", "longitude", "geo_cell",
    "assigned_officer_id", "sla_class_code", "sla_stage", "sla_started_at", "sla_budget_days", "sla_pauses",
    "sla_due_at", "sla_paused", "sla_reminded_at", "sla_escalated_at", "verified_at", "dispositioned_at",
    "first_response_at", "resolved_at", "closed_at", "last_activity_at", "reopen_count", "follower_count",
    "photo_count", "rating", "version",
)  # fmt: skip


async def recreate(name: str) -> str:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def seed_catalogue(url: str) -> list[tuple[str, str, str, str]]:
    from sqlalchemy import select

    from siantar_complaints.category import seed as catalogue
    from siantar_complaints.models import Holiday
    from siantar_complaints.sla import service as sla_service
    from siantar_shared.calendar import seed_holidays

    engine = make_engine(url, app_name="bench.complaints.load")
    try:
        async with make_sessionmaker(engine)() as session:
            await sla_service.seed(session)
            await catalogue.seed(session)
            await seed_holidays(session, Holiday)
            await session.commit()
            rows = await session.execute(
                select(Category.code, Category.opd_code, Category.type, Category.sla_class_code)
            )
            return [tuple(row) for row in rows.all()]  # type: ignore[misc]
    finally:
        await engine.dispose()


def record(
    n: int, rng: random.Random, now: datetime, categories: list[Any], places: list[Any]
) -> tuple[Any, ...]:
    code, opd, type_, sla_class = categories[rng.randrange(len(categories))]
    created = now - timedelta(seconds=rng.randrange(3 * 365 * 86_400))
    age_days = (now - created).days
    final = age_days > 30 and rng.random() < 0.9
    status = rng.choice(sorted(FINAL_STATES if final else OPEN_STATES))
    resolved = created + timedelta(days=rng.uniform(1, 20)) if status == "closed" else None
    kelurahan = places[rng.randrange(len(places))]
    lat = lon = cell = None
    if rng.random() < 0.85:
        clat, clon = CENTRES[rng.randrange(len(CENTRES))]
        lat = min(max(rng.gauss(clat, 0.015), 2.88), 3.02)
        lon = min(max(rng.gauss(clon, 0.015), 99.01), 99.12)
        cell = geo.cell_of(lat, lon)
    words = rng.sample(WORDS, 4)
    title = " ".join(words).capitalize()
    description = " ".join(rng.choices(WORDS, k=rng.randrange(12, 40))).capitalize() + "."
    running = status in OPEN_STATES and status != "waiting_for_citizen"
    due = created + timedelta(days=rng.uniform(1, 14)) if running else None
    return (
        uuid.UUID(int=rng.getrandbits(128), version=4), created, None, f"BENCH-{created.year}-{n:07d}", title,
        description, code, type_, "{}", opd, None, "category", "Kategori", "Category", status, None, None, None,
        uuid.UUID(int=rng.randrange(REPORTERS) + 1), "citizen", None, "siantar-citizen-app",
        rng.choice(("web", "app", "app", "sms", "whatsapp", "counter")),
        rng.choice(("public", "public", "agency", "hidden")),
        "public" if rng.random() < 0.9 else "restricted",
        kelurahan.code, kelurahan.kecamatan_code, None, lat, lon, cell,
        None, sla_class, "follow_up" if running else None, created if running else None, 5 if running else None,
        "[]", due, status == "waiting_for_citizen", None, None, None, None, None, resolved,
        resolved + timedelta(days=10) if resolved else None, resolved or created, 0, 0, 0,
        rng.randint(1, 5) if resolved and rng.random() < 0.4 else None, 1,
    )  # fmt: skip


async def fill(url: str, rows: int, categories: list[Any]) -> None:
    """COPY without the secondary indexes, then build them (much faster than maintaining them row by row)."""
    dsn = url.replace("+asyncpg", "")
    connection = await asyncpg.connect(dsn)
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    places = list(all_kelurahan())
    started = time.perf_counter()
    indexes = await connection.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
        "JOIN pg_index x ON x.indexrelid = c.oid "
        "WHERE i.tablename = 'complaint' AND NOT x.indisprimary AND NOT x.indisunique"
    )
    for index in indexes:
        await connection.execute(f'DROP INDEX "{index["indexname"]}"')
    try:
        for first in range(0, rows, BATCH):
            batch = [record(n, rng, now, categories, places) for n in range(first, min(rows, first + BATCH))]
            await connection.copy_records_to_table("complaint", records=batch, columns=COLUMNS)
            done = first + len(batch)
            if done % 200_000 == 0 or done == rows:
                print(f"  {done:>9,} rows  {time.perf_counter() - started:6.1f} s", flush=True)
        await connection.execute("SET maintenance_work_mem = '512MB'")
        for index in indexes:
            await connection.execute(index["indexdef"])
        print(f"  {len(indexes)} indexes built  {time.perf_counter() - started:6.1f} s", flush=True)
        await connection.execute("VACUUM ANALYZE complaint")
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help=f"complaints (max {MAX_ROWS:,})")
    parser.add_argument("--database", default=None, help="name (default complaints_bench_<rows>)")
    args = parser.parse_args()
    rows = min(args.rows, MAX_ROWS)
    name = args.database or f"complaints_bench_{rows}"
    started = time.perf_counter()
    url = await recreate(name)
    await migrate(ALEMBIC_INI, url, "head")
    categories = await seed_catalogue(url)
    print(f"{name}: migrated, {len(categories)} categories; loading {rows:,} complaints with COPY")
    await fill(url, rows, categories)
    print(f"{name}: {rows:,} complaints in {time.perf_counter() - started:.1f} s")
    print(json.dumps({"database": name, "url": url, "rows": rows}))


if __name__ == "__main__":
    asyncio.run(main())
