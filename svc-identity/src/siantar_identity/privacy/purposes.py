"""Why the city processes a person's data, and on what legal basis (UU 27/2022 Ps. 20(2)).

Two lists. `CONSENT_PURPOSES` are extras that need the person's consent (Ps. 20(2) huruf a): they can be
granted and withdrawn at any time (Ps. 9, Ps. 40), and each grant or withdrawal is kept in the append-only
`consent_event` ledger with the version of the notice the person saw (Ps. 21-24). `PUBLIC_SERVICE_PROCESSING`
needs no consent: it rests on a legal obligation or on the performance of public-service tasks (Ps. 20(2)
huruf c and e), so it cannot be withdrawn; the person may still ask for restriction or erasure, which the
data protection officer weighs against the exceptions of Ps. 15.

Changing a notice's text means a new `notice_version`: earlier grants then no longer count as consent to it
(see `privacy.service.current_consents`), and the person is asked again.
"""

from dataclasses import dataclass
from typing import Final

from siantar_shared.i18n import Text

CONSENT_BASIS: Final = Text(
    "Persetujuan (UU 27/2022 Pasal 20 ayat (2) huruf a)", "Consent (UU 27/2022 Art. 20(2)(a))"
)


@dataclass(frozen=True)
class Purpose:
    code: str
    title: Text
    description: Text
    legal_basis: Text
    notice_version: str = ""  # consent purposes only: the version of the notice text


CONSENT_PURPOSES: Final[dict[str, Purpose]] = {
    purpose.code: purpose
    for purpose in (
        Purpose(
            "service_updates_whatsapp",
            Text("Kabar layanan melalui WhatsApp", "Service updates on WhatsApp"),
            Text(
                "Pemberitahuan tentang pengaduan dan permohonan izin Anda dikirim melalui WhatsApp, bukan "
                "SMS. WhatsApp dikelola oleh pihak ketiga (Meta): nomor dan isi pesan melewati layanannya.",
                "Notifications about your complaints and permit applications are sent on WhatsApp instead "
                "of SMS. WhatsApp is run by a third party (Meta): your number and the messages pass through it.",
            ),
            CONSENT_BASIS,
            "2026-11",
        ),
        Purpose(
            "satisfaction_survey",
            Text("Survei Kepuasan Masyarakat (SKM)", "Public satisfaction survey (SKM)"),
            Text(
                "Undangan mengisi Survei Kepuasan Masyarakat setelah pengaduan atau izin Anda selesai "
                "(PermenPANRB 14/2017). Jawaban survei diolah tanpa nama.",
                "Invitations to the public satisfaction survey after your complaint or permit is finished "
                "(PermenPANRB 14/2017). Answers are processed without your name.",
            ),
            CONSENT_BASIS,
            "2026-11",
        ),
        Purpose(
            "research_contact",
            Text("Dihubungi untuk riset layanan publik", "Contact for public-service research"),
            Text(
                "Pemerintah Kota boleh menghubungi Anda untuk wawancara atau uji coba perbaikan layanan. "
                "Tidak ada pemasaran, dan data Anda tidak diberikan kepada pihak lain.",
                "The city may contact you for interviews or trials of improved services. No marketing, and "
                "your data is not given to anyone else.",
            ),
            CONSENT_BASIS,
            "2026-11",
        ),
    )
}

PUBLIC_SERVICE_PROCESSING: Final[dict[str, Purpose]] = {
    purpose.code: purpose
    for purpose in (
        Purpose(
            "public_service_delivery",
            Text("Penanganan pengaduan dan perizinan", "Handling complaints and permits"),
            Text(
                "Nama, kontak dan NIK dipakai untuk menangani pengaduan dan permohonan izin Anda dan "
                "mengabari Anda tentang perkembangannya, termasuk melalui SMS atau surel.",
                "Your name, contacts and NIK are used to handle your complaints and permit applications and "
                "to tell you how they progress, including by SMS or e-mail.",
            ),
            Text(
                "Pelaksanaan tugas pelayanan publik (UU 27/2022 Pasal 20 ayat (2) huruf e; UU 25/2009 "
                "tentang Pelayanan Publik)",
                "Performance of public-service tasks (UU 27/2022 Art. 20(2)(e); UU 25/2009 on Public Services)",
            ),
        ),
        Purpose(
            "account_security",
            Text("Keamanan akun dan jejak audit", "Account security and audit trail"),
            Text(
                "Masuk, kode verifikasi, pembatasan percobaan dan catatan audit siapa mengakses data siapa.",
                "Sign-in, verification codes, throttling of attempts and the audit trail of who accessed "
                "whose data.",
            ),
            Text(
                "Kewajiban hukum menjaga keamanan data (UU 27/2022 Pasal 20 ayat (2) huruf c, Pasal 35)",
                "Legal obligation to keep data secure (UU 27/2022 Art. 20(2)(c), Art. 35)",
            ),
        ),
    )
}

NOT_WITHDRAWABLE: Final = Text(
    "Pemrosesan ini tidak memerlukan persetujuan sehingga tidak dapat ditarik: dasar hukumnya {basis}. "
    "Anda tetap dapat meminta pembatasan atau penghapusan melalui permintaan data pribadi.",
    "This processing does not rest on consent, so it cannot be withdrawn: its legal basis is {basis}. "
    "You can still ask for restriction or erasure through a personal-data request.",
)
