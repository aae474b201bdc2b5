"""Settings of svc-complaints: every variable starts with `COMPLAINTS_` (e.g. `COMPLAINTS_DATABASE_URL`)."""

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.open311.config import Open311Settings
from siantar_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="COMPLAINTS_")
    SERVICE: ClassVar[str] = "complaints"
    REQUIRED_IN_PRODUCTION: ClassVar[frozenset[str]] = frozenset({"IDENTITY_CLIENT_SECRET", "MODERATION_KEY"})
    COMPONENT_SETTINGS: ClassVar[tuple[type[BaseSettings], ...]] = (LifecycleSettings, Open311Settings)
    PORT: int = Field(default=8002, ge=1, le=65535)
    # largest photo accepted, in bytes (JPEG, PNG or WebP, checked by content)
    PHOTO_MAX_BYTES: int = Field(default=10 * 1024 * 1024, ge=1024)
    # largest number of photos on one complaint (uploaded one per request)
    PHOTOS_PER_COMPLAINT: int = Field(default=5, ge=1, le=20)
    # tracking numbers: "<prefix>-<year>-<6 digits>", from a locked counter per year
    TRACKING_PREFIX: str = Field(default="SIANTAR", pattern=r"^[A-Z][A-Z0-9]{1,11}$")
    # suggested duplicates at submission: open public complaints of the same category this close and this recent
    DUPLICATE_RADIUS_M: float = Field(default=100.0, gt=0, le=110.0)  # the grid's neighbourhood covers 110 m
    DUPLICATE_WINDOW_DAYS: int = Field(default=30, ge=1)
    DUPLICATE_LIMIT: int = Field(default=5, ge=0, le=20)
    # AES-256-GCM key (32 bytes, base64url) sealing the originals moderators replace; required in production,
    # generated once under var/ in development
    MODERATION_KEY: SecretStr | None = None
