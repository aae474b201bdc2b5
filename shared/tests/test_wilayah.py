import re

import pytest

from siantar_shared import wilayah

# kelurahan per kecamatan, domain brief §1.1
EXPECTED_COUNTS = {
    "12.72.01": 7,
    "12.72.02": 8,
    "12.72.03": 7,
    "12.72.04": 6,
    "12.72.05": 7,
    "12.72.06": 7,
    "12.72.07": 5,
    "12.72.08": 6,
}


def test_eight_kecamatan_and_fifty_three_kelurahan() -> None:
    assert len(wilayah.all_kecamatan()) == 8
    assert len(wilayah.all_kelurahan()) == 53


def test_kelurahan_per_kecamatan() -> None:
    counts = {code: 0 for code in EXPECTED_COUNTS}
    for kelurahan in wilayah.all_kelurahan():
        counts[kelurahan.kecamatan_code] += 1
    assert counts == EXPECTED_COUNTS


def test_codes_are_kemendagri() -> None:
    for kecamatan in wilayah.all_kecamatan():
        assert re.fullmatch(r"12\.72\.0[1-8]", kecamatan.code)
        assert kecamatan.nik_prefix == "1272" + kecamatan.code[-2:]
    for kelurahan in wilayah.all_kelurahan():
        assert re.fullmatch(r"12\.72\.0[1-8]\.1[0-9]{3}", kelurahan.code)  # 1xxx: kelurahan, no desa
        assert re.fullmatch(r"21[0-9]{3}", kelurahan.postal_code)


def test_kecamatan_lookup() -> None:
    timur = wilayah.kecamatan("12.72.01")
    assert (timur.name, timur.nik_prefix) == ("Siantar Timur", "127201")
    assert timur.postal_codes == ("21131", "21132", "21133", "21134", "21135", "21136", "21139")
    assert wilayah.kecamatan("12.72.06").postal_codes == ("21137",)


def test_kelurahan_lookup_shows_kemendagri_names() -> None:
    bp_nauli = wilayah.kelurahan("12.72.05.1005")
    assert bp_nauli.name == "Baringin Pancur Nauli"  # BPS spells it "BP NAULI"
    assert (bp_nauli.kecamatan_code, bp_nauli.postal_code) == ("12.72.05", "21129")
    assert wilayah.kelurahan("12.72.07.1004").name == "Bukit Sofa"  # BPS: "BUKIT SHOFA"
    assert all(not k.name.isupper() for k in wilayah.all_kelurahan())


@pytest.mark.parametrize("code", ["12.72.05.1001", "12.72.09", "1273050", "12.72.01.2001", ""])
def test_unknown_codes_raise_key_error(code: str) -> None:
    with pytest.raises(KeyError):
        wilayah.kelurahan(code)
    with pytest.raises(KeyError):
        wilayah.kecamatan(code)


def test_results_are_immutable_and_ordered() -> None:
    codes = [k.code for k in wilayah.all_kelurahan()]
    assert codes == sorted(codes)
    with pytest.raises(AttributeError):
        wilayah.kelurahan("12.72.01.1001").name = "X"  # type: ignore[misc]
