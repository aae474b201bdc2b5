"""Production refuses to start without what complaints needs there; development runs without it."""

import base64

import pytest
from pydantic import ValidationError

from siantar_complaints.config import Settings

PRODUCTION = {
    "ENV": "production",
    "DATABASE_URL": "postgresql://complaints:secret@db:5432/complaints",
    "STORAGE_BACKEND": "s3",
    "STORAGE_S3_BUCKET": "siantar-complaints",
    "STORAGE_S3_ACCESS_KEY": "complaints",
    "STORAGE_S3_SECRET_KEY": "a-real-secret-of-32-characters!!",
}
KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


@pytest.mark.parametrize("missing", ["IDENTITY_CLIENT_SECRET", "MODERATION_KEY"])
def test_production_needs_the_identity_secret_and_the_moderation_key(missing: str) -> None:
    given = {"IDENTITY_CLIENT_SECRET": "client-secret-of-32-characters!!", "MODERATION_KEY": KEY}
    del given[missing]
    with pytest.raises(ValidationError, match=f"{missing} must be set in production"):
        Settings(_env_file=None, **PRODUCTION, **given)
    Settings(
        _env_file=None,
        **PRODUCTION,
        IDENTITY_CLIENT_SECRET="client-secret-of-32-characters!!",
        MODERATION_KEY=KEY,
    )


def test_development_runs_without_them() -> None:
    settings = Settings(_env_file=None)
    assert settings.IDENTITY_CLIENT_SECRET is None
    assert settings.MODERATION_KEY is None
