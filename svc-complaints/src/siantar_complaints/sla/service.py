"""SLA classes: listing them and seeding the shipped ones (`sla_classes.csv`).

Budgets are rows, never literals: the SLA clock (a later domain) reads them by the category's class.
"""

import csv
import io
from importlib.resources import files
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.sla import repository, schemas
from siantar_complaints.sla.models import SlaClass

SEED_FILE = "sla_classes.csv"
_BUDGETS = ("verify_days", "follow_up_days", "close_after_silence_days")


def to_schema(row: SlaClass) -> schemas.SlaClass:
    return schemas.SlaClass(
        code=row.code,
        name={"id": row.name_id, "en": row.name_en},
        verify_days=row.verify_days,
        follow_up_days=row.follow_up_days,
        close_after_silence_days=row.close_after_silence_days,
        legal_source=row.legal_source,
    )


async def list_classes(session: AsyncSession) -> schemas.SlaClassList:
    return schemas.SlaClassList(items=[to_schema(row) for row in await repository.list_all(session)])


async def exists(session: AsyncSession, code: str) -> bool:
    return await repository.get_by_code(session, code) is not None


def seed_rows() -> list[dict[str, Any]]:
    """The shipped classes, with whole, non-negative budgets (a bad file fails loudly)."""
    text = files("siantar_complaints.sla").joinpath(SEED_FILE).read_text(encoding="utf-8")
    lines = [line for line in io.StringIO(text) if not line.startswith("#")]
    rows: list[dict[str, Any]] = []
    for row in csv.DictReader(lines):
        budgets = {name: int(row[name]) for name in _BUDGETS}
        if min(budgets.values()) < 0 or not row["legal_source"].strip():
            raise ValueError(f"{SEED_FILE}: class {row['code']} needs budgets >= 0 and a legal source")
        rows.append({**row, **budgets})
    return rows


async def seed(session: AsyncSession) -> list[str]:
    """Add the shipped classes whose codes are missing; existing rows (perhaps edited) stay as they are."""
    existing = await repository.existing_codes(session)
    added = [row for row in seed_rows() if row["code"] not in existing]
    session.add_all(SlaClass(**row) for row in added)
    await session.flush()
    return [row["code"] for row in added]
