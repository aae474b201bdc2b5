"""The audit trail as the data protection officer reads it."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class AuditRecordRead(BaseModel):
    """Who did what to whose data, when, from where and why."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    created_at: datetime = Field(description="When (UTC)")
    action: str = Field(description="What: e.g. sign_in, pii.read, account.erased, consent.withdrawn")
    outcome: str = Field(description="success, failure, denied, ...")
    actor_id: UUID | None = Field(description="Who: the account or the API client's record")
    actor_kind: str = Field(description="account, client, system or anonymous")
    subject_id: UUID | None = Field(description="Whose data or account")
    client_id: str | None = Field(description="Through which app or service")
    ip: str | None = Field(description="From where")
    request_id: str | None = Field(description="The X-Request-ID, to find the request in the logs")
    purpose: str | None = Field(description="Why personal data was read")
    detail: dict[str, Any]
