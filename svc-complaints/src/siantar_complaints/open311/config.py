"""Settings of the Open311 facade: variables `COMPLAINTS_OPEN311_*` (e.g. `COMPLAINTS_OPEN311_JURISDICTION_ID`).

Kept apart from the service's `Settings` so that the facade owns them; read once per process.
"""

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Open311Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPLAINTS_OPEN311_", extra="ignore")

    # the city's web root without "www" (domain brief §2.5; confirm the canonical domain with Diskominfo)
    JURISDICTION_ID: str = "pematangsiantar.go.id"
    # the public URL of the v2 base as clients see it (through the gateway); empty: taken from the request
    PUBLIC_URL: str = ""
    CONTACT: str = "Diskominfo Kota Pematangsiantar, platform@pematangsiantar.go.id"
    KEY_SERVICE: str = (
        "Kunci API (api_key) diberikan oleh Diskominfo Kota Pematangsiantar: ajukan melalui "
        "platform@pematangsiantar.go.id. / API keys are issued by Diskominfo Kota Pematangsiantar."
    )
    # discovery `changeset`: when this interface last changed in a way clients should notice
    CHANGESET: str = "2026-11-28T00:00:00+07:00"
    # GET requests: the spec's default volume is the last 90 days or the first 1,000 requests
    DEFAULT_WINDOW_DAYS: int = Field(default=90, ge=1)
    MAX_WINDOW_DAYS: int = Field(default=90, ge=1)
    MAX_REQUESTS: int = Field(default=1000, ge=1)
    DEFAULT_PAGE_SIZE: int = Field(default=1000, ge=1)
    # the scope an API client needs to POST requests (and updates)
    WRITE_SCOPE: str = "open311:write"
    # the scope a staff system's API client needs to POST servicerequestupdates
    UPDATES_SCOPE: str = "open311:updates"


@cache
def get_settings() -> Open311Settings:
    return Open311Settings()
