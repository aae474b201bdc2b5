"""Typed async factories: rows exist for one test and go when it rolls back."""

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.category import seed as catalogue
from siantar_complaints.category.models import Category, CategoryChange
from siantar_complaints.models import platform
from siantar_complaints.routing.models import RoutingRule
from siantar_complaints.sla import service as sla_service
from siantar_shared.events import OutboxEventMixin
from siantar_shared.testing.plugin import save

if TYPE_CHECKING:
    from siantar_complaints.complaint.models import Complaint

CATEGORIES = "/complaints/v1/categories"
RULES = "/complaints/v1/routing/rules"
PREVIEW = "/complaints/v1/routing/preview"
MARIHAT = "12.72.05"  # Siantar Marihat
SUKARAJA = "12.72.05.1002"  # Sukaraja, a kelurahan of Siantar Marihat
KEBUN_SAYUR = "12.72.01.1001"  # a kelurahan of Siantar Timur


async def seed_catalogue(session: AsyncSession) -> catalogue.SeedResult:
    await sla_service.seed(session)
    return await catalogue.seed(session)


async def get_category(session: AsyncSession, code: str) -> Category:
    return (await session.scalars(select(Category).where(Category.code == code))).one()


async def create_rule(
    session: AsyncSession,
    *,
    category: str = "lampu-jalan",
    kecamatan: str | None = None,
    opd_code: str = "DISHUB",
    priority: int = 0,
    active: bool = True,
) -> RoutingRule:
    rule = RoutingRule(
        category_code=category,
        kecamatan_code=kecamatan,
        opd_code=opd_code,
        priority=priority,
        active=active,
        note="",
    )
    saved: RoutingRule = await save(session, rule)
    return saved


async def category_changes(session: AsyncSession, code: str) -> list[CategoryChange]:
    statement = select(CategoryChange).where(CategoryChange.category_code == code)
    return list(await session.scalars(statement.order_by(CategoryChange.version)))


async def events(session: AsyncSession, type_: str) -> list[OutboxEventMixin]:
    model = platform.outbox_event
    statement = select(model).where(model.type == type_).order_by(model.position)
    return list(await session.scalars(statement))


def new_category(**overrides: Any) -> dict[str, Any]:
    """A valid `POST /categories` body."""
    body: dict[str, Any] = {
        "code": "trotoar-rusak",
        "name": {"id": "Trotoar rusak", "en": "Damaged pavement"},
        "description": {"id": "Trotoar berlubang atau terhalang.", "en": "Broken or blocked pavement."},
        "group": "jalan-penerangan",
        "type": "pengaduan",
        "opd_code": "PUTR",
        "sla_class": "normatif",
        "keywords": ["Trotoar", "trotoar", "pejalan kaki"],
        "attributes": [
            {
                "code": "jenis_kerusakan",
                "datatype": "singlevaluelist",
                "required": True,
                "order": 1,
                "description": {"id": "Jenis kerusakan", "en": "Kind of damage"},
                "values": [
                    {"key": "berlubang", "name": {"id": "Berlubang", "en": "Holes"}},
                    {"key": "terhalang", "name": {"id": "Terhalang", "en": "Blocked"}},
                ],
            }
        ],
        "response_templates": [
            {
                "code": "dijadwalkan",
                "title": {"id": "Perbaikan dijadwalkan", "en": "Repair scheduled"},
                "body": {"id": "Perbaikan sudah dijadwalkan.", "en": "The repair has been scheduled."},
            }
        ],
        "reason": "Usulan Dinas PUTR",
    }
    return {**body, **overrides}


async def create_complaint(session: AsyncSession, **overrides: Any) -> "Complaint":
    """A complaint row straight in the database (the catalogue must be seeded): submitted, public, in
    Sukaraja, routed to the category's OPD. Override any column."""
    from datetime import UTC, datetime
    from uuid import uuid4

    from siantar_complaints.complaint import geo
    from siantar_complaints.complaint.models import Complaint

    now = datetime.now(UTC)
    category = await get_category(session, overrides.get("category_code", "lampu-jalan"))
    latitude = overrides.pop("latitude", 2.9595)
    longitude = overrides.pop("longitude", 99.0687)
    values: dict[str, Any] = {
        "tracking_number": f"TEST-{uuid4().hex[:12].upper()}",
        "title": "Lampu jalan mati",
        "description": "Lampu jalan di depan rumah nomor 12 mati sejak seminggu.",
        "category_code": category.code,
        "type": category.type,
        "answers": {},
        "opd_code": category.opd_code,
        "routing_rule_id": None,
        "routing_basis": "category",
        "routing_reason_id": "Kategori",
        "routing_reason_en": "Category",
        "status": "submitted",
        "reporter_id": uuid4(),
        "reporter_kind": "citizen",
        "submitted_by_client": "siantar-citizen-app",
        "channel": "app",
        "identity_visibility": "public",
        "report_visibility": "public",
        "kelurahan_code": SUKARAJA,
        "kecamatan_code": MARIHAT,
        "latitude": latitude,
        "longitude": longitude,
        "geo_cell": geo.cell_of(latitude, longitude)
        if latitude is not None and longitude is not None
        else None,
        "sla_class_code": category.sla_class_code,
        "last_activity_at": now,
        "created_at": now,
    }
    values.update(overrides)
    saved: Complaint = await save(session, Complaint(**values))
    return saved
