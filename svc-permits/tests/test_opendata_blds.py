"""BLDS open data: field order, RFC 4180 CSV, formula neutralisation, the JSON envelope, no personal data."""

import csv
import dataclasses
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from siantar_permits.opendata.blds import FIELD_NAMES, BldsRecord, scrub, to_csv, to_json

PBG = BldsRecord(
    permit_num="503/0012/PBG/DPMPTSP/2026",
    description="Bangunan rumah tinggal 2 lantai",
    applied_date=date(2026, 1, 5),
    issued_date=date(2026, 2, 10),
    status_current="Terbit",
    status_current_mapped="Permit Issued",
    original_address1="Jl. Sutomo No. 12",
    original_zip="21111",
    permit_class="Hunian",
    permit_class_mapped="Residential",
    work_class="Baru",
    work_class_mapped="New",
    permit_type="PBG",
    permit_type_mapped="Building",
    permit_type_desc="Persetujuan Bangunan Gedung",
    status_date=date(2026, 2, 10),
    total_area_m2=Decimal("120.5"),
    link="https://siantar.example/permits/v1/verify/abc",
    latitude=2.9595,
    longitude=99.0687,
    fee=Decimal(1500000),
    extra_fields={"kode_kelurahan": "12.72.01.1001"},
)
REKLAME = BldsRecord(
    permit_num="503/0003/REKLAME/DPMPTSP/2026",
    description='=HYPERLINK("http://evil.example","klik"), "papan" 3x4 m',
    issued_date=date(2026, 3, 1),
    status_current="Terbit",
    original_address1="+Jl. Merdeka, Blok A\nNo. 3",
    permit_type="Reklame",
    expires_date=date(2027, 3, 1),
)


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_columns_are_the_blds_fields_in_order() -> None:
    core = [
        "PermitNum", "Description", "AppliedDate", "IssuedDate", "CompletedDate", "StatusCurrent",
        "OriginalAddress1", "OriginalAddress2", "OriginalCity", "OriginalState", "OriginalZip",
    ]  # fmt: skip
    assert list(FIELD_NAMES[: len(core)]) == core
    for name in ("PermitClass", "PermitClassMapped", "StatusCurrentMapped", "PermitType", "PermitTypeMapped",
                 "Latitude", "Longitude", "Jurisdiction", "TotalSqFt", "Link", "Fee", "ExtraFields"):  # fmt: skip
        assert name in FIELD_NAMES
    assert parse(to_csv([]))[0] == list(FIELD_NAMES)


def test_no_personal_data_field_exists() -> None:
    attributes = {f.name for f in dataclasses.fields(BldsRecord)}
    for word in ("holder", "applicant", "owner", "name", "nik", "phone", "email", "contractor"):
        assert not any(word in attribute for attribute in attributes), word


def test_csv_is_rfc_4180_and_round_trips() -> None:
    text = to_csv([PBG, REKLAME])
    assert text.count("\r\n") == 3  # header and two rows; the address's own line break stays inside quotes
    assert '"+Jl. Merdeka, Blok A\nNo. 3"' not in text  # (neutralised, see below) but quoted:
    assert '"\'+Jl. Merdeka, Blok A\nNo. 3"' in text
    rows = parse(text)
    assert len(rows) == 3
    header, pbg, reklame = rows
    row = dict(zip(header, pbg, strict=True))
    assert row["PermitNum"] == "503/0012/PBG/DPMPTSP/2026"
    assert row["AppliedDate"] == "2026-01-05"
    assert row["CompletedDate"] == ""
    assert row["OriginalCity"] == "Pematangsiantar"
    assert row["OriginalState"] == "Sumatera Utara"
    assert row["Jurisdiction"] == "12.72"
    assert row["Latitude"] == "2.9595"
    assert row["Longitude"] == "99.0687"
    assert row["TotalSqFt"] == "1297.05"  # 120.5 m²
    assert row["Fee"] == "1500000"
    assert json.loads(row["ExtraFields"]) == {"kode_kelurahan": "12.72.01.1001", "total_area_m2": "120.5"}
    assert row["StatusCurrentMapped"] == "Permit Issued"
    other = dict(zip(header, reklame, strict=True))
    assert other["Latitude"] == other["Longitude"] == other["AppliedDate"] == ""
    assert other["ExpiresDate"] == "2027-03-01"


def test_formula_injection_is_neutralised() -> None:
    row = dict(zip(FIELD_NAMES, parse(to_csv([REKLAME]))[1], strict=True))
    assert row["Description"] == "'" + REKLAME.description  # quotes kept intact by RFC 4180 quoting
    assert row["OriginalAddress1"] == "'+Jl. Merdeka, Blok A\nNo. 3"
    for start in ("=", "+", "-", "@", "\t", "\r"):
        record = dataclasses.replace(REKLAME, description=start + "1+1")
        assert (
            dict(zip(FIELD_NAMES, parse(to_csv([record]))[1], strict=True))["Description"]
            == "'" + start + "1+1"
        )
    safe = dataclasses.replace(REKLAME, description="Papan 3x4 = 12 m2")
    assert dict(zip(FIELD_NAMES, parse(to_csv([safe]))[1], strict=True))["Description"] == "Papan 3x4 = 12 m2"


def test_negative_numbers_are_numbers_not_formulas() -> None:
    south = dataclasses.replace(PBG, latitude=-6.2, longitude=106.8)
    assert dict(zip(FIELD_NAMES, parse(to_csv([south]))[1], strict=True))["Latitude"] == "-6.2"


def test_nik_and_phone_numbers_in_free_text_are_redacted() -> None:
    leaky = dataclasses.replace(
        PBG, description="Pemohon 1272011203850001, hp 0812-3456-7890 / +62 813 1111 2222, luas 120 m2"
    )
    text = to_csv([leaky]) + json.dumps(to_json([leaky]))
    for secret in ("1272011203850001", "0812-3456-7890", "813 1111 2222"):
        assert secret not in text
    assert "luas 120 m2" in text
    assert scrub("Kelurahan 12.72.01.1001, 21111") == "Kelurahan 12.72.01.1001, 21111"


def test_json_envelope() -> None:
    body = to_json([PBG, REKLAME])
    assert body["specification"] == "BLDS"
    assert body["version"] == "1.2"
    assert body["fields"] == list(FIELD_NAMES)
    assert body["count"] == 2
    first, second = body["records"]
    assert list(first) == list(FIELD_NAMES)
    assert first["IssuedDate"] == "2026-02-10"
    assert first["Latitude"] == 2.9595
    assert first["Fee"] == 1500000
    assert first["TotalSqFt"] == 1297.05
    assert first["ExtraFields"]["kode_kelurahan"] == "12.72.01.1001"
    assert second["Latitude"] is None
    assert second["ExtraFields"] is None
    assert second["Description"] == REKLAME.description  # JSON needs no formula guard
    json.dumps(body)  # serialisable as it is


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"applied_date": None, "issued_date": None}, "AppliedDate or IssuedDate"),
        ({"status_current": None}, "CompletedDate or StatusCurrent"),
        ({"status_current_mapped": "Issued"}, "StatusCurrentMapped"),
        ({"permit_class_mapped": "Commercial"}, "PermitClassMapped"),
        ({"permit_type_mapped": "Billboard"}, "PermitTypeMapped"),
        ({"original_zip": "2111"}, "OriginalZip"),
        ({"latitude": None}, "come together"),
        ({"latitude": 91.0}, "Latitude"),
        ({"longitude": float("nan")}, "Longitude"),
        ({"fee": Decimal(-1)}, "fee"),
        ({"permit_num": " "}, "PermitNum"),
    ],
)
def test_invalid_records_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(PBG, **change)  # type: ignore[arg-type]


def test_completed_date_alone_satisfies_the_status_rule() -> None:
    record = dataclasses.replace(PBG, status_current=None, completed_date=date(2026, 6, 1))
    assert dict(zip(FIELD_NAMES, parse(to_csv([record]))[1], strict=True))["CompletedDate"] == "2026-06-01"
