"""The parts of a category written in two languages: names, texts, extra questions and officers' templates.

Extra questions are Open311 service-definition attributes (GeoReport v2 `services/{code}`): `code` is what a
client posts as `attribute[code]`, `order` sorts them (1 first, unique), list datatypes carry `values`.
"""

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_shared.i18n import LocalizedValueError, Text

AttributeCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$"),
    Field(description="Posted as `attribute[code]`: a-z, 0-9 and _", examples=["jenis_kerusakan"]),
]
OptionKey = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"), Field(examples=["lubang"])
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Name(BaseModel):
    """A short text in Bahasa Indonesia (`id`) and English (`en`)."""

    model_config = ConfigDict(extra="forbid")

    id: ShortText
    en: ShortText


class Description(BaseModel):
    """A longer plain text in Bahasa Indonesia (`id`) and English (`en`)."""

    model_config = ConfigDict(extra="forbid")

    id: LongText
    en: LongText


class AttributeDatatype(StrEnum):
    string = "string"
    number = "number"
    datetime = "datetime"
    text = "text"
    singlevaluelist = "singlevaluelist"
    multivaluelist = "multivaluelist"


LIST_DATATYPES = frozenset({AttributeDatatype.singlevaluelist, AttributeDatatype.multivaluelist})


class AttributeValue(BaseModel):
    """One choice of a list question."""

    model_config = ConfigDict(extra="forbid")

    key: OptionKey
    name: Name


class Attribute(BaseModel):
    """An extra question of a category (an Open311 service attribute)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "jenis_kerusakan",
                    "datatype": "singlevaluelist",
                    "required": True,
                    "order": 1,
                    "description": {"id": "Jenis kerusakan", "en": "Kind of damage"},
                    "values": [
                        {"key": "lubang", "name": {"id": "Berlubang", "en": "Pothole"}},
                        {"key": "retak", "name": {"id": "Retak", "en": "Cracked"}},
                    ],
                }
            ]
        },
    )

    code: AttributeCode
    datatype: AttributeDatatype
    required: bool = False
    variable: bool = Field(default=True, description="False: information shown to the reporter, no input")
    order: int = Field(ge=1, le=999, description="1 is asked first; unique within a category")
    description: Description = Field(description="The question")
    datatype_description: Description | None = Field(default=None, description="How to answer it")
    values: list[AttributeValue] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.datatype in LIST_DATATYPES and not self.values:
            raise LocalizedValueError(
                Text(
                    f"Pertanyaan {self.code}: daftar pilihan wajib diisi", f"{self.code}: a list needs values"
                )
            )
        if self.datatype not in LIST_DATATYPES and self.values:
            raise LocalizedValueError(
                Text(
                    f"Pertanyaan {self.code}: pilihan hanya untuk singlevaluelist/multivaluelist",
                    f"{self.code}: values are only for singlevaluelist and multivaluelist",
                )
            )
        if not self.variable and self.required:
            raise LocalizedValueError(
                Text(
                    f"Pertanyaan {self.code}: teks informasi tidak bisa wajib",
                    f"{self.code}: an informational attribute cannot be required",
                )
            )
        ensure_unique((value.key for value in self.values), f"{self.code}.values.key")
        return self


class ResponseTemplate(BaseModel):
    """A canned answer officers start from (`body` is plain text they edit before posting)."""

    model_config = ConfigDict(extra="forbid")

    code: OptionKey
    title: Name
    body: Description


def ensure_unique(values: Iterable[object], what: str) -> None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise LocalizedValueError(
                Text(f"{what} {value} dipakai dua kali", f"{what} {value} is used twice")
            )
        seen.add(value)


def check_attributes(attributes: list[Attribute]) -> None:
    ensure_unique((attribute.code for attribute in attributes), "attributes.code")
    ensure_unique((attribute.order for attribute in attributes), "attributes.order")


def check_templates(templates: list[ResponseTemplate]) -> None:
    ensure_unique((template.code for template in templates), "response_templates.code")
