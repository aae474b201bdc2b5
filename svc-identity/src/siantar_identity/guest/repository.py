"""Looking up guest reporters by the keyed hashes of their contacts."""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.security.fieldcrypt import candidates, matches


async def find_guest(
    session: AsyncSession, phone_index: str | None, email_index: str | None
) -> Account | None:
    """A live guest with this phone or this e-mail (the phone wins when they name two different guests)."""
    wanted = [
        column.in_(candidates(value))
        for column, value in ((Account.phone_index, phone_index), (Account.email_index, email_index))
        if value is not None
    ]
    if not wanted:
        return None
    statement = select(Account).where(
        Account.kind == AccountKind.guest, Account.status != AccountStatus.erased, or_(*wanted)
    )
    guests = list(await session.scalars(statement))
    by_phone = [
        guest for guest in guests if phone_index is not None and matches(phone_index, guest.phone_index)
    ]
    found = by_phone or guests
    return found[0] if found else None
