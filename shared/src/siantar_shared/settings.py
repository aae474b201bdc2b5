"""Settings base: one prefix per service, development defaults that need no configuration, strict production.

In development every service works with no configuration at all: SQLite files under `var/` at the repository
root (the `SIANTAR_VAR_DIR` setting, never the working directory), development adapters and generated secrets.
With `ENV=production` (or `SIANTAR_ENV=production`) the database URL and every secret must be given, known
placeholders are refused, and SQLite, local file storage and development adapters are refused.
"""

from enum import Enum, StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "password",
        "placeholder",
        "example",
        "dev",
        "development",
        "test",
        "xxx",
        "todo",
        "insecure",
        "default",
    }
)


LogLevel = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]
StorageBackend = Literal["local", "s3"]


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


@lru_cache
def repo_root() -> Path | None:
    """The workspace root (the folder holding `uv.lock`) when running from a checkout, else None."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "uv.lock").is_file() and (parent / "shared").is_dir():
            return parent
    return None


def default_var_dir() -> Path:
    root = repo_root()
    return root / "var" if root else Path.home() / ".local" / "share" / "siantar"


def _env_files() -> tuple[Path, ...]:
    root = repo_root()
    return (root / ".env",) if root else ()


class ServiceSettings(BaseSettings):
    """Base of every service's `Settings`. Subclasses set `SERVICE` and `model_config.env_prefix`."""

    # validate_by_name: `Settings(VAR_DIR=...)` works too, not only the SIANTAR_VAR_DIR alias
    model_config = SettingsConfigDict(
        env_file=_env_files(),
        env_ignore_empty=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
    )

    SERVICE: ClassVar[str] = "service"
    # setting name -> values that are development-only (adapters, local storage); refused in production.
    # A subclass's own entries are added to these (see __pydantic_init_subclass__), never replace them.
    DEV_ONLY_VALUES: ClassVar[dict[str, frozenset[str]]] = {"STORAGE_BACKEND": frozenset({"local"})}
    # a service that keeps no files (identity) is not asked for object storage in production
    USES_STORAGE: ClassVar[bool] = True
    # optional settings (`X | None`) a service refuses to start without in production, e.g. the client secret
    # of a service that calls identity; development runs without them (a development adapter stands in)
    REQUIRED_IN_PRODUCTION: ClassVar[frozenset[str]] = frozenset()
    # settings classes of the service's own domains that read more `<SVC>_*` variables (kept beside the code
    # that uses them); listed so that the deployment checks see every variable a service reads
    COMPONENT_SETTINGS: ClassVar[tuple[type[BaseSettings], ...]] = ()

    ENV: Environment = Field(
        default=Environment.development, validation_alias=AliasChoices("SIANTAR_ENV", "ENV")
    )
    VAR_DIR: Path = Field(default_factory=default_var_dir, validation_alias=AliasChoices("SIANTAR_VAR_DIR"))
    DATABASE_URL: str = ""
    HOST: str = "127.0.0.1"
    PORT: int = Field(default=8000, ge=1, le=65535)
    DB_POOL_SIZE: int = Field(default=5, ge=1, le=100)
    # Proxies whose X-Forwarded-For is trusted (the gateway): comma-separated IPs or CIDRs, or "*" when the
    # network admits the gateway alone (Kubernetes NetworkPolicy); the client IP scopes anonymous rate limits.
    FORWARDED_ALLOW_IPS: str = "127.0.0.1"
    LOG_LEVEL: LogLevel = "INFO"
    # Tokens: verified locally against the identity service's JWKS
    IDENTITY_URL: str = "http://127.0.0.1:8001"
    TOKEN_ISSUER: str = "http://127.0.0.1:8000/identity"  # noqa: S105 - a URL, not a password
    TOKEN_AUDIENCE: str = "siantar"  # noqa: S105 - an audience name, not a password
    JWKS_URL: str = ""
    # This service's own registration in identity (client credentials), for calls to identity (notifications,
    # guest reporters, API key checks, the event feed); the id defaults to "svc-<service>"
    IDENTITY_CLIENT_ID: str = ""
    IDENTITY_CLIENT_SECRET: SecretStr | None = None
    # Off-loop CPU work (hashing, images, PDFs) and request handling limits
    CPU_WORKERS: int = Field(default=4, ge=1, le=64)
    IDEMPOTENCY_TTL_HOURS: int = Field(default=24, ge=24)
    SHUTDOWN_GRACE_SECONDS: int = Field(default=20, ge=0)
    # Files (photos, documents): "local" = var/<service>/uploads (development only), "s3" = S3-compatible
    # object storage such as MinIO (path-style addresses); an empty endpoint means AWS itself
    STORAGE_BACKEND: StorageBackend = "local"
    STORAGE_S3_ENDPOINT: str = ""
    STORAGE_S3_BUCKET: str = ""
    STORAGE_S3_REGION: str = "us-east-1"
    STORAGE_S3_ACCESS_KEY: str = ""
    STORAGE_S3_SECRET_KEY: SecretStr | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Keep the platform's development-only values (local storage) when a service declares its own."""
        super().__pydantic_init_subclass__(**kwargs)
        merged = dict(ServiceSettings.DEV_ONLY_VALUES)
        for name, values in cls.DEV_ONLY_VALUES.items():
            merged[name] = merged.get(name, frozenset()) | values
        cls.DEV_ONLY_VALUES = merged

    @property
    def is_production(self) -> bool:
        return self.ENV == Environment.production

    @property
    def identity_client_id(self) -> str:
        return self.IDENTITY_CLIENT_ID or f"svc-{self.SERVICE}"

    @property
    def jwks_url(self) -> str:
        return self.JWKS_URL or f"{self.IDENTITY_URL.rstrip('/')}/identity/.well-known/jwks.json"

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("STORAGE_BACKEND", mode="before")
    @classmethod
    def _lower_storage_backend(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("VAR_DIR", mode="after")
    @classmethod
    def _anchor_var_dir(cls, value: Path) -> Path:
        """A relative `SIANTAR_VAR_DIR` is relative to the repository root, never to the working directory."""
        value = value.expanduser()
        if value.is_absolute():
            return value
        root = repo_root()
        return (root / value if root else value).absolute()

    @model_validator(mode="after")
    def _fill_and_check(self) -> Self:
        if not self.DATABASE_URL and not self.is_production:
            self.DATABASE_URL = f"sqlite:///{self.VAR_DIR / (self.SERVICE + '.db')}"
        self.DATABASE_URL = async_database_url(self.DATABASE_URL)
        if self.is_production:
            self._check_production()
        elif problems := self._storage_problems():
            raise ValueError("; ".join(problems))
        return self

    def _storage_problems(self) -> list[str]:
        """S3 needs a bucket everywhere; in production also an access key (the secret key is checked as one)."""
        if self.STORAGE_BACKEND != "s3" or not self.USES_STORAGE:
            return []
        problems = (
            []
            if self.STORAGE_S3_BUCKET.strip()
            else ["STORAGE_S3_BUCKET is required with STORAGE_BACKEND=s3"]
        )
        if self.is_production and not self.STORAGE_S3_ACCESS_KEY.strip():
            problems.append("STORAGE_S3_ACCESS_KEY is required in production")
        if self.is_production and self.STORAGE_S3_SECRET_KEY is None:
            problems.append("STORAGE_S3_SECRET_KEY must be set to a real secret in production")
        return problems

    def _check_production(self) -> None:
        problems = []
        if not self.DATABASE_URL:
            problems.append("DATABASE_URL is required in production")
        elif self.DATABASE_URL.lower().startswith("sqlite"):
            problems.append("SQLite is refused in production: use PostgreSQL")
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            # a `SecretStr` setting is required; a `SecretStr | None` one only when given (or required by
            # another rule, e.g. the S3 secret with STORAGE_BACKEND=s3), and then it must be real
            if field.annotation is SecretStr or isinstance(value, SecretStr):
                secret = value.get_secret_value() if isinstance(value, SecretStr) else ""
                if name not in self.model_fields_set or secret.strip().lower() in PLACEHOLDERS:
                    problems.append(f"{name} must be set to a real secret in production")
                elif len(secret) < 16:
                    problems.append(f"{name} is too short for a production secret (16+ characters)")
        problems += [
            f"{name} must be set in production"
            for name in sorted(self.REQUIRED_IN_PRODUCTION)
            if getattr(self, name) is None
        ]
        problems += self._storage_problems()
        for name, dev_values in self.DEV_ONLY_VALUES.items():
            if name == "STORAGE_BACKEND" and not self.USES_STORAGE:
                continue
            value = getattr(self, name)
            value = str(value.value if isinstance(value, Enum) else value)
            if value.strip().lower() in {dev.lower() for dev in dev_values}:
                problems.append(f"{name}={value} is a development adapter, refused in production")
        if problems:
            raise ValueError("; ".join(problems))


def async_database_url(url: str) -> str:
    """Pick the async driver: `postgresql://` becomes asyncpg, `sqlite://` aiosqlite (schemes are case-blind)."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url[: len(plain)].lower() == plain:
            return driver + url[len(plain) :]
    return url
