"""The `authorization_code` grant of the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.6).

The token endpoint (`oauth.grants`) authenticates the client, then calls `exchange_code` (through
`authorize_service`). Every binding of the code is checked; any failure is `invalid_grant` and burns the
code (it is claimed first, in one conditional UPDATE, so two racing exchanges cannot both win). A code
presented again after its exchange revokes the sign-in (token family) that exchange started (RFC 6749
§4.1.2); the token endpoint answers OAuth errors without rolling back, so that revocation and its audit stay.
With the `openid` scope the answer also carries an OpenID Connect ID token (`issuance.mint_id_token`).
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import State

from siantar_identity.account.models import Account
from siantar_identity.audit.service import record
from siantar_identity.client.models import ApiClient
from siantar_identity.oauth import authorize_repository as repository
from siantar_identity.oauth.authorize_checks import GRANT_TYPE, may_act_for, s256, valid_verifier
from siantar_identity.oauth.authorize_texts import GRANT_TEXTS
from siantar_identity.oauth.exceptions import InvalidGrant, UnauthorizedClient
from siantar_identity.oauth.issuance import OPENID_SCOPE, issue_tokens, mint_id_token
from siantar_identity.oauth.models import AuthorizationCode
from siantar_identity.oauth.schemas import TokenResponse
from siantar_identity.security.secrets import same, token_hash

MAX_CODE = 512
PURGE_AFTER = timedelta(
    days=1
)  # expired requests and codes are kept that long (reuse detection), then purged


async def exchange_code(
    session: AsyncSession,
    request_state: State,
    *,
    client: ApiClient,
    code: str,
    redirect_uri: str,
    code_verifier: str,
) -> TokenResponse:
    """The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.6). `client` is already authenticated
    by the token endpoint (a public client is only identified: PKCE binds the code to it). Any failure is
    `invalid_grant` and burns the code; a code presented again revokes what its first exchange issued."""
    at: datetime = request_state.clock.now()
    if GRANT_TYPE not in client.grant_types:
        raise UnauthorizedClient(GRANT_TEXTS["unauthorized_client"])
    row = await repository.get_code(session, token_hash(code)) if 0 < len(code) <= MAX_CODE else None
    if row is None:
        raise InvalidGrant(GRANT_TEXTS["unknown"])
    if not await repository.claim_code(session, row.id, at):
        await _code_reused(session, row, client, at)
        raise InvalidGrant(GRANT_TEXTS["reused"])
    account = await session.get(Account, row.account_id)
    problem = _binding_problem(row, client, redirect_uri=redirect_uri, code_verifier=code_verifier, at=at)
    if problem is None and (account is None or not may_act_for(client, account)):
        problem = "account"
    if problem is not None or account is None:
        await _audit(session, "oauth.code_rejected", row, client, outcome="failure", reason=problem)
        raise InvalidGrant(GRANT_TEXTS[problem or "account"])
    tokens = await issue_tokens(
        session,
        request_state,
        account=account,
        client=client,
        scope=row.scope,
        amr=list(row.amr),
        auth_time=row.auth_time,
    )
    if tokens.refresh_token:
        row.family_id = await repository.family_of_refresh_token(session, token_hash(tokens.refresh_token))
        await session.flush()
    if OPENID_SCOPE in row.scope.split():
        tokens.id_token = await mint_id_token(
            session,
            request_state,
            account=account,
            client=client,
            access_token=tokens.access_token,
            amr=list(row.amr),
            auth_time=row.auth_time,
            nonce=row.nonce,
            family_id=row.family_id,
        )
    family = str(row.family_id) if row.family_id else None
    await _audit(session, "oauth.code_exchanged", row, client, scope=row.scope, family_id=family)
    return tokens


def _binding_problem(
    row: AuthorizationCode, client: ApiClient, *, redirect_uri: str, code_verifier: str, at: datetime
) -> str | None:
    """Which binding of the code the request breaks (a key of GRANT_TEXTS), or None."""
    if not same(row.client_id, client.client_id):
        return "other_client"
    if row.expires_at <= at:
        return "expired"
    if redirect_uri != row.redirect_uri:
        return "redirect_uri"
    if not valid_verifier(code_verifier):
        return "verifier_format"
    if not same(s256(code_verifier), row.code_challenge):
        return "verifier"
    return None


async def _code_reused(
    session: AsyncSession, row: AuthorizationCode, client: ApiClient, at: datetime
) -> None:
    """RFC 6749 §4.1.2: the code leaked (or is replayed); revoke the sign-in its first exchange started."""
    revoked = 0
    if row.family_id is not None:
        revoked = await repository.revoke_family(session, row.family_id, reason="code_reuse", at=at)
    await _audit(session, "oauth.code_reused", row, client, outcome="failure", families_revoked=revoked)


async def _audit(
    session: AsyncSession,
    action: str,
    row: AuthorizationCode,
    client: ApiClient,
    *,
    outcome: str = "success",
    **detail: Any,
) -> None:
    """The client acts (it presented the code), about the person the code was issued for."""
    await record(
        session,
        action,
        actor_id=client.id,
        actor_kind="client",
        subject_id=row.account_id,
        client_id=client.client_id,
        outcome=outcome,
        **detail,
    )


async def purge_expired_authorizations(session: AsyncSession) -> None:
    """Job `purge-authorizations`: delete pending authorization requests and codes expired for a day."""
    await repository.purge_expired(session, datetime.now(UTC) - PURGE_AFTER)
