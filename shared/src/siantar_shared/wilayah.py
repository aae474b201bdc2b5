"""Kecamatan and kelurahan of Kota Pematangsiantar, with Kemendagri codes and names.

Read once from `siantar_shared/data/wilayah.csv`, a copy of `../shared/data/pematangsiantar-wilayah.csv`.
Codes and names are Kemendagri's; the file also carries BPS codes and spellings, which are never shown here
(in BPS numbering 1272 is Tanjung Balai, see the domain brief §1.1).
"""

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

KOTA_CODE = "12.72"
KOTA_NAME = "Kota Pematangsiantar"
KOTA_NIK_PREFIX = "1272"


@dataclass(frozen=True, slots=True)
class Kecamatan:
    code: str  # Kemendagri, "12.72.01"
    name: str  # Kemendagri, "Siantar Timur"
    nik_prefix: str  # first 6 NIK digits of residents first registered here, "127201"
    postal_codes: tuple[str, ...]  # sorted, gathered from its kelurahan


@dataclass(frozen=True, slots=True)
class Kelurahan:
    code: str  # Kemendagri, "12.72.01.1001"
    name: str  # Kemendagri, "Kebun Sayur"
    kecamatan_code: str  # "12.72.01"
    postal_code: str  # "21134"


@dataclass(frozen=True, slots=True)
class _Wilayah:
    kecamatan: dict[str, Kecamatan]
    kelurahan: dict[str, Kelurahan]


def _rows() -> list[dict[str, str]]:
    text = files("siantar_shared.data").joinpath("wilayah.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


@cache
def _load() -> _Wilayah:
    rows = _rows()
    kelurahan = {
        row["kode_kemendagri"]: Kelurahan(
            code=row["kode_kemendagri"],
            name=row["nama"],
            kecamatan_code=row["kode_kemendagri"][:8],
            postal_code=row["kode_pos"],
        )
        for row in rows
        if row["level"] == "kelurahan"
    }
    kecamatan = {
        row["kode_kemendagri"]: Kecamatan(
            code=row["kode_kemendagri"],
            name=row["nama"],
            nik_prefix=row["kode_nik_prefix"],
            postal_codes=tuple(
                sorted(
                    {k.postal_code for k in kelurahan.values() if k.kecamatan_code == row["kode_kemendagri"]}
                )
            ),
        )
        for row in rows
        if row["level"] == "kecamatan"
    }
    return _Wilayah(kecamatan=kecamatan, kelurahan=kelurahan)


def kecamatan(code: str) -> Kecamatan:
    """The kecamatan with this Kemendagri code ("12.72.01"); `KeyError` if there is none."""
    try:
        return _load().kecamatan[code]
    except KeyError:
        raise KeyError(f"no kecamatan {code!r} in {KOTA_NAME}") from None


def kelurahan(code: str) -> Kelurahan:
    """The kelurahan with this Kemendagri code ("12.72.01.1001"); `KeyError` if there is none."""
    try:
        return _load().kelurahan[code]
    except KeyError:
        raise KeyError(f"no kelurahan {code!r} in {KOTA_NAME}") from None


def all_kecamatan() -> tuple[Kecamatan, ...]:
    """The 8 kecamatan, in code order."""
    return tuple(sorted(_load().kecamatan.values(), key=lambda k: k.code))


def all_kelurahan() -> tuple[Kelurahan, ...]:
    """The 53 kelurahan, in code order."""
    return tuple(sorted(_load().kelurahan.values(), key=lambda k: k.code))
