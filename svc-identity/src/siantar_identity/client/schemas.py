"""Request and response bodies of the API-client and API-key endpoints."""

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_identity.client import rules
from siantar_identity.client.models import ClientKind, ClientProfile
from siantar_identity.client.scopes import SCOPES
from siantar_shared.i18n import LocalizedValueError, Text

GrantType = Literal["authorization_code", "refresh_token", "password", "client_credentials"]


def _known_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise LocalizedValueError(
            Text(f"Cakupan tidak dikenal: {scope}", f"Unknown scope: {scope}; see GET /identity/v1/scopes")
        )
    return scope


def _distinct(items: list[str]) -> list[str]:
    if len(set(items)) != len(items):
        raise LocalizedValueError(Text("Tidak boleh berulang", "Items must not repeat"))
    return items


Scope = Annotated[str, AfterValidator(_known_scope)]
RedirectUri = Annotated[str, AfterValidator(rules.check_redirect_uri)]
ClientId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$"),
    Field(
        description="3-64 characters: a-z, 0-9, `.`, `_`, `-`; generated when left out",
        examples=["svc-permits"],
    ),
]


class ApiClientCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Aplikasi Lapor Siantar (Universitas X)",
                    "owner": "Universitas X, Fakultas Ilmu Komputer",
                    "contact": "developer@univ-x.ac.id",
                    "kind": "confidential",
                    "profile": "third_party",
                    "redirect_uris": ["https://lapor.univ-x.ac.id/oauth/callback"],
                    "grant_types": ["authorization_code", "refresh_token"],
                    "scopes": ["openid", "complaints:read", "complaints:write"],
                },
                {
                    "client_id": "svc-permits",
                    "name": "svc-permits",
                    "owner": "Diskominfo",
                    "contact": "tim-platform@pematangsiantar.go.id",
                    "kind": "confidential",
                    "profile": "service",
                    "grant_types": ["client_credentials"],
                    "scopes": ["notify:send", "events:read", "api-keys:check"],
                },
            ]
        },
    )

    client_id: ClientId | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    owner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)] = Field(
        description="Who answers for the client: the organisation or agency"
    )
    contact: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)] = Field(
        description="How to reach the owner about this client (a role address, not a person's private one)"
    )
    kind: ClientKind
    profile: ClientProfile
    first_party: bool = Field(default=False, description="Only the city's own citizen and staff apps")
    redirect_uris: Annotated[list[RedirectUri], Field(max_length=10), AfterValidator(_distinct)] = []
    grant_types: Annotated[list[GrantType], Field(max_length=4), AfterValidator(_distinct)] = []
    scopes: Annotated[list[Scope], Field(max_length=len(SCOPES)), AfterValidator(_distinct)] = []

    @model_validator(mode="after")
    def _sound(self) -> Self:
        rules.check_registration(
            kind=self.kind,
            profile=self.profile,
            first_party=self.first_party,
            grant_types=list(self.grant_types),
            redirect_uris=self.redirect_uris,
            scopes=self.scopes,
        )
        return self


class ApiClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    client_id: str
    name: str
    owner: str
    contact: str
    kind: str
    profile: str
    first_party: bool
    redirect_uris: list[str]
    grant_types: list[str]
    scopes: list[str]
    roles: list[str]
    created_at: datetime
    secret_rotated_at: datetime | None
    revoked_at: datetime | None


class ApiClientCreated(ApiClientRead):
    client_secret: str | None = Field(
        description="Confidential clients only: shown once, here; store it safely"
    )


class ClientSecret(BaseModel):
    client_id: str
    client_secret: str = Field(description="Shown once; the previous secret no longer works")


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key_id: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    api_key: str = Field(description="`sia_<key id>_<secret>`: shown once, here; store it safely")


class ApiKeyCheck(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"api_key": "sia_3f9a0c1d2e4b_" + "x" * 43}]}
    )

    api_key: Annotated[str, Field(min_length=1, max_length=200, repr=False)]


class ApiKeyCheckResult(BaseModel):
    """Whether an API key is valid now; services may cache the answer for at most 60 seconds."""

    valid: bool
    client_id: str | None = None
    scopes: list[str] = []
    owner: str | None = None


class ScopeRead(BaseModel):
    scope: str
    description: str
    profiles: list[str]
