"""Admins managing staff: listing, roles and agency, disabling and enabling, resetting the second factor."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories_staff import audit_rows, bearer, create_staff, outbox_code, reload, seed_opd
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, RecoveryCode
from siantar_identity.config import Settings
from siantar_identity.oauth.models import TokenFamily
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

STAFF = "/identity/v1/staff"


async def family_of(session: AsyncSession, account: Account) -> TokenFamily:
    now = datetime.now(UTC)
    family = TokenFamily(
        account_id=account.id,
        client_id="siantar-staff-console",
        auth_time=now,
        absolute_expires_at=now + timedelta(hours=12),
        amr=["pwd", "otp"],
    )
    saved: TokenFamily = await save(session, family)
    return saved


async def setup(
    session: AsyncSession, settings: Settings, test_keys: TestKeys
) -> tuple[Account, dict[str, str]]:
    await seed_opd(session)
    admin = await create_staff(session, settings, roles=["admin"])
    return admin, bearer(test_keys, admin)


class TestListStaff:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.get(STAFF)).status_code == 401

    async def test_supervisor_is_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        supervisor = await create_staff(session, settings, roles=["supervisor"], agency="DLH")
        assert (await client.get(STAFF, headers=bearer(test_keys, supervisor))).status_code == 403

    async def test_filters_and_keyset_pages(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        for name in ("dlh.a", "dlh.b", "dlh.c"):
            await create_staff(session, settings, roles=["officer"], agency="DLH", username=name)
        await create_staff(
            session, settings, roles=["officer", "supervisor"], agency="DLH", username="dlh.head"
        )
        await create_staff(session, settings, roles=["officer"], agency="PUTR", username="putr.a")
        first = await client.get(
            STAFF, params={"agency": "DLH", "role": "officer", "limit": 3}, headers=headers
        )
        assert first.status_code == 200
        assert [m["username"] for m in first.json()["items"]] == ["dlh.a", "dlh.b", "dlh.c"]
        cursor = first.json()["next_cursor"]
        second = await client.get(
            STAFF, params={"agency": "DLH", "role": "officer", "limit": 3, "cursor": cursor}, headers=headers
        )
        assert [m["username"] for m in second.json()["items"]] == ["dlh.head"]
        assert second.json()["next_cursor"] is None
        heads = await client.get(STAFF, params={"role": "supervisor"}, headers=headers)
        assert [m["username"] for m in heads.json()["items"]] == ["dlh.head"]

    @pytest.mark.parametrize(
        "params", [{"role": "citizen"}, {"agency": "dlh"}, {"status": "erased"}, {"limit": 500}]
    )
    async def test_bad_filter_is_422(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        params: dict[str, object],
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        assert (await client.get(STAFF, params=params, headers=headers)).status_code == 422


class TestUpdateStaff:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (
            await client.patch(f"{STAFF}/00000000-0000-0000-0000-000000000000", json={})
        ).status_code == 401

    async def test_roles_changed_audited_with_before_and_after(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        family = await family_of(session, officer)
        etag = (await client.get(f"{STAFF}/{officer.id}", headers=headers)).headers["etag"]
        response = await client.patch(
            f"{STAFF}/{officer.id}",
            json={"roles": ["supervisor", "officer"], "agency": "PUTR"},
            headers={**headers, "If-Match": etag},
        )
        assert response.status_code == 200, response.text
        assert response.json()["roles"] == ["officer", "supervisor"]
        assert response.json()["agency"] == "PUTR"
        (record,) = await audit_rows(session, "staff.roles_changed", subject_id=officer.id)
        assert record.detail["before"] == {"roles": ["officer"], "agency": "DLH"}
        assert record.detail["after"] == {"roles": ["officer", "supervisor"], "agency": "PUTR"}
        assert (await reload(session, family)).revoked_at is not None
        stale = await client.patch(
            f"{STAFF}/{officer.id}", json={"full_name": "X Y"}, headers={**headers, "If-Match": etag}
        )
        assert stale.status_code == 412

    @pytest.mark.parametrize(
        "body",
        [
            {"agency": None},
            {"roles": ["verifier"]},
            {"roles": ["inspector"], "agency": None},
            {"agency": "NOPE"},
            {"roles": None},
            {"roles": ["service"]},
            {"status": "active"},
        ],
    )
    async def test_bad_assignment_is_422(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        body: dict[str, object],
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        response = await client.patch(f"{STAFF}/{officer.id}", json=body, headers=headers)
        assert response.status_code == 422
        assert (await reload(session, officer)).agency_code == "DLH"

    async def test_an_admin_cannot_drop_their_own_admin_role(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        admin, headers = await setup(session, settings, test_keys)
        response = await client.patch(f"{STAFF}/{admin.id}", json={"roles": ["dpo"]}, headers=headers)
        assert response.status_code == 409

    async def test_a_citizen_is_not_staff(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        citizen = await save(session, Account(kind="citizen", status="active", roles=["citizen"]))
        assert (
            await client.patch(f"{STAFF}/{citizen.id}", json={"full_name": "A B"}, headers=headers)
        ).status_code == 404


class TestDisableEnable:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(
            f"{STAFF}/00000000-0000-0000-0000-000000000000/disable", json={"reason": "x"}
        )
        assert response.status_code == 401

    async def test_disable_revokes_every_family_and_is_audited(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        families = [await family_of(session, officer), await family_of(session, officer)]
        response = await client.post(
            f"{STAFF}/{officer.id}/disable", json={"reason": "Mutasi"}, headers=headers
        )
        assert response.status_code == 200
        assert response.json()["status"] == "disabled"
        for family in families:
            assert (await reload(session, family)).revoked_at is not None
        (record,) = await audit_rows(session, "staff.disabled", subject_id=officer.id)
        assert record.detail["reason"] == "Mutasi"
        assert record.detail["families_revoked"] == 2
        # a disabled admin's own token stops working at once
        assert (
            await client.get(STAFF, headers=bearer(test_keys, officer, roles=["admin"]))
        ).status_code == 403

    async def test_enable_brings_an_enrolled_account_back(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH", status="disabled")
        response = await client.post(f"{STAFF}/{officer.id}/enable", headers=headers)
        assert response.status_code == 200
        assert response.json()["status"] == "active"
        assert response.json()["invitation"] is None
        assert len(await audit_rows(session, "staff.enabled", subject_id=officer.id)) == 1

    async def test_enable_without_authenticator_goes_back_to_pending_with_an_invitation(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        officer = await create_staff(
            session, settings, roles=["officer"], agency="DLH", status="disabled", enrolled=False
        )
        response = await client.post(f"{STAFF}/{officer.id}/enable", headers=headers)
        assert response.json()["status"] == "pending"
        assert response.json()["invitation"]["sent"] is True
        outbox_code(outbox, officer.username or "")

    async def test_an_admin_cannot_disable_themselves(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        admin, headers = await setup(session, settings, test_keys)
        response = await client.post(f"{STAFF}/{admin.id}/disable", json={"reason": "oops"}, headers=headers)
        assert response.status_code == 409

    async def test_a_reason_is_required(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        assert (
            await client.post(f"{STAFF}/{officer.id}/disable", json={}, headers=headers)
        ).status_code == 422
        assert (await reload(session, officer)).status == "active"


class TestResetSecondFactor:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(
            f"{STAFF}/00000000-0000-0000-0000-000000000000/mfa/reset", json={"reason": "x"}
        )
        assert response.status_code == 401

    async def test_reset_clears_it_ends_sign_ins_and_sends_a_new_invitation(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        _, headers = await setup(session, settings, test_keys)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        session.add(RecoveryCode(account_id=officer.id, code_hash="0" * 64))
        family = await family_of(session, officer)
        response = await client.post(
            f"{STAFF}/{officer.id}/mfa/reset", json={"reason": "Ponsel hilang"}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "pending"
        assert response.json()["mfa_enabled"] is False
        officer = await reload(session, officer)
        assert officer.totp_secret_ciphertext is None
        assert officer.totp_confirmed_at is None
        assert (
            await session.scalars(select(RecoveryCode).where(RecoveryCode.account_id == officer.id))
        ).all() == []
        assert (await reload(session, family)).revoked_at is not None
        (record,) = await audit_rows(session, "mfa.reset", subject_id=officer.id)
        assert record.detail["reason"] == "Ponsel hilang"
        outbox_code(outbox, officer.username or "")

    async def test_supervisor_cannot_reset(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        supervisor = await create_staff(session, settings, roles=["supervisor"], agency="DLH")
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        response = await client.post(
            f"{STAFF}/{officer.id}/mfa/reset",
            json={"reason": "hilang"},
            headers=bearer(test_keys, supervisor),
        )
        assert response.status_code == 403
        assert (await reload(session, officer)).totp_confirmed_at is not None
