"""Pending authorization requests: what `GET /oauth/authorize` validated, kept server-side until the form
comes back. The form carries only a single-use CSRF token (stored as a hash) that names this row, so the
client, redirect URI, scopes, state and PKCE challenge cannot be changed between the page and its answer."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_identity.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class AuthorizationRequest(RecordMixin, Base):
    __tablename__ = "authorization_request"

    csrf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))  # hash of the browser-binding cookie
    client_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(1000))
    state: Mapped[str | None] = mapped_column(String(2000))
    code_challenge: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
