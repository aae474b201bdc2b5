"""What the authorization endpoint reads (query and form, as raw text: every check is the service's, so
that a bad value becomes an error page or an error redirect, never a JSON 422) and what it validated."""

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from siantar_identity.client.models import ApiClient
from siantar_shared.i18n import Language, Text


class AuthorizeQuery(BaseModel):
    """RFC 6749 §4.1.1 with PKCE (RFC 7636) and the OpenID Connect `nonce`, `ui_locales`, `prompt`."""

    response_type: str | None = Field(default=None, description="Must be `code`.")
    client_id: str | None = Field(default=None, description="The app's registered client id.")
    redirect_uri: str | None = Field(
        default=None, description="Exactly one of the app's registered redirect URIs (string equality)."
    )
    scope: str | None = Field(
        default=None, description="Space-separated scopes, among the app's allowed ones."
    )
    state: str | None = Field(default=None, description="Opaque value returned to the app unchanged.")
    code_challenge: str | None = Field(
        default=None, description="BASE64URL(SHA-256(code_verifier)), 43 characters."
    )
    code_challenge_method: str | None = Field(default=None, description="Must be `S256`.")
    nonce: str | None = Field(default=None, description="Optional OpenID Connect nonce.")
    ui_locales: str | None = Field(default=None, description="`id` or `en` (else Accept-Language decides).")
    prompt: str | None = Field(default=None, description="`none` is answered with `login_required`.")


class AuthorizeForm(BaseModel):
    """The sign-in and consent form of the page."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "csrf_token": "Jx3n0l5Zk2c8V4yq1mP7aRt9sWb6dEf0gHi2jKl4mNo",
                    "identifier": "+6281234567890",
                    "password": "kopi-tubruk-di-pasar-horas",
                    "decision": "allow",
                },
                {"csrf_token": "Jx3n0l5Zk2c8V4yq1mP7aRt9sWb6dEf0gHi2jKl4mNo", "decision": "deny"},
            ]
        }
    )

    csrf_token: str | None = None
    identifier: str | None = Field(
        default=None, description="Phone number, e-mail address or staff username."
    )
    password: str | None = Field(default=None, repr=False)
    otp: str | None = Field(default=None, description="Authenticator code, when the account has one.")
    recovery_code: str | None = Field(default=None, repr=False)
    decision: str | None = Field(default=None, description="`allow` or `deny`.")


@dataclass(frozen=True)
class ValidatedRequest:
    client: ApiClient
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str
    nonce: str | None
    language: Language

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)


# What each scope lets an app do, in plain words for the consent page.
SCOPE_DESCRIPTIONS: dict[str, Text] = {
    "openid": Text(
        "Mengetahui bahwa Anda adalah pemilik akun ini", "Know that you are the owner of this account"
    ),
    "profile": Text("Melihat nama Anda", "See your name"),
    "complaints:read": Text(
        "Melihat pengaduan Anda dan perkembangannya", "See your complaints and their progress"
    ),
    "complaints:write": Text("Mengirim pengaduan atas nama Anda", "Submit complaints on your behalf"),
    "open311:write": Text("Mengirim laporan Open311 atas nama Anda", "Submit Open311 reports on your behalf"),
    "permits:read": Text("Melihat permohonan izin Anda", "See your permit applications"),
    "permits:write": Text(
        "Mengajukan dan mengubah permohonan izin atas nama Anda",
        "Submit and change permit applications on your behalf",
    ),
    "offline_access": Text(
        "Tetap terhubung saat Anda tidak sedang memakai aplikasinya",
        "Stay connected while you are not using the app",
    ),
}


def describe_scope(scope: str) -> Text:
    return SCOPE_DESCRIPTIONS.get(scope, Text(f"Akses: {scope}", f"Access: {scope}"))
