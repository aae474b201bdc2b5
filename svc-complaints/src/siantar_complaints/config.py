"""Settings of svc-complaints: every variable starts with `COMPLAINTS_` (e.g. `COMPLAINTS_DATABASE_URL`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from siantar_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="COMPLAINTS_")
    SERVICE: ClassVar[str] = "complaints"
    PORT: int = Field(default=8002, ge=1, le=65535)
