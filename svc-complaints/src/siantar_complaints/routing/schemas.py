"""Request and response bodies of routing rules and the routing preview."""

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_complaints.category.schemas import CategoryCode, Reason
from siantar_complaints.routing.decision import RoutingBasis
from siantar_shared.i18n import LocalizedValueError, Text
from siantar_shared.schemas.types import KecamatanCode, OpdCode

Priority = Annotated[int, Field(ge=-1000, le=1000, description="Higher wins among equally specific rules")]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class RoutingRuleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "lampu-jalan",
                    "kecamatan": "12.72.05",
                    "opd_code": "KEC-SIANTAR-MARIHAT",
                    "note": "Lampu lingkungan di Siantar Marihat dikelola kecamatan",
                    "reason": "Kesepakatan rapat koordinasi Dinas PUTR dan Camat",
                }
            ]
        },
    )

    category: CategoryCode
    kecamatan: KecamatanCode | None = Field(default=None, description="Null: every kecamatan")
    opd_code: OpdCode
    priority: Priority = 0
    active: bool = True
    note: Note = ""
    reason: Reason


class RoutingRuleUpdate(BaseModel):
    """Only the fields sent change; the category and kecamatan of a rule never do (make a new rule).
    `active: false` deactivates it (rules are never deleted)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"active": False, "reason": "Dikembalikan ke Dinas PUTR"},
                {"opd_code": "PRKP", "reason": "Perubahan tugas pokok"},
            ]
        },
    )

    opd_code: OpdCode | None = None
    priority: Priority | None = None
    active: bool | None = None
    note: Note | None = None
    reason: Reason

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise LocalizedValueError(Text(f"{field} tidak boleh null", f"{field} cannot be null"))
        return self


class RoutingRule(BaseModel):
    id: UUID
    category: str = Field(examples=["lampu-jalan"])
    kecamatan: str | None = Field(examples=["12.72.05"])
    opd_code: str = Field(examples=["KEC-SIANTAR-MARIHAT"])
    priority: int
    active: bool
    note: str
    version: int = Field(description='Grows with every change; the ETag is `"v<version>"`')
    created_at: datetime
    modified_at: datetime | None


class RoutingRuleList(BaseModel):
    items: list[RoutingRule]


class Place(BaseModel):
    code: str
    name: str


class Bilingual(BaseModel):
    id: str
    en: str


class RoutingPreview(BaseModel):
    """Where a complaint of this category at this place would go, and which rule says so."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category": "sampah",
                    "kelurahan": {"code": "12.72.01.1001", "name": "Kebun Sayur"},
                    "kecamatan": {"code": "12.72.01", "name": "Siantar Timur"},
                    "opd_code": "DLH",
                    "rule_id": None,
                    "basis": "category_default",
                    "reason": {
                        "id": "bawaan kategori: Sampah → DLH",
                        "en": "category default: Rubbish → DLH",
                    },
                }
            ]
        }
    )

    category: str
    kelurahan: Place | None
    kecamatan: Place | None
    opd_code: str
    rule_id: UUID | None = Field(description="The rule used; null when the category's own OPD applies")
    basis: RoutingBasis
    reason: Bilingual
