"""Request forms and responses of the OAuth endpoints and of the sessions of the signed-in person."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

_PASSWORD_GRANT_EXAMPLE: JsonDict = {
    "grant_type": "password",
    "client_id": "siantar-warga",
    "username": "+6281234567890",
    "password": "kopi-tubruk-di-pasar-horas",
    "scope": "complaints:write",
}
_STAFF_GRANT_EXAMPLE: JsonDict = {
    "grant_type": "password",
    "client_id": "siantar-petugas",
    "username": "budi.dlh",
    "password": "a long passphrase of the officer",
    "otp": "492039",
}
_REFRESH_GRANT_EXAMPLE: JsonDict = {
    "grant_type": "refresh_token",
    "client_id": "siantar-warga",
    "refresh_token": "…",
}
_CLIENT_CREDENTIALS_EXAMPLE: JsonDict = {"grant_type": "client_credentials", "scope": "notify:send"}


class TokenForm(BaseModel):
    """`application/x-www-form-urlencoded` parameters of `POST /oauth/token` (RFC 6749 §4, §6)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _PASSWORD_GRANT_EXAMPLE,
                _STAFF_GRANT_EXAMPLE,
                _REFRESH_GRANT_EXAMPLE,
                _CLIENT_CREDENTIALS_EXAMPLE,
            ]
        }
    )

    grant_type: str | None = Field(
        None, description="password, refresh_token, client_credentials or authorization_code"
    )
    client_id: str | None = Field(None, description="Public clients; confidential ones may use HTTP Basic")
    client_secret: str | None = Field(None, description="client_secret_post (or use HTTP Basic instead)")
    scope: str | None = Field(None, description="Space-separated; default: all the client may have")
    username: str | None = Field(None, description="password: phone (+62…), e-mail or staff username")
    password: str | None = Field(None, description="password grant")
    otp: str | None = Field(None, description="password: current TOTP code (staff, or 2-step citizens)")
    recovery_code: str | None = Field(None, description="password: a recovery code instead of `otp`")
    refresh_token: str | None = Field(None, description="refresh_token grant")
    code: str | None = Field(None, description="authorization_code grant")
    redirect_uri: str | None = Field(None, description="authorization_code: exactly as in the request")
    code_verifier: str | None = Field(None, description="authorization_code: the PKCE verifier (S256)")


class TokenResponse(BaseModel):
    """A successful token response (RFC 6749 §5.1); the access token is a JWT (RFC 9068)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6InNpYW50YXItMSIsInR5cCI6ImF0K2p3dCJ9…",
                    "token_type": "Bearer",
                    "expires_in": 600,
                    "refresh_token": "pZ3oQ2a7c5…",
                    "scope": "complaints:write",
                }
            ]
        }
    )

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the token type name (RFC 6750)
    expires_in: int
    refresh_token: str | None = None
    scope: str
    id_token: str | None = Field(
        default=None,
        description="With the `openid` scope, on the authorization_code grant: the OpenID Connect ID token "
        "(audience: the app's client_id; `nonce`, `at_hash`, `auth_time`, `acr`, `amr`, `sid`).",
    )


class OAuthErrorBody(BaseModel):
    """An OAuth error (RFC 6749 §5.2)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"error": "invalid_grant", "error_description": "Wrong username, password or code."}]
        }
    )

    error: str
    error_description: str | None = None


class RevokeForm(BaseModel):
    """Parameters of `POST /oauth/revoke` (RFC 7009 §2.1)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"token": "pZ3oQ2a7c5…", "token_type_hint": "refresh_token", "client_id": "siantar-warga"}
            ]
        }
    )

    token: str | None = Field(None, description="The refresh token (or access token) to revoke")
    token_type_hint: str | None = Field(None, description="refresh_token or access_token")
    client_id: str | None = None
    client_secret: str | None = None


class LogoutForm(BaseModel):
    """Parameters of `POST /oauth/logout`."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"refresh_token": "pZ3oQ2a7c5…", "client_id": "siantar-warga"}]}
    )

    refresh_token: str | None = Field(None, description="The refresh token of the session to end")
    client_id: str | None = None
    client_secret: str | None = None


class SessionRead(BaseModel):
    """One sign-in of the person that can still be refreshed: the app, when, how."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b6f1a1e-3a59-4e54-a4c8-9a9f1b5b7c11",
                    "client_id": "siantar-warga",
                    "client_name": "Siantar Warga",
                    "signed_in_at": "2026-11-28T02:15:00Z",
                    "last_used_at": "2026-11-28T09:40:12Z",
                    "expires_at": "2027-02-26T02:15:00Z",
                    "amr": ["pwd"],
                    "current": True,
                }
            ]
        }
    )

    id: UUID
    client_id: str
    client_name: str | None
    signed_in_at: datetime
    last_used_at: datetime
    expires_at: datetime
    amr: list[str]
    current: bool


class SessionList(BaseModel):
    items: list[SessionRead]


class SessionsRevoked(BaseModel):
    revoked: int = Field(description="How many sessions were ended")
