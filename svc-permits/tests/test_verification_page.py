"""The public verification page: masking, escaping, banners per status and signature, both languages,
self-contained HTML with a CSP that allows its one inline style."""

import base64
import hashlib
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from siantar_permits.verification.page import (
    CONTENT_SECURITY_POLICY,
    VerificationView,
    mask_name,
    render_verification_html,
)

VIEW = VerificationView(
    number="503/0007/SIP/DPMPTSP/2026",
    type_name_id="Surat Izin Praktik Dokter",
    type_name_en="Practice licence for physicians",
    holder_name_masked=mask_name("Budi Santoso"),
    issuer_name="Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Pematangsiantar",
    valid_from=date(2026, 3, 2),
    valid_until=date(2031, 3, 2),
    status="valid",
    status_text_id="Berlaku",
    status_text_en="In force",
    signature_valid=True,
    issued_at=datetime(2026, 3, 2, 2, 30, tzinfo=UTC),
    verified_at=datetime(2026, 11, 27, 3, 0, tzinfo=UTC),
)


class TestMaskName:
    @pytest.mark.parametrize(
        ("name", "masked"),
        [
            ("Budi Santoso", "B*** S******"),
            ("  Budi   Santoso ", "B*** S******"),
            ("Ñoño Şükrü", "Ñ*** Ş****"),
            ("Đặng Văn Lâm", "Đ*** V** L**"),
            ("Mun\u0303oz", "M****"),  # decomposed ñ is one letter
            ("E\u0301milie", "É*****"),  # the first letter keeps its accent
            ("王小明", "王**"),
            ("A", "A"),
            ("A Budi", "A B***"),
            ("B. J. Habibie", "B* J* H******"),
            ("", ""),
            ("   ", ""),
            ("Budi\u200b\u0000Santoso", "B**********"),
        ],
    )
    def test_masks(self, name: str, masked: str) -> None:
        assert mask_name(name) == masked

    def test_reveals_nothing_but_initials_and_lengths(self) -> None:
        masked = mask_name("Siti Nurhaliza")
        assert "iti" not in masked
        assert "urhaliza" not in masked


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_valid_permit_in_indonesian() -> None:
    html = render_verification_html(VIEW)
    assert html.startswith("<!doctype html>")
    assert '<html lang="id">' in html
    assert 'class="banner ok"' in html
    body = text(html)
    assert "IZIN SAH DAN BERLAKU" in body
    assert "503/0007/SIP/DPMPTSP/2026" in body
    assert "B*** S******" in body
    assert "Budi" not in html
    assert "2 Maret 2026 – 2 Maret 2031" in body.replace("&ndash;", "–")
    assert "2 Maret 2026 09:30 WIB" in body
    assert "Nomor izin" in body
    assert "Practice licence for physicians" in body  # the other language beside the value


def test_english() -> None:
    html = render_verification_html(VIEW, lang="en")
    assert '<html lang="en">' in html
    body = text(html)
    assert "PERMIT VALID" in body
    assert "Permit number" in body
    assert "March 2, 2026 09:30 WIB" in body
    assert render_verification_html(VIEW, lang="fr") == render_verification_html(VIEW, lang="id")


@pytest.mark.parametrize(
    ("status", "signature_valid", "tone", "headline"),
    [
        ("revoked", True, "bad", "IZIN DICABUT"),
        ("expired", True, "bad", "IZIN KEDALUWARSA"),
        ("suspended", True, "warn", "IZIN DIBEKUKAN"),
        ("valid", False, "bad", "TANDA TANGAN TIDAK SAH"),
        ("revoked", False, "bad", "TANDA TANGAN TIDAK SAH"),
    ],
)
def test_banners(status: str, signature_valid: bool, tone: str, headline: str) -> None:
    view = replace(VIEW, status=status, signature_valid=signature_valid)  # type: ignore[arg-type]
    html = render_verification_html(view)
    assert f'class="banner {tone}"' in html
    assert headline in text(html)
    assert "IZIN SAH DAN BERLAKU" not in html
    assert 'class="banner ok"' not in html


def test_values_are_escaped() -> None:
    hostile = replace(
        VIEW,
        number='<script>alert("x")</script>',
        issuer_name="Dinas & <b>Co</b>",
        type_name_en='" onmouseover="alert(1)',
    )
    html = render_verification_html(hostile)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Dinas &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert '" onmouseover="' not in html


def test_self_contained_and_mobile_friendly() -> None:
    html = render_verification_html(VIEW)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert "url(" not in html


def test_csp_allows_exactly_the_inline_style() -> None:
    html = render_verification_html(VIEW)
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style[1].encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


def test_open_ended_validity() -> None:
    body = text(render_verification_html(replace(VIEW, valid_until=None)))
    assert "selama memenuhi ketentuan" in body


def test_view_checks_its_input() -> None:
    with pytest.raises(ValueError, match="status"):
        replace(VIEW, status="active")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="aware"):
        replace(VIEW, verified_at=datetime(2026, 1, 1))  # noqa: DTZ001
