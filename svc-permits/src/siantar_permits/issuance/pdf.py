"""The PDF of an issued permit: A4, the city's header, title, number, a table of the permit's fields,
validity, a QR code of the public verification URL (printed under it too) and the signature block.

`render_permit_pdf(doc)` is CPU-bound (tens of milliseconds): run it off the event loop with
`siantar_shared.threads.run_cpu_bound(render_permit_pdf, doc)`. The output is deterministic: the same
`PermitDocument` gives the same bytes (the PDF's creation date is `issued_at`, the file id is derived from the
content), so the stored SHA-256 can be recomputed.

Text is set in DejaVu Sans, embedded (subset) from `fonts/` with its licence (Bitstream Vera licence, DejaVu
changes public domain), so names such as "Muñoz", "Ñoman", "Şükrü" or "Đặng" print as written. A character the
font lacks (e.g. CJK ideographs) is replaced by its compatibility decomposition's base letters when it has one,
else by "?"; nothing crashes and nothing is silently dropped.
"""

import hashlib
import io
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image

FONT_DIR = Path(__file__).parent / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FAMILY = "DejaVu"
CITY_HEADER = "PEMERINTAH KOTA PEMATANGSIANTAR"
WIB = timezone(timedelta(hours=7), "WIB")  # Asia/Jakarta has no daylight saving time
QR_ERROR = "m"  # error correction M at least (segno raises it when that costs no extra size)
QR_SIZE_MM = 38.0
MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


@dataclass(frozen=True)
class PermitDocument:
    number: str
    type_code: str
    type_name_id: str
    type_name_en: str
    holder_name: str
    fields: tuple[tuple[str, str], ...]  # (label, value) rows of the table, in order
    issuer_name: str
    legal_basis: str
    issued_at: datetime  # aware
    valid_from: date
    valid_until: date | None  # None: valid as long as the holder meets the conditions
    verify_url: str
    signature_key_id: str
    signature_algorithm: str
    signature_b64: str


def signature_fingerprint(signature_b64: str) -> str:
    """A short fingerprint to read aloud or compare: the first 16 hex digits of SHA-256 of the base64 text,
    in groups of four."""
    digest = hashlib.sha256(signature_b64.encode("ascii", "replace")).hexdigest()[:16].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def format_date_id(value: date) -> str:
    return f"{value.day} {MONTHS_ID[value.month - 1]} {value.year}"


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR, micro=False)


def qr_image(url: str, *, scale: int = 8) -> Image.Image:
    """The QR code of `url` as an 8-bit grey image: `scale` pixels per module, the 4-module quiet zone."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=scale, border=4, dark="black", light="white")
    buffer.seek(0)
    with Image.open(buffer) as image:
        return image.convert("L")


@lru_cache(maxsize=1)
def _font_codepoints() -> frozenset[int]:
    """Characters both embedded fonts can draw (their cmaps, as fpdf2 reads them)."""
    probe = FPDF()
    probe.add_font(FAMILY, "", str(FONT_REGULAR))
    probe.add_font(FAMILY, "B", str(FONT_BOLD))
    regular, bold = (frozenset(getattr(probe.fonts[key], "cmap", {})) for key in ("dejavu", "dejavuB"))
    return regular & bold


def printable(text: str) -> str:
    """`text` in NFC with what the font cannot draw replaced (see the module docstring); control characters
    become spaces."""
    covered = _font_codepoints()
    out = []
    for char in unicodedata.normalize("NFC", text):
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(" ")
        elif ord(char) in covered:
            out.append(char)
        else:
            base = "".join(
                c
                for c in unicodedata.normalize("NFKD", char)
                if ord(c) in covered and not unicodedata.combining(c)
            )
            out.append(base or "?")
    return "".join(out)


class _PermitPDF(FPDF):
    def __init__(self, doc: PermitDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        self.add_font(FAMILY, "", str(FONT_REGULAR))
        self.add_font(FAMILY, "B", str(FONT_BOLD))
        self.set_margins(20, 15, 20)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_creation_date(doc.issued_at.astimezone(UTC))  # the same instant, the same bytes
        self.set_title(printable(f"{doc.type_name_id} {doc.number}"))
        self.set_author(printable(doc.issuer_name))
        self.set_subject(printable(doc.type_name_en))
        self.set_creator("Siantar svc-permits")
        self.set_lang("id")
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(90)
        self.cell(
            0,
            4,
            printable(f"{self.doc.number}  ·  halaman / page {self.page_no()}/{{nb}}"),
            align="C",
        )
        self.set_text_color(0)

    def line_text(
        self, text: str, size: float, *, bold: bool = False, align: str = "L", h: float = 0
    ) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, h or size * 0.5, printable(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_permit_pdf(doc: PermitDocument) -> bytes:
    """The permit as PDF bytes (see the module docstring)."""
    if doc.issued_at.tzinfo is None:
        raise ValueError("issued_at must be an aware datetime")
    pdf = _PermitPDF(doc)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # header: the city and the issuing office, then a double rule
    pdf.line_text(CITY_HEADER, 14, bold=True, align="C", h=7)
    pdf.line_text(doc.issuer_name, 10.5, bold=True, align="C", h=5.5)
    y = pdf.get_y() + 2
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y + 1.2, pdf.l_margin + width, y + 1.2)
    pdf.set_y(y + 6)

    # title and number
    pdf.line_text(doc.type_name_id.upper(), 13, bold=True, align="C", h=6.5)
    pdf.set_text_color(70)
    pdf.line_text(doc.type_name_en, 9.5, align="C", h=5)
    pdf.set_text_color(0)
    pdf.line_text(f"Nomor / Number: {doc.number}", 10.5, bold=True, align="C", h=6)
    pdf.ln(3)
    pdf.line_text(f"Dasar hukum / Legal basis: {doc.legal_basis}", 8.5, h=4.5)
    pdf.ln(2)
    pdf.line_text("Diberikan kepada / Issued to:", 9, h=5)
    pdf.line_text(doc.holder_name, 12, bold=True, h=6.5)
    pdf.ln(2)

    # the permit's fields
    pdf.set_font(FAMILY, "", 9)
    with pdf.table(
        col_widths=(0.35, 0.65),
        width=width,
        first_row_as_headings=False,
        line_height=5,
        padding=1.5,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        rows = (
            ("Jenis izin / Permit type", f"{doc.type_name_id} ({doc.type_code})"),
            *doc.fields,
        )
        for label, value in rows:
            row = table.row()
            row.cell(printable(label))
            row.cell(printable(value))
    pdf.ln(3)

    # validity and date of issue
    until = (
        format_date_id(doc.valid_until)
        if doc.valid_until
        else "selama memenuhi ketentuan / while the conditions are met"
    )
    pdf.line_text(
        f"Berlaku / Valid: {format_date_id(doc.valid_from)} s.d. / until {until}", 10, bold=True, h=5.5
    )
    issued = doc.issued_at.astimezone(WIB)
    pdf.line_text(
        f"Ditetapkan di Pematangsiantar, {format_date_id(issued.date())} pukul {issued:%H.%M} WIB "
        f"/ Issued at Pematangsiantar on {issued:%Y-%m-%d %H:%M} WIB (UTC+7)",
        8.5,
        h=4.5,
    )
    pdf.ln(4)

    # QR code (right) and signature block (left), kept together on one page
    block_height = QR_SIZE_MM + 16
    if pdf.get_y() + block_height > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y()
    qr_x = pdf.l_margin + width - QR_SIZE_MM
    pdf.image(qr_image(doc.verify_url), x=qr_x, y=top, w=QR_SIZE_MM, h=QR_SIZE_MM, link=doc.verify_url)
    pdf.set_xy(qr_x - 12, top + QR_SIZE_MM + 0.5)
    pdf.set_font(FAMILY, "", 6)
    pdf.multi_cell(QR_SIZE_MM + 12, 2.6, printable(doc.verify_url), align="C")

    left_width = width - QR_SIZE_MM - 16
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(FAMILY, "B", 9)
    pdf.multi_cell(left_width, 4.5, "Ditandatangani secara elektronik", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 8)
    pdf.set_text_color(70)
    pdf.multi_cell(left_width, 4, "Electronically signed", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.multi_cell(left_width, 4.5, printable(doc.issuer_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.set_font(FAMILY, "", 7.5)
    for line in (
        f"Algoritme / Algorithm: {doc.signature_algorithm}",
        f"Kunci / Key id: {doc.signature_key_id}",
        f"Sidik / Fingerprint: {signature_fingerprint(doc.signature_b64)}",
    ):
        pdf.multi_cell(left_width, 3.8, printable(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font(FAMILY, "", 5)
    pdf.multi_cell(left_width, 2.3, printable(doc.signature_b64), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), top + QR_SIZE_MM + 8) + 3)
    pdf.set_font(FAMILY, "", 7.5)
    pdf.set_text_color(70)
    pdf.multi_cell(
        width,
        3.6,
        "Keaslian dan status izin ini dapat diperiksa dengan memindai kode QR. "
        "Scan the QR code to check that this permit is authentic and still valid.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())
