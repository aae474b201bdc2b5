""".env.example documents every variable a member reads and every variable docker-compose.yml reads, sets
what compose requires, and changes nothing for `make run` when copied to .env."""

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from deploy_testkit import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    KONG_YML,
    SERVICE_DIRS,
    VARIABLE,
    env_example_entries,
    environment,
    kong_upstream_hosts,
    read_yaml,
    service_name,
)
from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings

from siantar_gateway.config import GatewaySettings, upstream_key
from siantar_shared.settings import ServiceSettings

# read with os.environ outside any settings class
OTHER_VARIABLES = {"TEST_DATABASE_URL"}


def service_settings() -> dict[str, type[ServiceSettings]]:
    """svc-<name> folder -> siantar_<name>.config.Settings."""
    return {f: importlib.import_module(f"siantar_{service_name(f)}.config").Settings for f in SERVICE_DIRS}


def settings_classes() -> list[type[BaseSettings]]:
    services = list(service_settings().values())
    components = [component for cls in services for component in cls.COMPONENT_SETTINGS]
    return [*services, *components, GatewaySettings]


def variables_of(cls: type[BaseSettings]) -> set[str]:
    """The environment names a settings class reads: its aliases, else prefix + field name."""
    prefix, names = cls.model_config.get("env_prefix", ""), set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {choice for choice in alias.choices if isinstance(choice, str)}
        elif isinstance(alias, str):
            names.add(alias)
        elif cls is GatewaySettings and field_name == "UPSTREAM":  # one per kong.yml service
            names |= {
                f"GATEWAY_UPSTREAM_{upstream_key(n).upper()}"
                for n in kong_upstream_hosts(read_yaml(KONG_YML))
            }
        else:
            names.add(f"{prefix}{field_name}")
    return names


def member_variables() -> set[str]:
    return set().union(*(variables_of(cls) for cls in settings_classes())) | OTHER_VARIABLES


def compose_variables() -> dict[str, str]:
    """Variables docker-compose.yml interpolates: name -> operator (':?' required, ':-' defaulted)."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    return {match["name"]: match["op"] or "" for match in VARIABLE.finditer(text)}


@pytest.fixture(scope="module")
def entries() -> dict[str, tuple[bool, str]]:
    return env_example_entries(ENV_EXAMPLE.read_text(encoding="utf-8"))


def test_every_member_variable_is_documented(entries: dict[str, tuple[bool, str]]) -> None:
    assert member_variables() - entries.keys() == set()


def test_every_compose_variable_is_documented(entries: dict[str, tuple[bool, str]]) -> None:
    assert compose_variables().keys() - entries.keys() == set()


def test_nothing_documented_is_read_by_nobody(entries: dict[str, tuple[bool, str]]) -> None:
    """A renamed or removed setting leaves no stale line behind."""
    assert entries.keys() - member_variables() - compose_variables().keys() == set()


def test_compose_requirements_are_set(entries: dict[str, tuple[bool, str]]) -> None:
    required = {name for name, op in compose_variables().items() if op.endswith("?")}
    assert required
    assert {
        name for name in required if not (entries.get(name, (False, ""))[0] and entries[name][1])
    } == set()


def test_only_what_compose_requires_is_set(entries: dict[str, tuple[bool, str]]) -> None:
    """.env is also read by every member in a checkout: the example sets nothing compose does not require."""
    required = {name for name, op in compose_variables().items() if op.endswith("?")}
    assert {name for name, (is_set, _) in entries.items() if is_set} == required


@pytest.mark.parametrize("cls", settings_classes(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_copying_it_to_env_keeps_development_as_it_is(cls: type[BaseSettings], tmp_path: Path) -> None:
    """Loaded from the example, development settings differ only in the secrets compose requires."""
    where: dict[str, Any] = {"VAR_DIR": tmp_path} if issubclass(cls, ServiceSettings) else {}  # dev secrets
    with_example = cls(_env_file=ENV_EXAMPLE, **where).model_dump()
    without = cls(_env_file=None, **where).model_dump()
    secrets = {name for name, value in with_example.items() if isinstance(value, SecretStr)}
    assert {name for name in with_example if with_example[name] != without[name]} - secrets == set()


def missing_production_settings(services: dict[str, Any]) -> list[str]:
    """What a service refuses to start without in production (its SecretStr fields and development-only
    adapters) must reach it from a required compose variable."""
    problems = []
    for folder, cls in service_settings().items():
        prefix = cls.model_config.get("env_prefix", "")
        secrets = {n for n, f in cls.model_fields.items() if f.annotation is SecretStr}  # required ones
        secrets |= cls.REQUIRED_IN_PRODUCTION
        adapters = set(cls.DEV_ONLY_VALUES)
        if cls.USES_STORAGE:
            secrets.add(
                "STORAGE_S3_SECRET_KEY"
            )  # required with STORAGE_BACKEND=s3, the only one production takes
        else:
            adapters.discard("STORAGE_BACKEND")
        env = environment(services.get(folder, {}))
        for field in sorted(secrets | adapters):
            name, value = prefix + field, env.get(prefix + field, "")
            required = value.startswith("${") and ":?" in value.split("}")[0]
            fixed_adapter = (
                field in adapters and value and "$" not in value and value not in cls.DEV_ONLY_VALUES[field]
            )
            if not (required or fixed_adapter):
                problems.append(f"{folder}: {name} must be passed as ${{{name}:?...}}")
    return problems


def test_compose_passes_every_production_secret_and_adapter() -> None:
    services = read_yaml(COMPOSE_FILE)["services"]
    assert missing_production_settings(services) == []
    del services["svc-identity"]["environment"]["IDENTITY_API_KEY_PEPPER"]
    assert missing_production_settings(services) == [
        "svc-identity: IDENTITY_API_KEY_PEPPER must be passed as ${IDENTITY_API_KEY_PEPPER:?...}"
    ]


def test_every_variable_has_a_comment() -> None:
    lines, problems = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), []
    variable = re.compile(r"^#?\s*[A-Z][A-Z0-9_]*=")
    for number, line in enumerate(lines):
        if variable.match(line):
            above = next((lines[i] for i in range(number - 1, -1, -1) if not variable.match(lines[i])), "")
            if not above.startswith("#"):
                problems.append(f"line {number + 1}: {line.split('=')[0]} has no comment above it")
    assert problems == []
