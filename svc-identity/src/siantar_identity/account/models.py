"""Accounts and their secrets. Personal data (NIK, phone, email) is stored encrypted, with keyed hashes
(`*_index`) for uniqueness and look-up, and a masked form for display; the subject UUID is the key."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_identity.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class AccountKind(StrEnum):
    citizen = "citizen"
    staff = "staff"
    guest = "guest"  # a reporter registered at a counter, by SMS or through Open311: unverified, no password


class AccountStatus(StrEnum):
    active = "active"
    pending = "pending"  # registered, contact not verified yet
    disabled = "disabled"
    erased = "erased"  # pseudonymised on the person's request (UU 27/2022)


class Account(RecordMixin, Base):
    __tablename__ = "account"

    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=AccountStatus.pending)
    full_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="id")
    username: Mapped[str | None] = mapped_column(String(64), unique=True)  # staff sign in by username

    phone_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    email_masked: Mapped[str | None] = mapped_column(String(120))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    nik_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    nik_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    nik_masked: Mapped[str | None] = mapped_column(String(16))
    assurance_level: Mapped[int] = mapped_column(Integer, default=0)
    assurance_method: Mapped[str | None] = mapped_column(String(32))
    assurance_verifier: Mapped[str | None] = mapped_column(String(64))
    assurance_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agency.code"), index=True)

    totp_secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # a TOTP code is accepted once

    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # processing restricted (PDP Ps. 11)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as declared


class CodePurpose(StrEnum):
    verify_phone = "verify_phone"
    verify_email = "verify_email"
    reset_password = "reset_password"  # noqa: S105 - a purpose name, not a password
    change_phone = "change_phone"  # a code sent to the new number of a signed-in person
    change_email = "change_email"


class OneTimeCode(RecordMixin, Base):
    """A 6-digit code sent out of band: single use, short-lived, limited attempts, bound to its target."""

    __tablename__ = "one_time_code"

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    target_index: Mapped[str] = mapped_column(String(64))  # keyed hash of the phone/email it was sent to
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(RecordMixin, Base):
    """Single-use codes that replace a lost second factor; stored hashed."""

    __tablename__ = "recovery_code"

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
