"""Settings of svc-complaints: every variable starts with `COMPLAINTS_` (e.g. `COMPLAINTS_DATABASE_URL`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from siantar_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="COMPLAINTS_")
    SERVICE: ClassVar[str] = "complaints"
    PORT: int = Field(default=8002, ge=1, le=65535)
    # largest photo accepted, in bytes (JPEG, PNG or WebP, checked by content)
    PHOTO_MAX_BYTES: int = Field(default=10 * 1024 * 1024, ge=1024)
