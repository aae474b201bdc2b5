"""Ending sign-ins: revoking token families (all refresh tokens rotated from one sign-in)."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.oauth.models import TokenFamily


async def revoke_account_families(
    session: AsyncSession, account_id: UUID, *, reason: str, at: datetime
) -> int:
    """Revoke every live token family of an account (disabled, erased, password or MFA changed).

    Access tokens already issued stay valid until they expire (10 minutes by default): services verify them
    locally. Returns how many families were revoked.
    """
    result = await session.execute(
        update(TokenFamily)
        .where(TokenFamily.account_id == account_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=at, revoke_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)
