"""A permit type's definition (what admins edit and applications are filed under) and its API shapes.

A definition is validated as a whole: the fee's quantity names a numeric form field, the number format has a
`{seq}`, a tracked type names its external system, and codes are unique. Amounts are whole rupiah.
"""

import string
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_shared.auth import Role

TypeCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,47}$")]
FieldCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]
OpdCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,31}$")]
NUMBER_PLACEHOLDERS = frozenset({"seq", "type", "year", "month"})
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Names(Strict):
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    en: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class DocumentKind(StrEnum):
    pdf = "pdf"
    jpeg = "jpeg"
    png = "png"


class Requirement(Strict):
    """One document of the checklist (persyaratan)."""

    code: FieldCode
    name: Names
    required: bool = True
    allowed_types: list[DocumentKind] = Field(min_length=1)
    max_bytes: int = Field(ge=1024, le=MAX_DOCUMENT_BYTES)


class FieldType(StrEnum):
    string = "string"
    text = "text"
    integer = "integer"
    decimal = "decimal"
    date = "date"
    boolean = "boolean"
    choice = "choice"


class FormField(Strict):
    code: FieldCode
    label: Names
    type: FieldType
    required: bool = True
    choices: list[str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = Field(default=500, ge=1, le=5000)
    personal: bool = Field(default=False, description="Personal data: pseudonymised on erasure")

    @model_validator(mode="after")
    def _choices(self) -> Self:
        if (self.type == FieldType.choice) != bool(self.choices):
            raise ValueError(f"field {self.code}: choices are required for, and only for, type choice")
        return self


class FeeKind(StrEnum):
    none = "none"
    retribusi = "retribusi"
    pajak = "pajak"
    pnbp = "pnbp"


class FeeMethod(StrEnum):
    none = "none"
    fixed = "fixed"
    rate = "rate"


class FeeRule(Strict):
    """`none`; `fixed` (amount rupiah); or `rate` rupiah × the form quantity `quantity_field` (e.g. m²)."""

    kind: FeeKind = FeeKind.none
    method: FeeMethod = FeeMethod.none
    amount: int | None = Field(default=None, ge=0)
    rate: int | None = Field(default=None, ge=0)
    quantity_field: FieldCode | None = None
    unit: str | None = None
    due_days: int = Field(default=30, ge=1, le=365, description="Calendar days from the SKRD to its due date")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.method == FeeMethod.fixed and self.amount is None:
            raise ValueError("a fixed fee needs an amount")
        if self.method == FeeMethod.rate and (self.rate is None or self.quantity_field is None):
            raise ValueError("a rate fee needs a rate and a quantity_field")
        if (self.method == FeeMethod.none) != (self.kind == FeeKind.none):
            raise ValueError("kind none goes with method none, and only with it")
        return self


class Stage(StrEnum):
    """Stages with a working-day SLA, in workflow order."""

    completeness = "completeness"
    verification = "verification"
    technical_review = "technical_review"
    inspection = "inspection"
    fee_assessment = "fee_assessment"
    approval = "approval"


class Sla(Strict):
    """Working days allowed per stage (PermenPANRB 15/2014 standar pelayanan; PP 28/2025 stage SLAs)."""

    completeness: int = Field(ge=0, le=60)
    verification: int = Field(ge=0, le=60)
    technical_review: int = Field(default=0, ge=0, le=60)
    inspection: int = Field(default=0, ge=0, le=60)
    fee_assessment: int = Field(default=0, ge=0, le=60)
    approval: int = Field(ge=0, le=60)

    def days(self, stage: Stage) -> int:
        return int(getattr(self, stage.value))


class Renewal(Strict):
    allowed: bool = False
    window_days: int = Field(default=0, ge=0, le=365, description="How long before expiry renewal may start")


# officer: the back office's first sign-off (paraf); supervisor: the head of division or agency who signs
ApprovalRole = Literal[Role.officer, Role.verifier, Role.supervisor, Role.admin]


class Processing(StrEnum):
    local = "local"  # our workflow
    tracked = "tracked"  # processed elsewhere (SIMBG, OSS): we keep the external reference and statuses


class ExternalSystem(StrEnum):
    simbg = "SIMBG"
    oss = "OSS"


class BldsClass(Strict):
    """How the type is published as BLDS open data (only building and billboard permits are)."""

    permit_type: str
    permit_type_mapped: str
    permit_class_mapped: Literal["Residential", "Non-Residential"] | None = None
    work_class_mapped: Literal["New", "Existing"] | None = None


class PermitTypeDefinition(Strict):
    name: Names
    legal_basis: Annotated[str, StringConstraints(min_length=3, max_length=500)]
    issuing_opd: OpdCode = "DPMPTSP"
    technical_opd: OpdCode | None = None
    processing: Processing = Processing.local
    external_system: ExternalSystem | None = None
    holder: Literal["person", "organisation", "either"] = "either"
    requirements: list[Requirement] = Field(default_factory=list)
    form: list[FormField] = Field(default_factory=list)
    approval_chain: list[ApprovalRole] = Field(default_factory=list, max_length=5)
    inspection_required: bool = False
    fee: FeeRule = Field(default_factory=FeeRule)
    sla_days: Sla
    fiktif_positif: bool = Field(
        description="Silence past a decision stage's SLA means approval (UU 30/2014 Ps. 53 as amended)"
    )
    validity_months: int | None = Field(default=None, ge=1, le=600, description="null: no expiry")
    renewal: Renewal = Field(default_factory=Renewal)
    number_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9.-]{0,15}$")]
    number_format: Annotated[str, StringConstraints(min_length=5, max_length=120)] = (
        "503/{seq}/{type}/DPMPTSP/{year}"
    )
    open_data: BldsClass | None = Field(
        default=None, description="Published as BLDS open data (never for persons)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _unique([r.code for r in self.requirements], "requirements")
        _unique([f.code for f in self.form], "form")
        self._check_number_format()
        if self.processing == Processing.tracked:
            if self.external_system is None:
                raise ValueError("a tracked type names its external_system")
        elif not self.approval_chain:
            raise ValueError("a local type needs an approval chain of at least one role")
        if self.fee.quantity_field is not None:
            numeric = {f.code for f in self.form if f.type in (FieldType.integer, FieldType.decimal)}
            if self.fee.quantity_field not in numeric:
                raise ValueError(f"fee quantity_field {self.fee.quantity_field} is not a numeric form field")
        if self.open_data is not None and self.holder == "person":
            raise ValueError("permits held by persons are never published as open data")
        if self.renewal.allowed and self.validity_months is None:
            raise ValueError("renewal needs a validity period")
        return self

    def _check_number_format(self) -> None:
        names = {name for _, name, _, _ in string.Formatter().parse(self.number_format) if name is not None}
        if "seq" not in names or not names <= NUMBER_PLACEHOLDERS:
            raise ValueError("number_format needs {seq} and may use only {seq} {type} {year} {month}")

    def requirement(self, code: str) -> Requirement | None:
        return next((r for r in self.requirements if r.code == code), None)

    def format_number(self, seq: int, issued: datetime) -> str:
        return self.number_format.format(
            seq=f"{seq:04d}", type=self.number_code, year=issued.year, month=f"{issued.month:02d}"
        )


def _unique(codes: list[str], where: str) -> None:
    if len(codes) != len(set(codes)):
        raise ValueError(f"{where}: codes must be unique")


class PermitTypeCreate(Strict):
    code: TypeCode
    definition: PermitTypeDefinition
    active: bool = True
    reason: Annotated[str, StringConstraints(min_length=3, max_length=1000)]


class PermitTypeUpdate(Strict):
    """A new version of the definition (sent whole); applications already filed keep theirs."""

    definition: PermitTypeDefinition
    active: bool = True
    reason: Annotated[str, StringConstraints(min_length=3, max_length=1000)]


class PermitType(BaseModel):
    code: str
    version: int = Field(description="The current definition's version number")
    active: bool
    definition: PermitTypeDefinition
    modified_at: datetime | None = None


class PermitTypeList(BaseModel):
    items: list[PermitType]


class PermitTypeVersion(BaseModel):
    """One version of a type's definition: who made it, when and why."""

    code: str
    version: int
    active: bool
    definition: PermitTypeDefinition
    reason: str
    actor_id: UUID | None
    actor_client_id: str | None
    created_at: datetime


class PermitTypeVersionList(BaseModel):
    items: list[PermitTypeVersion]
