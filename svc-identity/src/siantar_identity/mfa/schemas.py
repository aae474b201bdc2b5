"""Request and response bodies of the second-factor endpoints."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_identity.mfa import totp
from siantar_shared.i18n import LocalizedValueError, Text

TotpCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
RecoveryCodeText = Annotated[str, StringConstraints(min_length=12, max_length=20)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]

REAUTH_DESCRIPTION = (
    "Your current password. Needed only if you signed in more than 5 minutes ago (ASVS 7.5.1); "
    "otherwise leave it out."
)


class Reauthentication(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: Password | None = Field(default=None, description=REAUTH_DESCRIPTION, repr=False)


class TotpEnrolmentStart(Reauthentication):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{}, {"password": "kata sandi saya yang panjang"}]}
    )


class TotpEnrolment(BaseModel):
    """The new secret, shown once: add it to an authenticator app (scan `otpauth_uri` as a QR code)."""

    secret: str = Field(description="Base32 secret, for typing into the app by hand.")
    otpauth_uri: str = Field(description="The `otpauth://totp/...` URI to show as a QR code.")
    digits: int = 6
    period: int = totp.STEP_SECONDS
    algorithm: str = "SHA1"


class TotpConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"code": "492039"}]})

    code: TotpCode = Field(description="The 6-digit code the authenticator app shows now.")


class RecoveryCodesRegenerate(Reauthentication):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "492039"}]})

    code: TotpCode = Field(description="The 6-digit code the authenticator app shows now.")


class TotpRemove(Reauthentication):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": "492039"}, {"recovery_code": "k7mq-2xhz-p9da"}]}
    )

    code: TotpCode | None = Field(default=None, description="The 6-digit code the authenticator shows now.")
    recovery_code: RecoveryCodeText | None = Field(
        default=None, description="One of your recovery codes, if the authenticator is lost."
    )

    @model_validator(mode="after")
    def _one_code(self) -> Self:
        if self.code is None and self.recovery_code is None:
            raise LocalizedValueError(
                Text(
                    "Isi kode autentikator atau kode pemulihan",
                    "Give the authenticator code or a recovery code",
                )
            )
        return self


class RecoveryCodes(BaseModel):
    """Ten single-use codes, shown once: each replaces the authenticator code at one sign-in."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"codes": ["k7mq-2xhz-p9da", "..."]}]})

    codes: list[str]


class MfaStatus(BaseModel):
    totp_enabled: bool = Field(description="A confirmed authenticator is required at each sign-in.")
    totp_pending: bool = Field(description="An enrolment was started and awaits confirmation.")
    confirmed_at: datetime | None
    recovery_codes_remaining: int
    required: bool = Field(description="Two-step verification is mandatory for this account (staff).")
