from datetime import date
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, TypeAdapter, ValidationError

from siantar_shared.i18n import LocalizedValueError
from siantar_shared.schemas.types import (
    SIANTAR_BBOX,
    GeoPoint,
    KecamatanCode,
    KelurahanCode,
    Nik,
    OpdCode,
    PhoneNumber,
    Rupiah,
    SiantarPoint,
    inside_siantar,
    mask_nik,
    mask_phone,
    parse_nik,
)

TODAY = date(2026, 11, 1)
MEDAN = (3.5952, 98.6722)
SIANTAR_CENTRE = (2.9595, 99.0687)


def only_error(adapter: TypeAdapter[Any], value: object) -> dict[str, Any]:
    """The single pydantic error for `value`, as it reaches the 422 list."""
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    (error,) = caught.value.errors()
    return dict(error)


# --- NIK -------------------------------------------------------------------------------------------------------


def test_parse_nik_reads_the_example() -> None:
    info = parse_nik("1272015708900001", today=TODAY)
    assert (info.kabkota, info.kecamatan, info.sex, info.serial) == ("1272", "127201", "F", "0001")
    assert info.birth_date_guess == date(1990, 8, 17)
    assert info.is_siantar


def test_parse_nik_male_and_resident_from_elsewhere() -> None:
    info = parse_nik("3171011708050002", today=TODAY)  # first registered in Jakarta: still valid
    assert (info.sex, info.birth_date_guess, info.is_siantar) == ("M", date(2005, 8, 17), False)


def test_parse_nik_prefers_2000s_unless_in_the_future() -> None:
    assert parse_nik("1272011501300001", today=TODAY).birth_date_guess == date(1930, 1, 15)
    assert parse_nik("1272011501260001", today=TODAY).birth_date_guess == date(2026, 1, 15)


def test_parse_nik_trims() -> None:
    assert parse_nik("  1272015708900001\n", today=TODAY).serial == "0001"


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("12720157089000011", "exactly 16 digits"),  # 17 digits
        ("127201570890000", "exactly 16 digits"),  # 15 digits
        ("١٢٧٢٠١٥٧٠٨٩٠٠٠٠١", "exactly 16 digits"),  # Arabic-Indic digits: \d would accept them
        ("１２７２０１５７０８９０００１", "exactly 16 digits"),  # fullwidth digits
        ("12720157O8900001", "exactly 16 digits"),  # letter O
        ("9972015708900001", r"digits 1-2 \(99\) are not a province"),
        ("2072015708900001", r"digits 1-2 \(20\) are not a province"),
        ("1200015708900001", "digits 3-4"),
        ("1272005708900001", r"digits 5-6 \(kecamatan\) cannot be 00"),
        ("1272010008900001", "digits 7-8"),
        ("1272013208900001", "digits 7-8"),
        ("1272017208900001", "digits 7-8"),  # 72 - 40 = 32
        ("1272011713900001", "digits 9-10"),
        ("1272011700900001", "digits 9-10"),
        ("1272015708900000", r"digits 13-16 \(serial\) cannot be 0000"),
        ("1272013102900001", "not a real birth date"),  # 31 February
    ],
)
def test_parse_nik_rejects(nik: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_nik(nik, today=TODAY)


def test_parse_nik_rejects_a_future_birth_date() -> None:
    # 29 Feb 2000 is after "today"; 29 Feb 1900 does not exist (1900 is no leap year)
    assert parse_nik("1272012902000001", today=date(2000, 3, 1)).birth_date_guess == date(2000, 2, 29)
    with pytest.raises(ValueError, match="not a real birth date in the past"):
        parse_nik("1272012902000001", today=date(2000, 2, 28))


def test_nik_errors_speak_both_languages() -> None:
    with pytest.raises(LocalizedValueError) as caught:
        parse_nik("1272015708900000")
    assert caught.value.text.id == "Digit 13-16 NIK (nomor urut) tak boleh 0000"


def test_nik_field() -> None:
    adapter = TypeAdapter(Nik)
    assert adapter.validate_python(" 1272015708900001 ") == "1272015708900001"
    error = only_error(adapter, "12720157089000011")
    assert error["type"] == "value_error"
    assert error["msg"] == "Value error, NIK must be exactly 16 digits 0-9"
    assert isinstance(error["ctx"]["error"], LocalizedValueError)
    assert only_error(adapter, 1272015708900001)["type"] == "string_type"  # a number loses leading zeros
    assert adapter.json_schema()["pattern"] == "^[0-9]{16}$"


def test_mask_nik() -> None:
    assert mask_nik("1272015708900001") == "1272********0001"
    assert mask_nik("1234") == "****"


# --- Wilayah codes --------------------------------------------------------------------------------------------


def test_kecamatan_code() -> None:
    adapter = TypeAdapter(KecamatanCode)
    assert adapter.validate_python("12.72.08") == "12.72.08"
    for bad in ("12.72.00", "12.72.09", "12.73.01", "12.72.1", "12.72.01 ", "12.72.0١", "1272a01"):
        assert "12.72.01 to 12.72.08" in only_error(adapter, bad)["msg"]


def test_kelurahan_code() -> None:
    adapter = TypeAdapter(KelurahanCode)
    assert adapter.validate_python("12.72.05.1005") == "12.72.05.1005"
    assert "12.72.01.1001" in only_error(adapter, "12.72.01.100")["msg"]
    assert "12.72.01.1001" in only_error(adapter, "12.72.01.١٠٠١")["msg"]
    # the right shape, but not one of the 53 (Siantar Marihat's codes start at 1002; 2xxx would be a desa)
    error = only_error(adapter, "12.72.05.1001")
    assert error["msg"] == "Value error, No 12.72.05.1001 in Kota Pematangsiantar"
    assert "No 12.72.01.2001" in only_error(adapter, "12.72.01.2001")["msg"]


# --- Points ---------------------------------------------------------------------------------------------------


def test_inside_siantar() -> None:
    assert inside_siantar(*SIANTAR_CENTRE)
    assert not inside_siantar(*MEDAN)
    south, west, north, east = SIANTAR_BBOX
    assert south < SIANTAR_CENTRE[0] < north
    assert west < SIANTAR_CENTRE[1] < east


def test_geo_point_ranges() -> None:
    assert GeoPoint(lat=MEDAN[0], long=MEDAN[1]).lat == MEDAN[0]
    for lat, long in ((91, 0), (-91, 0), (0, 181), (0, -181), (float("nan"), 0), (0, float("inf"))):
        with pytest.raises(ValidationError):
            GeoPoint(lat=lat, long=long)


def test_siantar_point() -> None:
    assert SiantarPoint(lat=SIANTAR_CENTRE[0], long=SIANTAR_CENTRE[1]).long == SIANTAR_CENTRE[1]
    with pytest.raises(ValidationError, match="outside Kota Pematangsiantar"):
        SiantarPoint(lat=MEDAN[0], long=MEDAN[1])


def test_siantar_point_error_sits_on_the_field() -> None:
    class Report(BaseModel):
        location: SiantarPoint

    with pytest.raises(ValidationError) as caught:
        Report.model_validate_json('{"location": {"lat": 3.5952, "long": 98.6722}}')
    (error,) = caught.value.errors()
    assert error["loc"] == ("location",)


# --- Phone numbers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("62 812 3456 7890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("0811 234 567", "+62811234567"),
        ("(0622) 433815", "+62622433815"),  # a Siantar landline
        ("021-2345-6789", "+622123456789"),
    ],
)
def test_phone_normalises_to_e164(raw: str, e164: str) -> None:
    assert TypeAdapter(PhoneNumber).validate_python(raw) == e164


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("+1 555 123 4567", "Only Indonesian numbers"),
        ("+44 20 7946 0958", "Only Indonesian numbers"),
        ("812345678", "Only Indonesian numbers"),
        ("٠٨١٢٣٤٥٦٧٨٩٠", "only digits 0-9"),  # Arabic-Indic digits
        ("0812 3456 7890 x", "only digits 0-9"),
        ("0812+34567890", "only digits 0-9"),
        ("08123", "Not a valid Indonesian number"),
        ("0812345678901234", "Not a valid Indonesian number"),
        ("+62 0812 3456 7890", "Not a valid Indonesian number"),
        ("0112", "Not a valid Indonesian number"),
    ],
)
def test_phone_rejects(raw: str, message: str) -> None:
    assert message in only_error(TypeAdapter(PhoneNumber), raw)["msg"]


def test_mask_phone() -> None:
    assert mask_phone("+6281234567890") == "+62812****7890"


# --- Rupiah and OPD codes -------------------------------------------------------------------------------------


def test_rupiah_accepts_whole_amounts() -> None:
    adapter = TypeAdapter(Rupiah)
    assert [adapter.validate_python(v) for v in (0, 150_000, "2500", 10**15)] == [0, 150_000, 2500, 10**15]
    assert adapter.validate_json("150000") == 150_000


@pytest.mark.parametrize("value", [True, False, 1.5, 100.0, "1e3", "12.5", "١٠٠", None])
def test_rupiah_rejects_non_integers(value: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Rupiah).validate_python(value)


def test_rupiah_bounds_and_json_bool() -> None:
    adapter = TypeAdapter(Rupiah)
    assert only_error(adapter, -1)["type"] == "greater_than_equal"
    assert only_error(adapter, 10**15 + 1)["type"] == "less_than_equal"
    assert "whole number" in only_error(adapter, True)["msg"]
    with pytest.raises(ValidationError, match="whole number"):
        adapter.validate_json("true")


@pytest.mark.parametrize("code", ["DISDUKCAPIL", "BPKPD", "DINAS-PUPR", "SATPOL_PP", "D1", "A" * 32])
def test_opd_code_accepts(code: str) -> None:
    assert TypeAdapter(OpdCode).validate_python(code) == code


@pytest.mark.parametrize("code", ["dinas", "Dinas", "1DINAS", "D", "A" * 33, "DINAS PU", "DİNAS", ""])
def test_opd_code_rejects(code: str) -> None:
    assert "OPD code" in only_error(TypeAdapter(OpdCode), code)["msg"]


# --- As FastAPI parameters ------------------------------------------------------------------------------------


async def test_types_work_as_query_and_path_parameters() -> None:
    app = FastAPI()

    @app.get("/residents/{nik}")
    async def resident(nik: Nik, max_fee: Annotated[Rupiah, Query()] = 0) -> dict[str, object]:
        return {"nik": mask_nik(nik), "max_fee": max_fee}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        ok = await client.get("/residents/1272015708900001", params={"max_fee": "2500"})
        bad = await client.get("/residents/1272015708900000", params={"max_fee": "2.5"})
    assert ok.json() == {"nik": "1272********0001", "max_fee": 2500}
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["detail"]] == [["path", "nik"], ["query", "max_fee"]]
