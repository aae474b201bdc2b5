"""Issued permits as BLDS (Building & Land Development Specification v1.2, permitdata.org) open data.

Only building and billboard permits (PBG, SLF, reklame) are published, never permits held by individuals as
persons (SIP, izin penelitian): choosing the permits is the caller's job; this module shapes them. The record
type has **no field for personal data at all** (no holder name, NIK, phone, e-mail), and free-text values are
scrubbed of anything shaped like a NIK (16 digits) or an Indonesian phone number before they are written.

Columns, in this order (`FIELDS`): the BLDS core fields, then the recommended and optional ones we have.
Empty cells are values we do not have. Dates are YYYY-MM-DD. Siantar's constants: `OriginalCity`
"Pematangsiantar", `OriginalState` "Sumatera Utara", `Jurisdiction` "12.72" (Kemendagri code of the city),
`Publisher` the city government; `TotalSqFt` is computed from the floor area in m² (which is also kept in
`ExtraFields` as `total_area_m2`); `Fee` and `EstProjectCost` are in rupiah (IDR).

`to_csv(records)`: a header row and one row per record, RFC 4180 (CRLF line ends, fields with `,` `"` or line
breaks quoted, `"` doubled), UTF-8 text. A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading apostrophe, so spreadsheets never run it as a formula (numbers and dates are written by
us and left alone).

`to_json(records)` returns this envelope:

    {"specification": "BLDS", "version": "1.2", "publisher": "Pemerintah Kota Pematangsiantar",
     "fields": ["PermitNum", ...],              # the column names, in order
     "count": 2,
     "records": [{"PermitNum": "...", "AppliedDate": "2026-01-05", "Latitude": 2.9595, ...}, ...]}

Every record object has every field; a missing value is null; dates are ISO 8601 strings; numbers are JSON
numbers; `ExtraFields` is an object.
"""

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

SPECIFICATION, VERSION = "BLDS", "1.2"
PUBLISHER = "Pemerintah Kota Pematangsiantar"
CITY, STATE, JURISDICTION = "Pematangsiantar", "Sumatera Utara", "12.72"
SQFT_PER_M2 = Decimal("10.7639104")

STATUS_CURRENT_MAPPED = frozenset(
    {
        "Application Accepted",
        "Fees/Payment",
        "In Review",
        "Permit Issued",
        "Inspection Phase",
        "Permit Finaled",
        "Permit Finaled with Conditions",
        "Occupancy",
        "Appeal",
        "Permit Cancelled",
    }
)
PERMIT_CLASS_MAPPED = frozenset({"Residential", "Non-Residential"})
WORK_CLASS_MAPPED = frozenset({"New", "Existing"})
PERMIT_TYPE_MAPPED = frozenset(
    {"Building", "Demolition", "Electrical", "Mechanical", "Plumbing", "Roof", "Fence", "Grading", "Pool/Spa"}
)

# BLDS column -> BldsRecord attribute (None: computed)
FIELDS: tuple[tuple[str, str | None], ...] = (
    # core
    ("PermitNum", "permit_num"),
    ("Description", "description"),
    ("AppliedDate", "applied_date"),
    ("IssuedDate", "issued_date"),
    ("CompletedDate", "completed_date"),
    ("StatusCurrent", "status_current"),
    ("OriginalAddress1", "original_address1"),
    ("OriginalAddress2", "original_address2"),
    ("OriginalCity", "original_city"),
    ("OriginalState", "original_state"),
    ("OriginalZip", "original_zip"),
    # recommended
    ("Jurisdiction", "jurisdiction"),
    ("PermitClass", "permit_class"),
    ("PermitClassMapped", "permit_class_mapped"),
    ("StatusCurrentMapped", "status_current_mapped"),
    ("WorkClass", "work_class"),
    ("WorkClassMapped", "work_class_mapped"),
    ("PermitType", "permit_type"),
    ("PermitTypeMapped", "permit_type_mapped"),
    ("PermitTypeDesc", "permit_type_desc"),
    ("StatusDate", "status_date"),
    ("TotalSqFt", None),
    ("Link", "link"),
    ("Latitude", "latitude"),
    ("Longitude", "longitude"),
    ("EstProjectCost", "est_project_cost"),
    ("HousingUnits", "housing_units"),
    # optional
    ("ExpiresDate", "expires_date"),
    ("Fee", "fee"),
    ("Publisher", "publisher"),
    ("ExtraFields", None),
)
FIELD_NAMES: tuple[str, ...] = tuple(name for name, _ in FIELDS)

# what could identify a person in free text: a NIK (16 digits) or a phone number (+62 / 62 / 08 ...)
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE = re.compile(r"(?<![\d+])(?:\+62[\s.-]?|62|0)8[\d\s.-]{7,14}\d")
REDACTED = "[disunting]"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def scrub(text: str) -> str:
    """Free text without NIK- or phone-shaped sequences."""
    return _PHONE.sub(REDACTED, _NIK.sub(REDACTED, text))


@dataclass(frozen=True, kw_only=True)
class BldsRecord:
    permit_num: str
    description: str
    original_address1: str
    applied_date: date | None = None
    issued_date: date | None = None
    completed_date: date | None = None
    status_current: str | None = None
    status_current_mapped: str | None = None
    original_address2: str | None = None
    original_city: str = CITY
    original_state: str = STATE
    original_zip: str | None = None  # kode pos, 5 digits
    jurisdiction: str = JURISDICTION
    permit_class: str | None = None
    permit_class_mapped: str | None = None
    work_class: str | None = None
    work_class_mapped: str | None = None
    permit_type: str | None = None
    permit_type_mapped: str | None = None
    permit_type_desc: str | None = None
    status_date: date | None = None
    total_area_m2: Decimal | None = None
    link: str | None = None  # the public verification page
    latitude: float | None = None
    longitude: float | None = None
    est_project_cost: Decimal | None = None  # IDR
    housing_units: int | None = None
    expires_date: date | None = None
    fee: Decimal | None = None  # IDR
    publisher: str = PUBLISHER
    extra_fields: Mapping[str, str] = field(default_factory=dict)  # e.g. {"kode_kelurahan": "12.72.01.1001"}

    def __post_init__(self) -> None:
        problems = []
        if not self.permit_num.strip():
            problems.append("PermitNum is required")
        if not self.original_address1.strip():
            problems.append("OriginalAddress1 is required")
        if self.applied_date is None and self.issued_date is None:
            problems.append("AppliedDate or IssuedDate is required")
        if self.completed_date is None and not self.status_current:
            problems.append("CompletedDate or StatusCurrent is required")
        for value, allowed, name in (
            (self.status_current_mapped, STATUS_CURRENT_MAPPED, "StatusCurrentMapped"),
            (self.permit_class_mapped, PERMIT_CLASS_MAPPED, "PermitClassMapped"),
            (self.work_class_mapped, WORK_CLASS_MAPPED, "WorkClassMapped"),
            (self.permit_type_mapped, PERMIT_TYPE_MAPPED, "PermitTypeMapped"),
        ):
            if value is not None and value not in allowed:
                problems.append(f"{name} {value!r} is not one of BLDS's values")
        if self.original_zip is not None and not re.fullmatch(r"[0-9]{5}", self.original_zip):
            problems.append("OriginalZip must be a 5-digit kode pos")
        if (self.latitude is None) != (self.longitude is None):
            problems.append("Latitude and Longitude come together")
        if self.latitude is not None and not (math.isfinite(self.latitude) and -90 <= self.latitude <= 90):
            problems.append("Latitude must be within -90..90")
        if self.longitude is not None and not (
            math.isfinite(self.longitude) and -180 <= self.longitude <= 180
        ):
            problems.append("Longitude must be within -180..180")
        for name in ("total_area_m2", "est_project_cost", "fee"):
            number = getattr(self, name)
            if number is not None and (not number.is_finite() or number < 0):
                problems.append(f"{name} must be a finite number of at least 0")
        if self.housing_units is not None and self.housing_units < 0:
            problems.append("HousingUnits must be at least 0")
        if problems:
            raise ValueError("; ".join(problems))

    def values(self) -> dict[str, object]:
        """BLDS column -> typed value (str, date, Decimal, float, int, dict or None), text scrubbed."""
        out: dict[str, object] = {}
        for name, attribute in FIELDS:
            if attribute is not None:
                value = getattr(self, attribute)
                out[name] = scrub(value) if isinstance(value, str) else value
        out["TotalSqFt"] = (
            (self.total_area_m2 * SQFT_PER_M2).quantize(Decimal("0.01"))
            if self.total_area_m2 is not None
            else None
        )
        extra = {scrub(key): scrub(value) for key, value in self.extra_fields.items()}
        if self.total_area_m2 is not None:
            extra["total_area_m2"] = str(self.total_area_m2)
        out["ExtraFields"] = dict(sorted(extra.items())) or None
        return {name: out[name] for name in FIELD_NAMES}


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if isinstance(value, (Decimal, int, float)):
        return _number_text(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _number_text(value: Decimal | float) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return repr(value) if isinstance(value, float) else str(value)


def to_csv(records: Iterable[BldsRecord]) -> str:
    """BLDS CSV text (see the module docstring); encode it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(FIELD_NAMES)
    for record in records:
        writer.writerow([_csv_cell(value) for value in record.values().values()])
    return buffer.getvalue()


def _json_value(value: object) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_json(records: Iterable[BldsRecord]) -> dict[str, Any]:
    """The BLDS JSON envelope (see the module docstring)."""
    rows = [{name: _json_value(value) for name, value in record.values().items()} for record in records]
    return {
        "specification": SPECIFICATION,
        "version": VERSION,
        "publisher": PUBLISHER,
        "fields": list(FIELD_NAMES),
        "count": len(rows),
        "records": rows,
    }
