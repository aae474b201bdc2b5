"""Signing keys (private halves encrypted in the database so every replica signs alike), refresh-token
families and single-use authorization codes. Opaque secrets are stored only as SHA-256 hashes."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_identity.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class SigningKey(RecordMixin, Base):
    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="RS256")
    private_key_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # stops signing
    publish_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # still in the JWKS until then


class TokenFamily(RecordMixin, Base):
    """One sign-in: every refresh token rotated from it; revoking the family ends them all."""

    __tablename__ = "token_family"

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(1000), default="")
    acr: Mapped[int] = mapped_column(default=0)
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    absolute_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(64))


class RefreshToken(RecordMixin, Base):
    __tablename__ = "refresh_token"

    family_id: Mapped[UUID] = mapped_column(ForeignKey("token_family.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # rotated: presenting it again is reuse


class AuthorizationCode(RecordMixin, Base):
    __tablename__ = "authorization_code"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(1000), default="")
    code_challenge: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str | None] = mapped_column(String(255))
    acr: Mapped[int] = mapped_column(default=0)
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the sign-in its exchange started: revoked if the code is presented again (RFC 6749 §4.1.2)
    family_id: Mapped[UUID | None] = mapped_column(ForeignKey("token_family.id", ondelete="SET NULL"))
