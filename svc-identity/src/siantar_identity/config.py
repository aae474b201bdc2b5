"""Settings of svc-identity: every variable starts with `IDENTITY_` (e.g. `IDENTITY_DATABASE_URL`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from siantar_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_")
    SERVICE: ClassVar[str] = "identity"
    PORT: int = Field(default=8001, ge=1, le=65535)
