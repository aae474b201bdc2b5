"""Field types shared by every service's request and response models.

Each is an `Annotated` type: use it as a field type, a query or path parameter. Failures raise
`LocalizedValueError`, so the 422 problem lists one message per field in Indonesian or English.
Rules: NIK per the domain brief §4.1-4.2, wilayah codes per §1.1 and `siantar_shared.wilayah`.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    Strict,
    WithJsonSchema,
    model_validator,
)

# relative on purpose: isort sorts these the same whether or not schemas/ has an __init__.py yet
from .. import wilayah
from ..calendar import WIB
from ..i18n import LocalizedValueError, Text

# --- NIK ----------------------------------------------------------------------------------------------------

# Kemendagri province codes, the first two NIK digits (brief §4.1), as inclusive ranges
_PROVINCES = ((11, 19), (21, 21), (31, 36), (51, 53), (61, 65), (71, 76), (81, 82), (91, 96))
PROVINCE_CODES = frozenset(str(code) for low, high in _PROVINCES for code in range(low, high + 1))
_NIK = re.compile(r"[0-9]{16}")  # never \d: it also matches non-ASCII digits
_NIK_SHAPE = Text("NIK harus tepat 16 angka 0-9", "NIK must be exactly 16 digits 0-9")
_NIK_PROVINCE = Text(
    "Digit 1-2 NIK ({prov}) bukan kode provinsi", "NIK digits 1-2 ({prov}) are not a province code"
)
_NIK_KAB = Text("Digit 3-4 NIK (kab/kota) tidak boleh 00", "NIK digits 3-4 (kabupaten/kota) cannot be 00")
_NIK_KEC = Text("Digit 5-6 NIK (kecamatan) tidak boleh 00", "NIK digits 5-6 (kecamatan) cannot be 00")
_NIK_DAY = Text(
    "Digit 7-8 NIK (tanggal lahir, +40 untuk perempuan) harus 01-31 atau 41-71",
    "NIK digits 7-8 (birth day, +40 for women) must be 01-31 or 41-71",
)
_NIK_MONTH = Text("Digit 9-10 NIK (bulan lahir) harus 01-12", "NIK digits 9-10 (birth month) must be 01-12")
_NIK_SERIAL = Text("Digit 13-16 NIK (nomor urut) tak boleh 0000", "NIK digits 13-16 (serial) cannot be 0000")
_NIK_DATE = Text(
    "Digit 7-12 NIK bukan tanggal lahir yang nyata di masa lalu",
    "NIK digits 7-12 are not a real birth date in the past",
)

Sex = Literal["M", "F"]


@dataclass(frozen=True, slots=True)
class NikInfo:
    """What a NIK's digits say. Hints only: Dukcapil verification is the truth (brief §4.1)."""

    kabkota: str  # prov + kab at first registration, "1272"
    kecamatan: str  # prov + kab + kec, "127201"
    sex: Sex
    birth_date_guess: date  # the most recent real past date the digits allow
    serial: str  # "0001"
    is_siantar: bool  # first registered in Kota Pematangsiantar (Kemendagri 12.72)


def parse_nik(value: str, *, today: date | None = None) -> NikInfo:
    """Check a NIK's structure (brief §4.2) and read it; a `LocalizedValueError` says what is wrong.

    Residents first registered elsewhere are valid; unknown non-zero region codes are not errors.
    `today` (default: today in WIB) bounds the birth date.
    """
    nik = value.strip()
    if not _NIK.fullmatch(nik):
        raise LocalizedValueError(_NIK_SHAPE)
    prov, kab, kec, serial = nik[:2], nik[2:4], nik[4:6], nik[12:]
    if prov not in PROVINCE_CODES:
        raise LocalizedValueError(_NIK_PROVINCE.format(prov=prov))
    if "00" in (kab, kec):
        raise LocalizedValueError(_NIK_KAB if kab == "00" else _NIK_KEC)
    sex: Sex = "F" if int(nik[6:8]) > 40 else "M"
    day, month = int(nik[6:8]) - (40 if sex == "F" else 0), int(nik[8:10])
    if not 1 <= day <= 31:
        raise LocalizedValueError(_NIK_DAY)
    if not 1 <= month <= 12:
        raise LocalizedValueError(_NIK_MONTH)
    if serial == "0000":
        raise LocalizedValueError(_NIK_SERIAL)
    born = _birth_date(day, month, int(nik[10:12]), today or datetime.now(WIB).date())
    return NikInfo(prov + kab, prov + kab + kec, sex, born, serial, is_siantar=nik.startswith("1272"))


def _birth_date(day: int, month: int, yy: int, today: date) -> date:
    """The first of 20yy, 19yy that makes a real date not after `today` (brief §4.2 step 8)."""
    for year in (2000 + yy, 1900 + yy):
        try:
            born = date(year, month, day)
        except ValueError:
            continue
        if born <= today:
            return born
    raise LocalizedValueError(_NIK_DATE)


def _valid_nik(value: str) -> str:
    parse_nik(value)
    return value.strip()


def mask_nik(nik: str) -> str:
    """`1272********0001`: the first and last four characters (all masked when too short to hide anything)."""
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:] if len(nik) > 8 else "*" * len(nik)


Nik = Annotated[
    str,
    AfterValidator(_valid_nik),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{16}$", "examples": ["1272015708900001"]}),
]

# --- Wilayah codes (Kemendagri) -----------------------------------------------------------------------------

_KECAMATAN = re.compile(r"12\.72\.0[1-8]")
_KELURAHAN = re.compile(r"12\.72\.0[1-8]\.[12][0-9]{3}")
_KECAMATAN_SHAPE = Text(
    "Kode kecamatan harus 12.72.01 sampai 12.72.08", "A kecamatan code is 12.72.01 to 12.72.08"
)
_KELURAHAN_SHAPE = Text(
    "Kode kelurahan harus berbentuk 12.72.01.1001", "A kelurahan code looks like 12.72.01.1001"
)
_NOT_IN_SIANTAR = Text("Kode {code} tidak ada di Kota Pematangsiantar", "No {code} in Kota Pematangsiantar")


def _wilayah_code(pattern: re.Pattern[str], lookup: Callable[[str], object], shape: Text) -> AfterValidator:
    def check(code: str) -> str:
        if not pattern.fullmatch(code):
            raise LocalizedValueError(shape)
        try:
            lookup(code)
        except KeyError:
            raise LocalizedValueError(_NOT_IN_SIANTAR.format(code=code)) from None
        return code

    return AfterValidator(check)


KecamatanCode = Annotated[
    str,
    _wilayah_code(_KECAMATAN, wilayah.kecamatan, _KECAMATAN_SHAPE),
    WithJsonSchema({"type": "string", "pattern": r"^12\.72\.0[1-8]$", "examples": ["12.72.01"]}),
]
KelurahanCode = Annotated[
    str,
    _wilayah_code(_KELURAHAN, wilayah.kelurahan, _KELURAHAN_SHAPE),
    WithJsonSchema(
        {"type": "string", "pattern": r"^12\.72\.0[1-8]\.[12][0-9]{3}$", "examples": ["12.72.01.1001"]}
    ),
]

# --- Points -------------------------------------------------------------------------------------------------


# Kota Pematangsiantar, WGS84. Not taken from the OpenStreetMap boundary (it could not be looked up here).
# Two Indonesian secondary sources quote the city's extents: 2°53'20" N, 99°01'00"-99°06'35" E (a "Kondisi
# Geografis" chapter, id.scribd.com/document/373059998) and 2°54'40"-3°01'09" N, 99°01'10"-99°06'23" E (a USU
# thesis chapter, text-id.123dok.com); together about 2.889-3.019 N, 99.017-99.110 E, around the centre
# 2.96 N, 99.06 E (~80 km²). The box adds 1-2 km on each side. It is a plausibility check, not a boundary:
# the city is an enclave of Kab. Simalungun, so the box also admits its outskirts. Replace it with the bbox
# of the OSM relation once checked.
SIANTAR_BBOX = (2.87, 99.00, 3.03, 99.13)  # (south, west, north, east) in decimal degrees
_OUTSIDE = Text("Titik ini berada di luar Kota Pematangsiantar", "The point is outside Kota Pematangsiantar")


def inside_siantar(lat: float, long: float) -> bool:
    """Whether a WGS84 point lies in the bounding box of Kota Pematangsiantar (`SIANTAR_BBOX`)."""
    south, west, north, east = SIANTAR_BBOX
    return south <= lat <= north and west <= long <= east


class GeoPoint(BaseModel):
    """A WGS84 point, named as in Open311: `lat` and `long` in decimal degrees."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, examples=[2.9595])
    long: float = Field(ge=-180, le=180, allow_inf_nan=False, examples=[99.0687])


class SiantarPoint(GeoPoint):
    """A WGS84 point inside Kota Pematangsiantar (its bounding box, `SIANTAR_BBOX`)."""

    @model_validator(mode="after")
    def _inside_siantar(self) -> "SiantarPoint":
        if not inside_siantar(self.lat, self.long):
            raise LocalizedValueError(_OUTSIDE)
        return self


# --- Phone numbers ------------------------------------------------------------------------------------------

_PHONE_CHARS = re.compile(r"\+?[0-9 ()-]+")
# national significant number after 62: mobile 8xx (9-12 digits), landline area code 2-7 or 9 (8-11 digits)
_NSN = re.compile(r"8[0-9]{8,11}|[2-79][0-9]{7,10}")
_PHONE_CHARS_ERROR = Text(
    "Nomor telepon hanya boleh berisi angka 0-9, spasi, tanda hubung, tanda kurung dan + di depan",
    "A phone number may contain only digits 0-9, spaces, dashes, parentheses and a leading +",
)
_PHONE_COUNTRY = Text(
    "Hanya nomor Indonesia yang diterima: awali dengan 0, 62 atau +62",
    "Only Indonesian numbers are accepted: start with 0, 62 or +62",
)
_PHONE_LENGTH = Text(
    "Bukan nomor Indonesia yang sah: setelah 0 atau +62, nomor seluler 9-12 angka diawali 8, "
    "telepon tetap 8-11 angka diawali kode wilayah",
    "Not a valid Indonesian number: after 0 or +62, a mobile number has 9-12 digits starting with 8, "
    "a landline 8-11 digits starting with its area code",
)


def normalise_phone(value: str) -> str:
    """`0812-3456-7890`, `62812 3456 7890`, `+6281234567890` -> E.164 `+6281234567890`, else `ValueError`."""
    raw = value.strip()
    if not _PHONE_CHARS.fullmatch(raw):
        raise LocalizedValueError(_PHONE_CHARS_ERROR)
    digits = re.sub(r"[ ()-]", "", raw)
    national = next(
        (digits[len(prefix) :] for prefix in ("+62", "62", "0") if digits.startswith(prefix)), None
    )
    if national is None:
        raise LocalizedValueError(_PHONE_COUNTRY)
    if not _NSN.fullmatch(national):
        raise LocalizedValueError(_PHONE_LENGTH)
    return "+62" + national


def mask_phone(phone: str) -> str:
    """`+62812****7890`: the first six and last four characters of an E.164 number."""
    return phone[:6] + "*" * (len(phone) - 10) + phone[-4:] if len(phone) > 10 else "*" * len(phone)


PhoneNumber = Annotated[
    str,
    AfterValidator(normalise_phone),
    WithJsonSchema(
        {"type": "string", "description": "Indonesian, stored as E.164", "examples": ["+6281234567890"]}
    ),
]

# --- Money and codes ----------------------------------------------------------------------------------------

# 10^15 rupiah: far above any city amount, inside PostgreSQL BIGINT and JavaScript's exact integers (2^53)
RUPIAH_MAX = 10**15
_NOT_WHOLE = Text("Nominal rupiah harus bilangan bulat", "A rupiah amount must be a whole number")


def _whole_rupiah(value: object) -> object:
    if isinstance(value, bool | float):
        raise LocalizedValueError(_NOT_WHOLE)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,16}", value):
        return int(value)  # query and path parameters arrive as text
    return value


# No floats, no booleans, no negative amounts; whole rupiah only.
Rupiah = Annotated[int, Strict(), Ge(0), Le(RUPIAH_MAX), BeforeValidator(_whole_rupiah)]

_OPD = re.compile(r"[A-Z][A-Z0-9_-]{1,31}")
_OPD_SHAPE = Text(
    "Kode OPD harus 2-32 karakter: huruf besar A-Z, lalu A-Z, 0-9, _ atau -",
    "An OPD code must be 2-32 characters: an uppercase letter A-Z, then A-Z, 0-9, _ or -",
)


def _opd_shape(code: str) -> str:
    if not _OPD.fullmatch(code):
        raise LocalizedValueError(_OPD_SHAPE)
    return code


# The OPD master list belongs to svc-identity; only the shape is checked here.
OpdCode = Annotated[
    str,
    AfterValidator(_opd_shape),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z][A-Z0-9_-]{1,31}$", "examples": ["DISDUKCAPIL"]}),
]
