"""Settings of the development gateway: env prefix `GATEWAY_`, and a `.env` at the repository root.

Upstream URLs come from kong.yml (`http://svc-identity:8000`, ...) and are overridden per service for local
ports with `GATEWAY_UPSTREAM_<SERVICE_NAME_UPPER_SNAKE>`, e.g. `GATEWAY_UPSTREAM_SVC_IDENTITY=http://127.0.0.1:8001`.
"""

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from siantar_shared.settings import repo_root

# src/siantar_gateway/config.py -> gateway/kong.yml, wherever the process was started from. That is the base file
# (production limits); `make run` and the end-to-end tests load their renders, deploy/kong/kong.{dev,test}.yml.
DEFAULT_KONG_CONFIG = Path(__file__).resolve().parents[2] / "kong.yml"


def _env_files() -> tuple[Path, ...]:
    root = repo_root()
    return (root / ".env",) if root else ()


def upstream_key(service_name: str) -> str:
    """The `GATEWAY_UPSTREAM_<KEY>` suffix of a service, lower-cased as settings store it: svc-identity -> svc_identity."""
    return service_name.replace("-", "_").replace(".", "_").lower()


class GatewaySettings(BaseSettings):
    """Everything the development gateway reads from the environment."""

    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_",
        env_file=_env_files(),
        env_ignore_empty=True,
        extra="ignore",
        # GATEWAY_UPSTREAM_SVC_IDENTITY=... -> UPSTREAM["svc_identity"]; other names hold no "_" split
        env_nested_delimiter="_",
        env_nested_max_split=1,
    )

    KONG_CONFIG: Path = DEFAULT_KONG_CONFIG
    HOST: str = "127.0.0.1"
    PORT: int = Field(default=8000, ge=1, le=65535)
    LOG_LEVEL: str = "INFO"
    ACCESS_LOG: bool = Field(default=True, description="one JSON line per request (never its query string)")
    UPSTREAM: dict[str, str] = Field(default_factory=dict)
    # Optional overrides of kong.yml's per-service timeouts, in seconds (kong.yml itself is in milliseconds)
    CONNECT_TIMEOUT: float | None = Field(default=None, gt=0)
    READ_TIMEOUT: float | None = Field(default=None, gt=0)
    WRITE_TIMEOUT: float | None = Field(default=None, gt=0)
    HEALTH_TIMEOUT: float = Field(default=2.0, gt=0, description="per upstream, for GET /healthz")
    POOL_SIZE: int = Field(default=256, ge=1, description="connections kept per upstream service")
    OPENAPI_TTL: float = Field(default=10.0, ge=0, description="seconds the merged /openapi.json is kept")

    @field_validator("UPSTREAM")
    @classmethod
    def _normalise_keys(cls, value: dict[str, str]) -> dict[str, str]:
        return {upstream_key(name): url for name, url in value.items()}

    def upstream_override(self, service_name: str) -> str | None:
        """The local URL that replaces the kong.yml URL of `service_name`, if one is set."""
        return self.UPSTREAM.get(upstream_key(service_name))
