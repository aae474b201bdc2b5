"""ServiceSettings: development defaults that need no environment, a strict production, driver URLs; demo data."""

import json
import stat
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from siantar_shared import demo
from siantar_shared.settings import Environment, ServiceSettings, async_database_url, repo_root

REPO = Path(__file__).resolve().parents[2]
GOOD_SECRET = "s3cr3t-value-long-enough-for-prod"
PG_URL = "postgresql://siantar:pw@db.internal:5432/demo"


class DemoSettings(ServiceSettings):
    """A service's settings as a service declares them: a prefix, a secret, a development-only adapter."""

    model_config = SettingsConfigDict(env_prefix="DEMO_")
    SERVICE: ClassVar[str] = "demo"
    DEV_ONLY_VALUES: ClassVar[dict[str, frozenset[str]]] = {"STORAGE": frozenset({"local", "memory"})}

    SIGNING_SECRET: SecretStr = SecretStr("changeme")
    WEBHOOK_SECRET: SecretStr | None = None
    STORAGE: str = "local"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the developer's shell leaks in: every test states its own environment."""
    for name in ("ENV", "SIANTAR_ENV", "SIANTAR_VAR_DIR", "DATABASE_URL", "VAR_DIR", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    for name in DemoSettings.model_fields:
        monkeypatch.delenv(f"DEMO_{name}", raising=False)


def production(monkeypatch: pytest.MonkeyPatch, **overrides: str | None) -> None:
    """A complete, valid production environment, with `overrides` (None removes a variable)."""
    env = {
        "SIANTAR_ENV": "production",
        "DEMO_DATABASE_URL": PG_URL,
        "DEMO_SIGNING_SECRET": GOOD_SECRET,
        "DEMO_WEBHOOK_SECRET": GOOD_SECRET + "-2",
        "DEMO_STORAGE": "s3",
        "DEMO_STORAGE_BACKEND": "s3",  # the platform's file storage: local files are refused in production
        "DEMO_STORAGE_S3_BUCKET": "siantar-demo",
        "DEMO_STORAGE_S3_ACCESS_KEY": "svc-demo",
        "DEMO_STORAGE_S3_SECRET_KEY": GOOD_SECRET + "-3",
    } | overrides
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def problems(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(excinfo.value)


class TestDevelopmentDefaults:
    def test_no_environment_needed(self) -> None:
        settings = ServiceSettings(_env_file=None)
        assert settings.ENV == Environment.development
        assert not settings.is_production
        assert settings.VAR_DIR == REPO / "var"
        assert settings.DATABASE_URL == f"sqlite+aiosqlite:///{REPO / 'var' / 'service.db'}"

    def test_database_named_after_the_service(self) -> None:
        settings = DemoSettings(_env_file=None)
        assert settings.DATABASE_URL == f"sqlite+aiosqlite:///{REPO / 'var' / 'demo.db'}"
        assert settings.SIGNING_SECRET.get_secret_value() == "changeme"  # fine outside production

    def test_repo_root_found(self) -> None:
        assert repo_root() == REPO

    def test_independent_of_the_working_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        settings = DemoSettings(_env_file=None)
        assert settings.VAR_DIR == REPO / "var"
        assert str(tmp_path) not in settings.DATABASE_URL

    def test_var_dir_from_environment(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SIANTAR_VAR_DIR", str(tmp_path))
        settings = DemoSettings(_env_file=None)
        assert settings.VAR_DIR == tmp_path
        assert settings.DATABASE_URL == f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"

    def test_relative_var_dir_is_anchored_at_the_repository(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("SIANTAR_VAR_DIR", "var/elsewhere")
        settings = DemoSettings(_env_file=None)
        assert settings.VAR_DIR == REPO / "var" / "elsewhere"
        assert settings.DATABASE_URL == f"sqlite+aiosqlite:///{REPO / 'var' / 'elsewhere' / 'demo.db'}"

    def test_var_dir_by_keyword(self, tmp_path: Path) -> None:
        settings = DemoSettings(_env_file=None, VAR_DIR=tmp_path)
        assert settings.VAR_DIR == tmp_path
        assert settings.DATABASE_URL.endswith(f"{tmp_path / 'demo.db'}")

    def test_prefixed_variables_are_read(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DEMO_DATABASE_URL", PG_URL)
        monkeypatch.setenv("DEMO_PORT", "8123")
        monkeypatch.setenv("DATABASE_URL", "postgresql://someone-else/db")  # another service's: ignored
        settings = DemoSettings(_env_file=None)
        assert settings.DATABASE_URL == "postgresql+asyncpg://siantar:pw@db.internal:5432/demo"
        assert settings.PORT == 8123

    def test_empty_variable_means_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DEMO_DATABASE_URL", "")
        assert DemoSettings(_env_file=None).DATABASE_URL.startswith("sqlite+aiosqlite:///")

    def test_jwks_url(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DEMO_IDENTITY_URL", "http://identity:8001/")
        assert DemoSettings(_env_file=None).jwks_url == "http://identity:8001/identity/.well-known/jwks.json"
        monkeypatch.setenv("DEMO_JWKS_URL", "https://keys.example/jwks.json")
        assert DemoSettings(_env_file=None).jwks_url == "https://keys.example/jwks.json"

    def test_log_level_normalised(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DEMO_LOG_LEVEL", "debug")
        assert DemoSettings(_env_file=None).LOG_LEVEL == "DEBUG"


class TestBadInput:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("SIANTAR_ENV", "staging"),
            ("ENV", "prod"),
            ("DEMO_PORT", "0"),
            ("DEMO_PORT", "65536"),
            ("DEMO_PORT", "eighty"),
            ("DEMO_DB_POOL_SIZE", "0"),
            ("DEMO_CPU_WORKERS", "0"),
            ("DEMO_CPU_WORKERS", "1000"),
            ("DEMO_IDEMPOTENCY_TTL_HOURS", "1"),
            ("DEMO_SHUTDOWN_GRACE_SECONDS", "-1"),
            ("DEMO_LOG_LEVEL", "verbose"),
        ],
    )
    def test_refused(self, monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError):
            DemoSettings(_env_file=None)


class TestProduction:
    def test_complete_environment_accepted(self, monkeypatch: pytest.MonkeyPatch) -> None:
        production(monkeypatch)
        settings = DemoSettings(_env_file=None)
        assert settings.is_production
        assert settings.DATABASE_URL == "postgresql+asyncpg://siantar:pw@db.internal:5432/demo"
        assert settings.SIGNING_SECRET.get_secret_value() == GOOD_SECRET

    @pytest.mark.parametrize("variable", ["ENV", "SIANTAR_ENV"])
    def test_database_url_required(self, monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
        production(monkeypatch, SIANTAR_ENV=None, DEMO_DATABASE_URL=None)
        monkeypatch.setenv(variable, "production")
        with pytest.raises(ValidationError) as excinfo:
            DemoSettings(_env_file=None)
        assert "DATABASE_URL is required in production" in problems(excinfo)

    def test_base_settings_need_a_database_too(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ENV", "production")
        with pytest.raises(ValidationError, match="DATABASE_URL is required"):
            ServiceSettings(_env_file=None)

    @pytest.mark.parametrize(
        "url", ["sqlite:///var/demo.db", "sqlite+aiosqlite:////srv/demo.db", "sqlite://", "SQLITE:///x.db"]
    )
    def test_sqlite_refused(self, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
        production(monkeypatch, DEMO_DATABASE_URL=url)
        with pytest.raises(ValidationError, match="SQLite is refused in production"):
            DemoSettings(_env_file=None)

    def test_secret_left_at_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        production(monkeypatch, DEMO_SIGNING_SECRET=None)
        with pytest.raises(ValidationError, match="SIGNING_SECRET must be set to a real secret"):
            DemoSettings(_env_file=None)

    def test_optional_secret_left_unset_is_accepted(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # `SecretStr | None` is optional (e.g. an SMTP password when e-mail is not used); required ones are
        # plain `SecretStr`
        production(monkeypatch, DEMO_WEBHOOK_SECRET=None)
        assert DemoSettings(_env_file=None).WEBHOOK_SECRET is None

    def test_optional_secret_given_as_placeholder_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        production(monkeypatch, DEMO_WEBHOOK_SECRET="changeme")
        with pytest.raises(ValidationError, match="WEBHOOK_SECRET must be set to a real secret"):
            DemoSettings(_env_file=None)

    @pytest.mark.parametrize(
        "placeholder", ["changeme", "CHANGEME", " changeme ", "change-me", "password", "secret"]
    )
    def test_placeholder_secret(self, monkeypatch: pytest.MonkeyPatch, placeholder: str) -> None:
        production(monkeypatch, DEMO_SIGNING_SECRET=placeholder)
        with pytest.raises(ValidationError, match="SIGNING_SECRET must be set to a real secret"):
            DemoSettings(_env_file=None)

    def test_placeholder_given_by_keyword(self, monkeypatch: pytest.MonkeyPatch) -> None:
        production(monkeypatch, DEMO_SIGNING_SECRET=None)
        with pytest.raises(ValidationError, match="SIGNING_SECRET must be set"):
            DemoSettings(_env_file=None, SIGNING_SECRET=SecretStr("changeme"))

    def test_short_secret(self, monkeypatch: pytest.MonkeyPatch) -> None:
        production(monkeypatch, DEMO_SIGNING_SECRET="short-but-real")
        with pytest.raises(ValidationError, match="SIGNING_SECRET is too short"):
            DemoSettings(_env_file=None)

    @pytest.mark.parametrize("adapter", ["local", "LOCAL", "memory"])
    def test_development_adapter_refused(self, monkeypatch: pytest.MonkeyPatch, adapter: str) -> None:
        production(monkeypatch, DEMO_STORAGE=adapter)
        with pytest.raises(ValidationError, match="STORAGE=.* is a development adapter"):
            DemoSettings(_env_file=None)

    def test_development_adapter_is_the_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        production(monkeypatch, DEMO_STORAGE=None)
        with pytest.raises(ValidationError, match="STORAGE=local is a development adapter"):
            DemoSettings(_env_file=None)

    def test_every_problem_reported_at_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        production(monkeypatch, DEMO_DATABASE_URL=None, DEMO_SIGNING_SECRET="changeme", DEMO_STORAGE="local")
        with pytest.raises(ValidationError) as excinfo:
            DemoSettings(_env_file=None)
        message = problems(excinfo)
        assert "DATABASE_URL is required" in message
        assert "SIGNING_SECRET must be set" in message
        assert "STORAGE=local" in message

    def test_secret_value_not_in_the_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        production(monkeypatch, DEMO_SIGNING_SECRET="tooshort123")
        with pytest.raises(ValidationError) as excinfo:
            DemoSettings(_env_file=None)
        assert "tooshort123" not in problems(excinfo)

    def test_development_allows_what_production_refuses(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DEMO_DATABASE_URL", "sqlite:///tmp/x.db")
        monkeypatch.setenv("DEMO_SIGNING_SECRET", "changeme")
        settings = DemoSettings(_env_file=None)
        assert settings.STORAGE == "local"
        assert settings.DATABASE_URL == "sqlite+aiosqlite:///tmp/x.db"


class TestAsyncDatabaseUrl:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("postgresql://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
            ("postgres://u@h/d", "postgresql+asyncpg://u@h/d"),
            ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
            ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
            ("sqlite+aiosqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
            ("sqlite://", "sqlite+aiosqlite://"),
            ("", ""),
        ],
    )
    def test_driver(self, url: str, expected: str) -> None:
        assert async_database_url(url) == expected

    def test_only_the_scheme_changes(self) -> None:
        url = "postgresql://u:p@h/d?options=-csearch_path%3Dpostgresql://"
        assert async_database_url(url) == "postgresql+asyncpg://u:p@h/d?options=-csearch_path%3Dpostgresql://"


def demo_settings(var_dir: Path) -> DemoSettings:
    settings = DemoSettings(_env_file=None, VAR_DIR=var_dir)
    assert settings.VAR_DIR == var_dir  # never the repository's own var/
    return settings


class TestDemoCredentials:
    def test_missing_file_reads_empty(self, tmp_path: Path) -> None:
        settings = demo_settings(tmp_path)
        assert demo.read_demo_credentials(settings) == {"accounts": [], "api_clients": []}

    def test_round_trip_owner_only(self, tmp_path: Path) -> None:
        settings = demo_settings(tmp_path / "nested")
        accounts = [{"username": "warga", "password": "rahasia", "roles": ["citizen"]}]
        path = demo.write_demo_credentials(settings, accounts=accounts, api_clients=[])
        assert path == tmp_path / "nested" / demo.FILE_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert demo.read_demo_credentials(settings) == {"accounts": accounts, "api_clients": []}
        assert list(path.parent.iterdir()) == [path]  # no temporary file left behind

    def test_stale_temporary_file_does_not_widen_permissions(self, tmp_path: Path) -> None:
        settings = demo_settings(tmp_path)
        stale = (tmp_path / demo.FILE_NAME).with_suffix(".tmp")
        stale.write_text("{}")
        stale.chmod(0o644)
        path = demo.write_demo_credentials(settings, accounts=[], api_clients=[])
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_replaces_previous_content(self, tmp_path: Path) -> None:
        settings = demo_settings(tmp_path)
        demo.write_demo_credentials(settings, accounts=[{"username": "a"}], api_clients=[])
        demo.write_demo_credentials(settings, accounts=[], api_clients=[{"client_id": "c"}])
        data = json.loads((tmp_path / demo.FILE_NAME).read_text())
        assert data == {"accounts": [], "api_clients": [{"client_id": "c"}]}

    @pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"accounts": 5}'])
    def test_corrupt_file_reads_empty(self, tmp_path: Path, content: str) -> None:
        (tmp_path / demo.FILE_NAME).write_text(content)
        settings = demo_settings(tmp_path)
        assert demo.read_demo_credentials(settings) == {"accounts": [], "api_clients": []}

    def test_refused_in_production(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        production(monkeypatch)
        settings = demo_settings(tmp_path)
        with pytest.raises(RuntimeError, match="development feature"):
            demo.write_demo_credentials(settings, accounts=[], api_clients=[])
        assert not (tmp_path / demo.FILE_NAME).exists()
