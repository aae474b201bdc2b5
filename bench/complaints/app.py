"""svc-complaints with the bare baselines of issue 4 beside it, in the same process (bench only, never deployed).

- `POST /bench/raw-insert`: one complaint row straight through an asyncpg pool (one INSERT, nothing else);
- `GET /bench/raw-page`: one keyset page (50 public complaints, newest first) straight through asyncpg;
- `POST /bench/orm-insert`: one complaint row through the ORM session (SessionDep), nothing else;
- `POST /bench/accept`: a submission's body and token checked and its `Idempotency-Key` claimed and recorded, no
  submission work: the floor under any submission in this stack;
- `GET /bench/duplicates?category=&lat=&long=`: the submission's duplicate check (`complaint.duplicates.suggest`)
  alone, as the service runs it (it has no endpoint of its own).

    uvicorn --factory app:create_bench_app --app-dir bench/complaints   (run.py starts it)
"""

import json
import os
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, FastAPI, Query, Request, Response

from siantar_complaints.complaint import duplicates, geo
from siantar_complaints.complaint.models import Complaint
from siantar_complaints.complaint.schemas import ComplaintCreate
from siantar_complaints.config import Settings
from siantar_complaints.main import create_app
from siantar_shared.auth import AnyPrincipal
from siantar_shared.db import SessionDep

router = APIRouter(prefix="/bench")
RAW_PAGE = (
    "SELECT id, tracking_number, title, description, category_code, status, opd_code, kelurahan_code, "
    "latitude, longitude, created_at FROM complaint WHERE report_visibility = 'public' "
    "ORDER BY created_at DESC, id DESC LIMIT 50"
)
RAW_INSERT = (
    "INSERT INTO complaint (id, created_at, tracking_number, title, description, category_code, type, answers, "
    "opd_code, routing_basis, routing_reason_id, routing_reason_en, status, reporter_id, reporter_kind, "
    "submitted_by_client, channel, identity_visibility, report_visibility, kelurahan_code, kecamatan_code, "
    "latitude, longitude, geo_cell, sla_class_code, sla_pauses, sla_paused, last_activity_at, reopen_count, "
    "follower_count, photo_count, version) VALUES ($1, $2, $3, $4, $5, 'lampu-jalan', 'pengaduan', '{}', "
    "'DISHUB', 'category', 'Kategori', 'Category', 'submitted', $6, 'citizen', 'bench', 'app', 'public', "
    "'public', '12.72.05.1002', '12.72.05', $8, $9, $7, 'normatif', '[]', false, $2, 0, 0, 0, 1)"
)


def somewhere() -> tuple[float, float, int]:
    """A point in the city, different each time (so that baseline rows do not pile up on one spot)."""
    lat, long = random.uniform(2.90, 3.00), random.uniform(99.02, 99.10)
    return lat, long, geo.cell_of(lat, long)


def _row(record: asyncpg.Record) -> dict[str, Any]:
    return {
        key: str(value) if isinstance(value, uuid.UUID | datetime) else value for key, value in record.items()
    }


@router.get("/raw-page")
async def raw_page(request: Request) -> Response:
    pool: asyncpg.Pool = request.state.bench_pool
    async with pool.acquire() as connection:
        rows = await connection.fetch(RAW_PAGE)
    cursor = f"{rows[-1]['created_at'].isoformat()}|{rows[-1]['id']}" if rows else None
    body = json.dumps({"items": [_row(r) for r in rows], "next_cursor": cursor})
    return Response(body, media_type="application/json")


@router.post("/raw-insert", status_code=201)
async def raw_insert(request: Request) -> dict[str, str]:
    pool: asyncpg.Pool = request.state.bench_pool
    new_id, now = uuid.uuid4(), datetime.now(UTC)
    number = f"RAW-{new_id.hex[:20]}"
    lat, long, cell = somewhere()
    async with pool.acquire() as connection:
        await connection.execute(
            RAW_INSERT,
            new_id,
            now,
            number,
            "Lampu jalan mati",
            "Lampu mati sejak kemarin.",
            uuid.uuid4(),
            cell,
            lat,
            long,
        )
    return {"id": str(new_id)}


@router.post("/orm-insert", status_code=201)
async def orm_insert(session: SessionDep) -> dict[str, str]:
    now = datetime.now(UTC)
    lat, long, cell = somewhere()
    complaint = Complaint(
        id=uuid.uuid4(), created_at=now, tracking_number=f"ORM-{uuid.uuid4().hex[:20]}",
        title="Lampu jalan mati", description="Lampu mati sejak kemarin.", category_code="lampu-jalan",
        type="pengaduan", answers={}, opd_code="DISHUB", routing_basis="category", routing_reason_id="Kategori",
        routing_reason_en="Category", status="submitted", reporter_id=uuid.uuid4(), reporter_kind="citizen",
        submitted_by_client="bench", channel="app", identity_visibility="public", report_visibility="public",
        kelurahan_code="12.72.05.1002", kecamatan_code="12.72.05", latitude=lat, longitude=long,
        geo_cell=cell, sla_class_code="normatif", sla_pauses=[], sla_paused=False, last_activity_at=now,
    )  # fmt: skip
    session.add(complaint)
    await session.flush()
    return {"id": str(complaint.id)}


@router.post("/accept", status_code=201)
async def accept(body: ComplaintCreate, principal: AnyPrincipal) -> dict[str, str]:
    """What any submission costs before its own work: the same body validated, the token checked, and (sent
    with an `Idempotency-Key`, as run.py does) the key claimed and the answer recorded; nothing else."""
    return {"title": body.title, "reporter": str(principal.subject)}


@router.get("/duplicates")
async def duplicate_check(
    session: SessionDep,
    category: Annotated[str, Query()],
    lat: Annotated[float, Query()],
    long: Annotated[float, Query()],
) -> list[dict[str, Any]]:
    found = await duplicates.suggest(
        session, category_code=category, latitude=lat, longitude=long, now=datetime.now(UTC),
        radius_m=100.0, window_days=30, limit=5,
    )  # fmt: skip
    return [item.model_dump(mode="json") for item in found]


def create_bench_app() -> FastAPI:
    settings = Settings()
    app = create_app(settings)
    app.include_router(router)
    inner = app.router.lifespan_context
    dsn = settings.DATABASE_URL.replace("+asyncpg", "")
    pool_size = int(os.environ.get("BENCH_POOL_SIZE", "10"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with asyncpg.create_pool(dsn, min_size=2, max_size=pool_size) as pool, inner(app) as state:
            yield {**(state or {}), "bench_pool": pool}

    app.router.lifespan_context = lifespan
    return app
