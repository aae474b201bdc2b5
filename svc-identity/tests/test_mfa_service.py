"""The second factor as sign-in and the admin API use it: `verify_second_factor`, `reset_second_factor`."""

from datetime import timedelta
from uuid import uuid4

import pytest
from factories_authorize import create_account, create_family, create_staff, crypto_of, enrol_totp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import RecoveryCode
from siantar_identity.audit.models import AuditRecord
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.mfa import recovery, totp
from siantar_identity.mfa.exceptions import SelfResetForbidden
from siantar_identity.mfa.repository import replace_recovery_codes
from siantar_identity.mfa.service import recovery_code_hash, reset_second_factor, verify_second_factor
from siantar_identity.oauth.models import TokenFamily
from siantar_shared.auth import Principal, Role


class TestVerifySecondFactor:
    async def test_totp_code_is_accepted_once(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        secret = await enrol_totp(session, settings, account, at=clock.now())
        crypto = crypto_of(settings)
        code = totp.code_at(secret, clock.now())
        assert await verify_second_factor(
            session, account, crypto=crypto, otp=code, recovery_code=None, at=clock.now()
        ) == ["otp"]
        assert (
            await verify_second_factor(
                session, account, crypto=crypto, otp=code, recovery_code=None, at=clock.now()
            )
            is None
        )
        older = totp.code_at(secret, clock.now() - timedelta(seconds=30))
        assert (
            await verify_second_factor(
                session, account, crypto=crypto, otp=older, recovery_code=None, at=clock.now()
            )
            is None
        )
        clock.advance(timedelta(seconds=30))
        fresh = totp.code_at(secret, clock.now())
        assert await verify_second_factor(
            session, account, crypto=crypto, otp=fresh, recovery_code=None, at=clock.now()
        ) == ["otp"]

    async def test_code_from_another_time_fails(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        secret = await enrol_totp(session, settings, account, at=clock.now())
        late = totp.code_at(secret, clock.now() + timedelta(minutes=2))
        assert (
            await verify_second_factor(
                session, account, crypto=crypto_of(settings), otp=late, recovery_code=None, at=clock.now()
            )
            is None
        )

    async def test_recovery_code_is_single_use_and_audited(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        await enrol_totp(session, settings, account, at=clock.now())
        crypto = crypto_of(settings)
        codes = recovery.new_codes()
        await replace_recovery_codes(
            session, account.id, [recovery_code_hash(crypto, recovery.normalise(c) or "") for c in codes]
        )
        typed = " " + codes[0].replace("-", " ").upper() + " "
        assert await verify_second_factor(
            session, account, crypto=crypto, otp=None, recovery_code=typed, at=clock.now()
        ) == ["otp"]
        assert (
            await verify_second_factor(
                session, account, crypto=crypto, otp=None, recovery_code=codes[0], at=clock.now()
            )
            is None
        )
        used = await session.scalar(
            select(AuditRecord).where(
                AuditRecord.action == "mfa.recovery_code.used", AuditRecord.subject_id == account.id
            )
        )
        assert used is not None
        assert used.detail["remaining"] == 9
        assert (
            await verify_second_factor(
                session, account, crypto=crypto, otp=None, recovery_code="not-a-code", at=clock.now()
            )
            is None
        )

    async def test_nothing_enrolled_never_passes(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        assert (
            await verify_second_factor(
                session, account, crypto=crypto_of(settings), otp="123456", recovery_code=None, at=clock.now()
            )
            is None
        )
        assert (
            await verify_second_factor(
                session, account, crypto=crypto_of(settings), otp=None, recovery_code=None, at=clock.now()
            )
            is None
        )


class TestResetSecondFactor:
    async def test_admin_resets_a_staff_member(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        staff = await create_staff(session, settings)
        await enrol_totp(session, settings, staff, at=clock.now())
        session.add(RecoveryCode(account_id=staff.id, code_hash="0" * 64))
        family = await create_family(session, staff, at=clock.now())
        admin = Principal(subject=uuid4(), client_id="siantar-petugas", roles=frozenset({Role.admin}))
        await reset_second_factor(session, staff, by=admin, reason="ponsel hilang", at=clock.now())
        assert staff.totp_secret_ciphertext is None
        assert staff.totp_confirmed_at is None
        assert (
            await session.scalar(select(RecoveryCode.id).where(RecoveryCode.account_id == staff.id)) is None
        )
        revoked = await session.get(TokenFamily, family.id, populate_existing=True)
        assert revoked is not None
        assert revoked.revoke_reason == "mfa_reset"
        entry = await session.scalar(select(AuditRecord).where(AuditRecord.action == "mfa.reset"))
        assert entry is not None
        assert (entry.actor_id, entry.subject_id, entry.detail["reason"]) == (
            admin.subject,
            staff.id,
            "ponsel hilang",
        )
        assert entry.detail["families_revoked"] == 1

    async def test_nobody_resets_their_own(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        admin_account = await create_staff(session, settings, roles=["admin"])
        await enrol_totp(session, settings, admin_account, at=clock.now())
        me = Principal(subject=admin_account.id, client_id="siantar-petugas", roles=frozenset({Role.admin}))
        with pytest.raises(SelfResetForbidden):
            await reset_second_factor(session, admin_account, by=me, reason="saya sendiri", at=clock.now())
        assert admin_account.totp_confirmed_at is not None
