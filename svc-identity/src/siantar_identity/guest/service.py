"""Guest reporters: a subject id for a person who reports without an account, so that complaints can be
followed up (through `POST /notifications`) without the complaints service ever holding their contacts.

A guest's contacts are unverified: anyone can type anyone's phone number at a counter or in an Open311 app.
So a guest is never linked to a citizen account, even one with the same phone or e-mail: that would let an
attacker report in a citizen's name and read their replies, or flood them through "their" complaints.
To keep the two apart in the database as well, a guest's contacts are looked up by keyed hashes of their
own contexts ("guest.phone", "guest.email"), never by the ones citizens sign in and register with: a phone
number typed in for a guest can therefore never block its owner from registering. The values themselves
are encrypted like every account's ("account.phone", "account.email"), so notifications read them alike.
"""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.guest import repository
from siantar_identity.guest.schemas import GuestCreate
from siantar_identity.security.context import Crypto
from siantar_shared.schemas.types import mask_phone

PHONE_INDEX = "guest.phone"
EMAIL_INDEX = "guest.email"


async def register(session: AsyncSession, crypto: Crypto, data: GuestCreate) -> tuple[Account, bool]:
    """The guest with this phone or e-mail, else a new one; True when it was created.

    An existing guest is returned unchanged: a second report with the same phone number does not rename
    the guest nor add the e-mail address it brought (neither is verified).
    """
    phone_index = crypto.index.digest(data.phone, context=PHONE_INDEX) if data.phone else None
    email_index = crypto.index.digest(data.email, context=EMAIL_INDEX) if data.email else None
    existing = await repository.find_guest(session, phone_index, email_index)
    if existing is not None:
        return existing, False
    guest = Account(
        kind=AccountKind.guest,
        status=AccountStatus.active,
        full_name=data.name,
        language=data.language or "id",
        roles=[],
        assurance_level=0,
        phone_index=phone_index,
        email_index=email_index,
    )
    if data.phone:
        guest.phone_ciphertext = crypto.ring.encrypt(data.phone, context=contacts.PHONE_CONTEXT)
        guest.phone_masked = mask_phone(data.phone)
    if data.email:
        guest.email_ciphertext = crypto.ring.encrypt(data.email, context=contacts.EMAIL_CONTEXT)
        guest.email_masked = contacts.mask_email(data.email)
    try:
        async with session.begin_nested():  # two counters registering the same person at once
            session.add(guest)
    except IntegrityError:
        found = await repository.find_guest(session, phone_index, email_index)
        if found is None:
            raise
        return found, False
    return guest, True
