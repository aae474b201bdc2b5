"""The permit PDF: it parses, carries the number, embeds a QR image that decodes (module by module) to the
verification URL, prints non-Latin-1 names, and is byte-for-byte deterministic."""

import hashlib
import re
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from siantar_permits.issuance.pdf import (
    PermitDocument,
    format_date_id,
    printable,
    qr_code,
    render_permit_pdf,
    signature_fingerprint,
)

DOC = PermitDocument(
    number="503/0007/SIP/DPMPTSP/2026",
    type_code="SIP-DOKTER",
    type_name_id="Surat Izin Praktik Dokter",
    type_name_en="Practice licence for physicians",
    holder_name="dr. Budi Santoso",
    fields=(
        ("Tempat praktik / Practice address", "Jl. Sutomo No. 1, Kel. Dwikora, Kec. Siantar Barat"),
        ("Nomor STR / Registration", "1234567890123456"),
    ),
    issuer_name="Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Pematangsiantar",
    legal_basis="Peraturan Wali Kota Pematangsiantar (contoh)",
    issued_at=datetime(2026, 3, 2, 2, 30, tzinfo=UTC),
    valid_from=date(2026, 3, 2),
    valid_until=date(2031, 3, 2),
    verify_url="https://siantar.example/permits/v1/verify/k3J9x2mQ7pLrT5vW8yZaBcDeFgHiJk",
    signature_key_id="0123456789abcdef",
    signature_algorithm="Ed25519",
    signature_b64="q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8BI0VniQ==",
)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_permit_pdf(DOC)


def objects(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """(dictionary, raw stream data) of every stream object, in file order."""
    found = []
    for match in re.finditer(rb"\d+ 0 obj\b", pdf):
        body = pdf[match.end() : pdf.index(b"endobj", match.end())]
        head, keyword, rest = body.partition(b"stream")
        if not keyword:
            continue
        length = int(re.search(rb"/Length (\d+)", head)[1])  # type: ignore[index]
        start = 2 if rest.startswith(b"\r\n") else 1
        found.append((head, rest[start : start + length]))
    return found


def inflated(pdf: bytes) -> list[bytes]:
    return [zlib.decompress(data) if b"/FlateDecode" in head else data for head, data in objects(pdf)]


def png_unfilter(raw: bytes, width: int, height: int) -> list[bytes]:
    """Rows of an 8-bit, one-channel image stored with PNG predictors (PDF /Predictor 15)."""
    rows, previous, position = [], bytes(width), 0
    for _ in range(height):
        kind, line = raw[position], bytearray(raw[position + 1 : position + 1 + width])
        position += 1 + width
        for i in range(width):
            left = line[i - 1] if i else 0
            up, up_left = previous[i], previous[i - 1] if i else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        rows.append(bytes(line))
        previous = bytes(line)
    return rows


def embedded_qr_matrix(pdf: bytes) -> list[list[bool]]:
    """Read the QR image back out of the PDF and sample the centre of every module (True = dark)."""
    images = [(head, data) for head, data in objects(pdf) if b"/Subtype /Image" in head]
    assert len(images) == 1
    head, data = images[0]
    assert b"/ColorSpace /DeviceGray" in head
    width = int(re.search(rb"/Width (\d+)", head)[1])  # type: ignore[index]
    height = int(re.search(rb"/Height (\d+)", head)[1])  # type: ignore[index]
    assert width == height
    rows = png_unfilter(zlib.decompress(data), width, height)
    scale, border = 8, 4
    modules = width // scale - 2 * border
    return [
        [
            rows[(border + r) * scale + scale // 2][(border + c) * scale + scale // 2] < 128
            for c in range(modules)
        ]
        for r in range(modules)
    ]


def test_is_a_pdf_with_the_number(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert DOC.number.encode() in pdf  # in the document title
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4 in points
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1


def test_qr_image_decodes_to_the_verification_url(pdf: bytes) -> None:
    expected = qr_code(DOC.verify_url)
    assert expected.error in ("M", "Q", "H")  # M or better
    assert not expected.is_micro
    matrix = [[bool(module) for module in row] for row in expected.matrix]
    assert embedded_qr_matrix(pdf) == matrix
    # and it is not just any QR code: another URL gives another matrix
    other = qr_code(DOC.verify_url[:-1] + "X")
    assert [[bool(m) for m in row] for row in other.matrix] != matrix


def test_the_qr_code_links_to_the_url(pdf: bytes) -> None:
    assert f"/URI ({DOC.verify_url})".encode() in pdf


def text_of(pdf: bytes) -> str:
    """The Unicode characters the PDF's fonts map to (their ToUnicode CMaps), a proxy for what is printed."""
    chars = []
    for stream in inflated(pdf):
        if b"beginbfchar" in stream or b"beginbfrange" in stream:
            chars += [chr(int(h, 16)) for h in re.findall(rb"<[0-9A-F]{4}> <([0-9A-F]{4,8})>", stream)]
    return "".join(chars)


def test_names_beyond_latin_1_are_printed(pdf: bytes) -> None:
    doc = replace(DOC, holder_name="Şükrü Đặng Muñoz", fields=(*DOC.fields, ("Catatan", "Ñoño – «çà» ✓")))
    out = render_permit_pdf(doc)
    assert out.startswith(b"%PDF-")
    assert b"/FontFile2" in out  # the TrueType font is embedded (subset)
    used = text_of(out)
    for char in "ŞüĐặñÑ–«✓":
        assert char in used, char
    assert "Đ" not in text_of(pdf)  # the plain document does not have them: the check can fail


def test_characters_the_font_lacks_are_replaced_not_crashing() -> None:
    assert printable("王小明 Budi") == "??? Budi"
    assert printable("ﬁle") == "ﬁle" or printable("ﬁle") == "file"
    assert printable("a\x00b\u200bc\nd") == "a b c d"
    out = render_permit_pdf(replace(DOC, holder_name="王小明 (Ong Siauw Beng)", issuer_name="Dinas\u0000X"))
    assert out.startswith(b"%PDF-")


def test_same_input_same_bytes(pdf: bytes) -> None:
    again = render_permit_pdf(DOC)
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(pdf).hexdigest()


def test_creation_date_is_issued_at(pdf: bytes) -> None:
    assert b"/CreationDate (D:20260302023000Z" in pdf or b"/CreationDate (D:20260302023000+00'00'" in pdf


def test_any_change_changes_the_bytes(pdf: bytes) -> None:
    for changed in (
        replace(DOC, number="503/0008/SIP/DPMPTSP/2026"),
        replace(DOC, issued_at=DOC.issued_at + timedelta(seconds=1)),
        replace(DOC, verify_url=DOC.verify_url + "x"),
        replace(DOC, signature_b64=DOC.signature_b64.replace("q", "r", 1)),
    ):
        assert render_permit_pdf(changed) != pdf


def test_same_instant_in_another_time_zone_is_the_same_document(pdf: bytes) -> None:
    wib = DOC.issued_at.astimezone(timezone(timedelta(hours=7)))
    assert (
        hashlib.sha256(render_permit_pdf(replace(DOC, issued_at=wib))).digest()
        == hashlib.sha256(pdf).digest()
    )


def test_open_ended_validity_and_many_fields() -> None:
    fields = tuple((f"Baris {i}", "nilai " * 12) for i in range(60))
    out = render_permit_pdf(replace(DOC, valid_until=None, fields=fields))
    assert len(re.findall(rb"/Type /Page\b", out)) >= 2
    assert len([h for h, _ in objects(out) if b"/Subtype /Image" in h]) == 1


def test_naive_issued_at_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        render_permit_pdf(replace(DOC, issued_at=datetime(2026, 3, 2, 9, 30)))  # noqa: DTZ001


def test_helpers() -> None:
    assert format_date_id(date(2026, 8, 17)) == "17 Agustus 2026"
    fingerprint = signature_fingerprint(DOC.signature_b64)
    assert re.fullmatch(r"[0-9A-F]{4}( [0-9A-F]{4}){3}", fingerprint)
    assert fingerprint.replace(" ", "").lower() == hashlib.sha256(DOC.signature_b64.encode()).hexdigest()[:16]
