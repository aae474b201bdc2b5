"""Driving an application through HTTP, as each actor would: used by the journey and matrix tests."""

import io
import uuid
from dataclasses import dataclass, field
from typing import Any

from helpers import PREFIX, citizen, staff
from httpx import AsyncClient, Response
from PIL import Image

from siantar_permits.permit_type.seed import catalogue
from siantar_shared.testing.tokens import TestKeys

APPS = f"{PREFIX}/applications"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "JPEG")
    return buffer.getvalue()


FORMS: dict[str, dict[str, Any]] = {
    "izin-reklame": {
        "nama_pemohon": "CV Maju Bersama",
        "isi_reklame": "Toko Maju",
        "jenis_reklame": "billboard",
        "luas_m2": 8,
        "alamat": "Jl. Sutomo 1",
        "kelurahan": "1272031001",
        "kode_pos": "21111",
        "nomor_pajak_reklame": "SKPD/2026/001",
    },
    "izin-penelitian": {
        "nama_peneliti": "Rina Siregar",
        "judul": "Kualitas air",
        "lembaga": "USU",
        "lokasi": "Siantar",
        "mulai": "2026-12-01",
        "selesai": "2027-02-01",
    },
}
for code in ("sip-dokter", "sip-bidan", "sip-perawat", "sipa"):
    FORMS[code] = {
        "nama_lengkap": "dr. Budi Santoso",
        "nomor_str": "STR-123",
        "nama_fasyankes": "Klinik Sehat",
        "alamat_praktik": "Jl. Merdeka 2",
        "praktik_ke": 1,
    }


@dataclass
class Actors:
    keys: TestKeys
    applicant_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def applicant(self, acr: int = 2) -> dict[str, str]:
        return citizen(self.keys, self.applicant_id, acr=acr)

    def officer(self, role: str = "officer", agency: str = "DPMPTSP") -> dict[str, str]:
        return staff(self.keys, role, agency)


async def act(
    client: AsyncClient, app: dict[str, Any], path: str, headers: dict[str, str], body: Any = None
) -> Response:
    return await client.post(
        f"{APPS}/{app['id']}/{path}",
        json=body if body is not None else {},
        headers={**headers, "If-Match": f'"v{app["version"]}"'},
    )


def ok(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def file_application(
    client: AsyncClient, actors: Actors, type_code: str, form: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A submitted application with every required document uploaded."""
    created = ok(
        await client.post(
            APPS,
            json={"type": type_code, "applicant_name": "CV Maju Bersama", "form": form or FORMS[type_code]},
            headers=actors.applicant(),
        ),
        201,
    )
    definition = (
        next(t.definition for t in catalogue().types if t.code == type_code) if type_code in FORMS else None
    )
    requirements = definition.requirements if definition else []
    for requirement in requirements:
        if requirement.required:
            data, kind = (
                (PDF, "application/pdf") if "pdf" in requirement.allowed_types else (png(), "image/png")
            )
            ok(
                await client.post(
                    f"{APPS}/{created['id']}/documents/{requirement.code}",
                    files={"file": ("x", data, kind)},
                    headers=actors.applicant(),
                ),
                201,
            )
    current = ok(await client.get(f"{APPS}/{created['id']}", headers=actors.applicant()))
    return ok(await act(client, current, "submit", actors.applicant()))
