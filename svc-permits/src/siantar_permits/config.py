"""Settings of svc-permits: every variable starts with `PERMITS_` (e.g. `PERMITS_DATABASE_URL`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from siantar_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PERMITS_")
    SERVICE: ClassVar[str] = "permits"
    PORT: int = Field(default=8003, ge=1, le=65535)
