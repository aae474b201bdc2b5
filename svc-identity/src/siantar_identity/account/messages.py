"""The notices of the account and assurance domains, added to identity's message templates (`notify.templates`),
and sending them to a person's verified contact.

They are identity's own messages (never available to other services through `POST /notifications`).
"""

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.dependencies import Tools
from siantar_identity.account.models import Account
from siantar_identity.notify import service as notify_service
from siantar_identity.notify.notifiers import Channel
from siantar_identity.notify.templates import TEMPLATES, Template
from siantar_shared.i18n import Text

ACCOUNT_TEMPLATES: dict[str, Template] = {
    "account_exists": Template(
        Text("Pendaftaran akun Siantar", "Siantar account registration"),
        Text(
            "Ada yang mencoba mendaftarkan akun Siantar baru dengan nomor ini, padahal nomor ini sudah terdaftar. "
            "Jika itu Anda, silakan masuk, atau atur ulang kata sandi bila lupa. Jika bukan, abaikan pesan ini.",
            "Someone tried to register a new Siantar account with this number, which is already registered. "
            "If it was you, sign in, or reset your password if you forgot it. If not, ignore this message.",
        ),
    ),
    "phone_changed": Template(
        Text("Nomor telepon diganti", "Phone number changed"),
        Text(
            "Nomor telepon akun Siantar Anda baru saja diganti. Jika bukan Anda yang menggantinya, segera atur "
            "ulang kata sandi dan hubungi Diskominfo Kota Pematangsiantar.",
            "The phone number of your Siantar account was just changed. If you did not change it, reset your "
            "password at once and contact Diskominfo Kota Pematangsiantar.",
        ),
    ),
    "email_changed": Template(
        Text("Alamat surel diganti", "E-mail address changed"),
        Text(
            "Alamat surel akun Siantar Anda baru saja diganti. Jika bukan Anda yang menggantinya, segera atur "
            "ulang kata sandi dan hubungi Diskominfo Kota Pematangsiantar.",
            "The e-mail address of your Siantar account was just changed. If you did not change it, reset "
            "your password at once and contact Diskominfo Kota Pematangsiantar.",
        ),
    ),
    "nik_claim_removed": Template(
        Text("NIK dilepas dari akun Anda", "NIK removed from your account"),
        Text(
            "NIK yang tercatat di akun Siantar Anda telah diverifikasi Dukcapil untuk akun lain, sehingga "
            "dilepas dari akun Anda dan tingkat verifikasi Anda kembali ke 0. Jika ini keliru, ajukan "
            "perbaikan data melalui akun Anda.",
            "The NIK on your Siantar account was verified by the civil registry (Dukcapil) for another "
            "account, so it was removed from yours and your assurance level is back to 0. If this is wrong, "
            "ask for a correction through your account.",
        ),
    ),
}
for _name, _template in ACCOUNT_TEMPLATES.items():
    TEMPLATES.setdefault(_name, _template)


async def send_notice(session: AsyncSession, tools: Tools, account: Account, template: str) -> bool:
    """Send a notice to the person's verified phone (SMS), else their verified e-mail; False if neither."""
    phone, email = contacts.read_phone(account, tools.crypto), contacts.read_email(account, tools.crypto)
    if phone and account.phone_verified_at is not None:
        channel, to = Channel.sms, phone
    elif email and account.email_index is not None and account.email_verified_at is not None:
        channel, to = Channel.email, email
    else:
        return False
    await send_to(session, tools, account, template, channel=channel, to=to)
    return True


async def send_to(
    session: AsyncSession, tools: Tools, account: Account, template: str, *, channel: Channel, to: str
) -> None:
    await notify_service.send(
        session,
        tools.notifiers,
        account_id=account.id,
        channel=channel,
        to=to,
        template=template,
        language="en" if account.language == "en" else "id",
        params={},
        at=tools.now,
    )
