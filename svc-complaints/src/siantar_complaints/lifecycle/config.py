"""Settings of the lifecycle (environment variables `COMPLAINTS_...`, like the service's own settings).

The SLA budgets themselves are the SLA classes' rows; these are the lifecycle's other numbers.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LifecycleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPLAINTS_", extra="ignore")

    # the reporter may reopen (or rate low and reopen) this many working days after the resolution
    REOPEN_WINDOW_WORKING_DAYS: int = Field(default=10, ge=0)
    # a rating at or below this score may reopen the complaint (within the window)
    REOPEN_RATING_MAX: int = Field(default=2, ge=1, le=5)
    # the page where the reporter rates a resolution, sent in `complaint_resolved`
    RATING_URL: str = Field(default="http://localhost:8000/pengaduan/{tracking_number}/penilaian")
    # delivery of the notification outbox to identity
    NOTIFY_BATCH: int = Field(default=100, ge=1, le=1000)
    NOTIFY_MAX_ATTEMPTS: int = Field(default=10, ge=1)
    NOTIFY_BACKOFF_SECONDS: float = Field(default=30.0, gt=0)  # doubled after each failure
    NOTIFY_BACKOFF_MAX_SECONDS: float = Field(default=6 * 3600.0, gt=0)


def lifecycle_settings() -> LifecycleSettings:
    return LifecycleSettings()
