"""OpenID Connect's UserInfo endpoint (OIDC Core §5.3): `GET` or `POST /identity/v1/oauth/userinfo` with an
access token that carries the `openid` scope. It answers `sub`, and with the `profile` scope the person's name
and language (`name`, `locale`): what the consent page told them the app would see ("See your name"), unless
they restricted the processing of their data. Never a phone number, email or NIK. An account no longer active (disabled, erased) answers 401 `invalid_token`."""

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from siantar_identity.account.models import Account, AccountStatus
from siantar_identity.oauth.exceptions import NO_STORE
from siantar_identity.oauth.issuance import OPENID_SCOPE
from siantar_shared.auth import Principal, require
from siantar_shared.db import SessionDep
from siantar_shared.errors import Unauthorized
from siantar_shared.i18n import Text

router = APIRouter(prefix="/oauth", tags=["oauth"])
PROFILE_SCOPE = "profile"
OpenIdPerson = Annotated[Principal, require(scopes={OPENID_SCOPE})]


class UserInfo(BaseModel):
    """The claims about the signed-in person that the token's scopes allow."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"sub": "2f0c6c1e-8b1e-4f61-9d8a-1b5f0e2a7c44", "name": "Rina Simanjuntak", "locale": "id"}
            ]
        }
    )

    sub: str
    name: str | None = None
    locale: str | None = None


async def _userinfo(principal: Principal, session: SessionDep) -> JSONResponse:
    account = await session.get(Account, principal.subject) if not principal.is_service else None
    if account is None or account.status != AccountStatus.active:
        raise Unauthorized(Text("Akun tidak lagi aktif", "The account is no longer active"))
    claims = {"sub": str(account.id)}
    # a person who restricted the processing of their data (UU 27/2022 Ps. 11) is named to no app meanwhile
    if PROFILE_SCOPE in principal.scopes and account.restricted_at is None:
        if account.full_name:
            claims["name"] = account.full_name
        claims["locale"] = account.language
    return JSONResponse(claims, headers=NO_STORE)


@router.get("/userinfo", response_model=UserInfo, summary="Who is signed in (OpenID Connect)")
async def userinfo(principal: OpenIdPerson, session: SessionDep) -> JSONResponse:
    """The signed-in person's `sub`; with the `profile` scope also `name` and `locale`. Needs an access
    token with the `openid` scope (403 `insufficient_scope` otherwise)."""
    return await _userinfo(principal, session)


@router.post("/userinfo", response_model=UserInfo, summary="Who is signed in (OpenID Connect, POST)")
async def userinfo_post(principal: OpenIdPerson, session: SessionDep) -> JSONResponse:
    """The same as `GET /oauth/userinfo` (OIDC Core §5.3.1 asks for both); the token in the Authorization
    header."""
    return await _userinfo(principal, session)
