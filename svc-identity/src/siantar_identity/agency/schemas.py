"""Request and response bodies of the OPD master list."""

from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_shared.i18n import LocalizedValueError, Text
from siantar_shared.schemas.types import OpdCode

Cluster = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$"),
    Field(
        description=(
            "Group of the OPD, a lowercase slug: secretariat_oversight, planning_finance_hr, "
            "licensing_identity, infrastructure, environment_order_safety, transport_ict, social_services, "
            "economy, territorial, enterprise"
        ),
        examples=["environment_order_safety"],
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=64)]
_PERIOD = Text("valid_to tidak boleh sebelum valid_from", "valid_to cannot be earlier than valid_from")


def check_period(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise LocalizedValueError(_PERIOD)


class Agency(BaseModel):
    """An OPD (perangkat daerah), a kecamatan or a city enterprise that complaints and permits route to."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["DLH"])
    name: str = Field(examples=["Dinas Lingkungan Hidup"])
    short_name: str = Field(examples=["DLH"])
    cluster: str = Field(examples=["environment_order_safety"])
    active: bool = Field(description="Switched off by an admin; see also valid_from/valid_to")
    valid_from: date | None = Field(description="First day it exists (inclusive), if known")
    valid_to: date | None = Field(description="Last day it exists (inclusive): set it instead of deleting")
    in_effect: bool = Field(description="Active and within valid_from..valid_to today (Asia/Jakarta)")
    version: int = Field(description="Grows with every change")


class AgencyList(BaseModel):
    items: list[Agency]


class AgencyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "DINSOS",
                    "name": "Dinas Sosial",
                    "short_name": "Dinsos",
                    "cluster": "social_services",
                    "valid_from": "2027-01-01",
                }
            ]
        },
    )

    code: OpdCode
    name: Name
    short_name: ShortName
    cluster: Cluster
    active: bool = True
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _period(self) -> Self:
        check_period(self.valid_from, self.valid_to)
        return self


class AgencyUpdate(BaseModel):
    """Only the fields sent change; the code never does (other services store it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"valid_to": "2026-12-31"},
                {"name": "Dinas Pekerjaan Umum dan Penataan Ruang", "short_name": "Dinas PUPR"},
            ]
        },
    )

    name: Name | None = None
    short_name: ShortName | None = None
    cluster: Cluster | None = None
    active: bool | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _no_null_names(self) -> Self:
        for field in ("name", "short_name", "cluster", "active"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise LocalizedValueError(Text(f"{field} tidak boleh null", f"{field} cannot be null"))
        return self
