"""Queries of the privacy domain: the consent ledger, data-subject requests, and what erasure deletes."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, OneTimeCode, RecoveryCode
from siantar_identity.oauth.models import AuthorizationCode, TokenFamily
from siantar_identity.privacy.models import ConsentEvent, DataRequest, NikReview
from siantar_shared.pagination import CursorParams, SortKey, paginate


async def get_account(session: AsyncSession, account_id: UUID) -> Account | None:
    return await session.get(Account, account_id)


async def consent_ledger(session: AsyncSession, account_id: UUID) -> list[ConsentEvent]:
    """Every grant and withdrawal of a person, oldest first."""
    statement = (
        select(ConsentEvent)
        .where(ConsentEvent.account_id == account_id)
        .order_by(ConsentEvent.created_at, ConsentEvent.id)
    )
    return list(await session.scalars(statement))


async def latest_consent(session: AsyncSession, account_id: UUID, purpose: str) -> ConsentEvent | None:
    statement = (
        select(ConsentEvent)
        .where(ConsentEvent.account_id == account_id, ConsentEvent.purpose == purpose)
        .order_by(ConsentEvent.created_at.desc(), ConsentEvent.id.desc())
        .limit(1)
    )
    return (await session.scalars(statement)).first()


async def data_requests_of(session: AsyncSession, account_id: UUID) -> list[DataRequest]:
    statement = (
        select(DataRequest)
        .where(DataRequest.account_id == account_id)
        .order_by(DataRequest.created_at.desc(), DataRequest.id.desc())
    )
    return list(await session.scalars(statement))


async def open_request(session: AsyncSession, account_id: UUID, kind: str) -> DataRequest | None:
    statement = select(DataRequest).where(
        DataRequest.account_id == account_id, DataRequest.kind == kind, DataRequest.status == "open"
    )
    return (await session.scalars(statement.limit(1))).first()


async def get_data_request(session: AsyncSession, request_id: UUID) -> DataRequest | None:
    return await session.get(DataRequest, request_id)


def queue_statement(status: str | None) -> Select[DataRequest]:
    statement = select(DataRequest)
    return statement if status is None else statement.where(DataRequest.status == status)


async def queue_page(
    session: AsyncSession, status: str | None, params: CursorParams
) -> tuple[Sequence[DataRequest], str | None]:
    """Requests by due date, earliest first: for open ones, the overdue come first."""
    keys = [
        SortKey(DataRequest.due_at.expression, descending=False),
        SortKey(DataRequest.id.expression, descending=False),
    ]
    return await paginate(session, queue_statement(status), params, keys)


async def token_families(session: AsyncSession, account_id: UUID) -> list[TokenFamily]:
    statement = (
        select(TokenFamily)
        .where(TokenFamily.account_id == account_id)
        .order_by(TokenFamily.created_at, TokenFamily.id)
    )
    return list(await session.scalars(statement))


async def nik_reviews_of(session: AsyncSession, account_id: UUID) -> list[NikReview]:
    statement = select(NikReview).where(NikReview.account_id == account_id).order_by(NikReview.created_at)
    return list(await session.scalars(statement))


async def delete_secrets_and_copies(session: AsyncSession, account_id: UUID) -> None:
    """On erasure: a person's pending codes, recovery codes and authorization codes, the NIK copies in
    their review cases, and what they wrote in their data requests. Audit records, consent events and the
    notification log hold ids only and stay (the trail remains, pseudonymous)."""
    for model in (OneTimeCode, RecoveryCode, AuthorizationCode, NikReview):
        await session.execute(delete(model).where(model.account_id == account_id))
    await session.execute(
        update(DataRequest)
        .where(DataRequest.account_id == account_id)
        .values(details_ciphertext=None)
        .execution_options(synchronize_session=False)
    )
