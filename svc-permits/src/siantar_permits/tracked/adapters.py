"""Adapters from an external system's status vocabulary to ours (internal state, OSS code, BLDS status).

SIMBG publishes PBG/SLF progress as named stages (registration, consultation, retribution, issuance);
OSS-RBA reports `kd_status` codes (domain.md §3.4). Each adapter maps what it knows and refuses the rest, so
an unknown status is a 422 for the integration client rather than a silent guess.
"""

from dataclasses import dataclass
from typing import ClassVar, Protocol

from siantar_permits.application.states import State


@dataclass(frozen=True, slots=True)
class Mapped:
    state: State
    oss_status: str | None
    label: str


class StatusAdapter(Protocol):
    system: str

    def map(self, status: str) -> Mapped | None: ...


class SimbgAdapter:
    """SIMBG stages as reported for Siantar's PBG flow (SIPPN): names are SIMBG's as documented [U]."""

    system = "SIMBG"
    TABLE: ClassVar[dict[str, Mapped]] = {
        "pendaftaran": Mapped(State.submitted, "09", "Pendaftaran"),
        "verifikasi_dokumen": Mapped(State.verification, "10", "Verifikasi dokumen"),
        "perbaikan_dokumen": Mapped(State.returned, "41", "Perbaikan dokumen oleh pemohon"),
        "konsultasi": Mapped(State.technical_review, "20", "Konsultasi TPA/TPT"),
        "penilaian_teknis": Mapped(State.technical_review, "45", "Penilaian teknis (berita acara)"),
        "inspeksi": Mapped(State.inspection, "40", "Inspeksi lapangan"),
        "perhitungan_retribusi": Mapped(State.fee_assessment, "30", "Perhitungan retribusi"),
        "menunggu_pembayaran": Mapped(State.awaiting_payment, "31", "Menunggu pembayaran SKRD"),
        "pembayaran_terverifikasi": Mapped(State.approval, "33", "Pembayaran terverifikasi"),
        "terbit": Mapped(State.issued, "50", "PBG/SLF terbit"),
        "ditolak": Mapped(State.rejected, "90", "Ditolak"),
        "dibatalkan": Mapped(State.withdrawn, None, "Dibatalkan pemohon"),
    }

    def map(self, status: str) -> Mapped | None:
        return self.TABLE.get(status)


class OssAdapter:
    """OSS-RBA `kd_status` codes (Lampiran 10)."""

    system = "OSS"
    TABLE: ClassVar[dict[str, Mapped]] = {
        "09": Mapped(State.submitted, "09", "Telah melengkapi persyaratan"),
        "10": Mapped(State.verification, "10", "Dokumen lengkap"),
        "11": Mapped(State.returned, "11", "Dokumen belum lengkap"),
        "20": Mapped(State.verification, "20", "Validasi"),
        "40": Mapped(State.inspection, "40", "Inspeksi"),
        "41": Mapped(State.returned, "41", "Konfirmasi persyaratan"),
        "42": Mapped(State.verification, "42", "Data konfirmasi persyaratan"),
        "45": Mapped(State.approval, "45", "Persyaratan terverifikasi"),
        "30": Mapped(State.fee_assessment, "30", "Verifikasi pembayaran"),
        "31": Mapped(State.awaiting_payment, "31", "Konfirmasi pembayaran"),
        "33": Mapped(State.approval, "33", "Persetujuan pembayaran"),
        "50": Mapped(State.issued, "50", "Disetujui"),
        "57": Mapped(State.issued, "57", "Terbit otomatis (fiktif positif)"),
        "90": Mapped(State.rejected, "90", "Ditolak"),
        "93": Mapped(State.rejected, "93", "Penolakan persyaratan (dinas teknis)"),
    }

    def map(self, status: str) -> Mapped | None:
        return self.TABLE.get(status)


ADAPTERS: dict[str, StatusAdapter] = {"SIMBG": SimbgAdapter(), "OSS": OssAdapter()}
