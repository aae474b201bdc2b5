"""Request and response bodies of the service catalogue."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_complaints.category.attributes import (
    Attribute,
    Description,
    Name,
    ResponseTemplate,
    check_attributes,
    check_templates,
)
from siantar_complaints.sla.schemas import SlaClassCode
from siantar_shared.i18n import LocalizedValueError, Text
from siantar_shared.schemas.types import OpdCode

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,63}$"
CategoryCode = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN),
    Field(
        description="Open311 `service_code`: 2-64 characters, a-z or 0-9 first, then a-z, 0-9, _ or -",
        examples=["jalan-rusak"],
    ),
]
GroupCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN), Field(examples=["jalan-penerangan"])]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=500),
    Field(description="Why this change is made; kept in the category's history", examples=["Usulan DLH"]),
]


def _dedupe(keywords: list[str]) -> list[str]:
    return list(dict.fromkeys(keywords))


Keyword = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=2, max_length=40, pattern=r"^[^,]+$"),
]
Keywords = Annotated[
    list[Keyword], Field(max_length=30, examples=[["jalan", "lubang"]]), AfterValidator(_dedupe)
]


class CategoryType(StrEnum):
    """SP4N-LAPOR! report types."""

    aspirasi = "aspirasi"
    pengaduan = "pengaduan"
    permintaan_informasi = "permintaan_informasi"


_EXAMPLE: dict[str, Any] = {
    "code": "trotoar-rusak",
    "name": {"id": "Trotoar rusak", "en": "Damaged pavement"},
    "description": {"id": "Trotoar berlubang, amblas atau terhalang.", "en": "Broken or blocked pavement."},
    "group": "jalan-penerangan",
    "type": "pengaduan",
    "opd_code": "PUTR",
    "sla_class": "normatif",
    "anonymous_allowed": True,
    "keywords": ["trotoar", "pejalan kaki"],
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
    "reason": "Kategori baru atas usulan Dinas PUTR",
}


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    code: CategoryCode
    name: Name
    description: Description
    group: GroupCode = Field(description="A group code (`GET /category-groups`)")
    type: CategoryType
    opd_code: OpdCode = Field(
        description="Responsible OPD, from identity's list (`GET /identity/v1/agencies`)"
    )
    sla_class: SlaClassCode
    attributes: list[Attribute] = Field(default_factory=list, max_length=30)
    anonymous_allowed: bool = Field(default=True, description="Whether a reporter may hide their identity")
    response_templates: list[ResponseTemplate] = Field(default_factory=list, max_length=20)
    keywords: Keywords = Field(default_factory=list)
    active: bool = True
    reason: Reason

    @model_validator(mode="after")
    def _unique_parts(self) -> Self:
        check_attributes(self.attributes)
        check_templates(self.response_templates)
        return self


class CategoryUpdate(BaseModel):
    """Only the fields sent change (lists are replaced whole); the code never changes. `active: false`
    deactivates a category (categories are never deleted)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"opd_code": "PRKP", "reason": "Pemeliharaan drainase lingkungan pindah ke Dinas PRKP"},
                {"active": False, "reason": "Digabung ke kategori drainase-banjir"},
            ]
        },
    )

    name: Name | None = None
    description: Description | None = None
    group: GroupCode | None = None
    type: CategoryType | None = None
    opd_code: OpdCode | None = None
    sla_class: SlaClassCode | None = None
    attributes: list[Attribute] | None = Field(default=None, max_length=30)
    anonymous_allowed: bool | None = None
    response_templates: list[ResponseTemplate] | None = Field(default=None, max_length=20)
    keywords: Keywords | None = None
    active: bool | None = None
    reason: Reason

    @model_validator(mode="after")
    def _no_nulls_and_unique_parts(self) -> Self:
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise LocalizedValueError(Text(f"{field} tidak boleh null", f"{field} cannot be null"))
        check_attributes(self.attributes or [])
        check_templates(self.response_templates or [])
        return self


class Category(BaseModel):
    """A kind of report citizens can file (an Open311 service), as the public sees it."""

    code: str = Field(examples=["sampah"])
    name: Name
    description: Description
    group: str = Field(examples=["lingkungan"])
    type: CategoryType
    opd_code: str = Field(description="Responsible OPD", examples=["DLH"])
    sla_class: str = Field(examples=["normatif"])
    attributes: list[Attribute]
    anonymous_allowed: bool
    keywords: list[str]
    active: bool
    version: int = Field(description='Grows with every change; the ETag is `"v<version>"`')
    created_at: datetime
    modified_at: datetime | None


class CategoryAdmin(Category):
    """A category with the officers' response templates (answers to admins' writes)."""

    response_templates: list[ResponseTemplate]


class CategoryList(BaseModel):
    items: list[Category]


class CategoryTemplates(BaseModel):
    code: str
    version: int
    items: list[ResponseTemplate]


class CategoryGroup(BaseModel):
    code: str = Field(examples=["jalan-penerangan"])
    parent: str | None = Field(
        description="The parent group's code; null at the top", examples=["infrastruktur"]
    )
    name: Name
    position: int = Field(description="Display order among its siblings")


class CategoryGroupList(BaseModel):
    items: list[CategoryGroup]
