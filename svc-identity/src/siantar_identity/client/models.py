"""API clients and their API keys. Client secrets and keys are stored as peppered HMACs, shown once."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_identity.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class ClientKind(StrEnum):
    public = "public"  # a mobile or single-page app: no secret, PKCE
    confidential = "confidential"  # a server: client_secret


class ClientProfile(StrEnum):
    """Decides the refresh-token lifetime and which grants may be used."""

    citizen_app = "citizen_app"  # the city's own citizen app (first party)
    staff_app = "staff_app"  # the city's officer console (first party)
    third_party = "third_party"
    service = "service"  # a platform service calling another (client credentials)


class ApiClient(RecordMixin, Base):
    __tablename__ = "api_client"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    profile: Mapped[str] = mapped_column(String(16))
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)  # ["service"] for service clients
    owner: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[UUID | None] = mapped_column()
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiKey(RecordMixin, Base):
    """`prefix_keyid_secret`: looked up by key id, checked against the HMAC of the whole key."""

    __tablename__ = "api_key"

    client_id: Mapped[UUID] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
