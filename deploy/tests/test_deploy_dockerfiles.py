"""The images: every Dockerfile follows style rec 2 and 25 (multi-stage uv build from the lockfile, non-root,
python healthcheck), .dockerignore keeps secrets and environments out, and the PostgreSQL init script works."""

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from deploy_testkit import (
    COMPOSE_FILE,
    IMAGE_DIRS,
    ROOT,
    SERVICE_DIRS,
    environment,
    parse_dockerfile,
    read_yaml,
)

FINAL_BASE = "python:3.11-slim"
USER_ID = "10001"
INIT_SCRIPT = ROOT / "deploy" / "compose" / "postgres-init.sh"


def env_pairs(args: list[str]) -> dict[str, str]:
    """ENV instructions (KEY=value form) as one mapping."""
    return dict(item.split("=", 1) for line in args for item in line.split() if "=" in item)


def build_problems(text: str, folder: str) -> list[str]:
    """The build stages: a cached dependency layer, then the member, from uv.lock, without dev dependencies."""
    stages, problems = parse_dockerfile(text), []
    package = "siantar-" + folder.removeprefix("svc-")
    syncs = [
        (i, args) for i, (kw, args) in enumerate(stages[0].instructions) if kw == "RUN" and "uv sync" in args
    ]
    for _, args in syncs:
        problems += [f"uv sync without {flag}" for flag in ("--frozen", "--no-dev") if flag not in args]
        if re.findall(r"--package (\S+)", args) != [package]:
            problems.append(f"uv sync must name --package {package} (the folder {folder})")
    if len(syncs) < 2 or "--no-install-workspace" not in syncs[0][1] or "--no-editable" not in syncs[-1][1]:
        problems.append(
            "needs `uv sync --no-install-workspace` (dependencies), then `--no-editable` (the code)"
        )
    copies = [
        i for i, (kw, args) in enumerate(stages[0].instructions) if kw == "COPY" and args.startswith(folder)
    ]
    if syncs and copies and copies[0] < syncs[0][0]:
        problems.append(f"COPY {folder} comes before the dependency layer (every code change reinstalls)")
    if env_pairs(stages[0].args("ENV")).get("UV_PYTHON_DOWNLOADS") != "never":
        problems.append("the build stage must set UV_PYTHON_DOWNLOADS=never")
    return problems


def runtime_problems(text: str, folder: str) -> list[str]:
    """The final stage: python:3.11-slim, the venv only, non-root, a python healthcheck on /livez, port 8000."""
    stages, problems = parse_dockerfile(text), []
    final = stages[-1]
    if final.base != FINAL_BASE:
        problems.append(f"the final stage must be {FINAL_BASE}, not {final.base}")
    users = final.args("USER")
    if not users or users[-1].split(":")[0] != USER_ID:
        problems.append(f"the final stage must run as USER {USER_ID} (non-root)")
    checks = final.args("HEALTHCHECK")
    if len(checks) != 1 or "python" not in checks[0] or "/livez" not in checks[0]:
        problems.append("the final stage needs one HEALTHCHECK: python against /livez")
    if re.search(r"\b(curl|wget)\b", " ".join(checks)):
        problems.append("python:3.11-slim has no curl or wget")
    if "8000" not in final.args("EXPOSE"):
        problems.append("EXPOSE 8000 is missing")
    if not any(args.startswith(f"--from={stages[0].name} /venv") for args in final.args("COPY")):
        problems.append("the final stage must copy /venv from the build stage")
    if any("uv" in args.split() or "uv==" in args for args in final.args("RUN")):
        problems.append("uv must not be installed in the final stage")
    return problems + command_problems(final.args("ENV"), final.args("CMD"), final.args("COPY"), folder)


def command_problems(envs: list[str], cmds: list[str], copies: list[str], folder: str) -> list[str]:
    """What the final stage runs: the service on 0.0.0.0:8000 with its migrations, or the gateway on kong.yml."""
    env, problems = env_pairs(envs), []
    name = folder.removeprefix("svc-")
    prefix = name.upper()
    expected = {f"{prefix}_HOST": "0.0.0.0", f"{prefix}_PORT": "8000"}  # noqa: S104 - inside the container
    problems += [f"ENV {key}={value} is missing" for key, value in expected.items() if env.get(key) != value]
    command = json.loads(cmds[-1]) if cmds else []
    wanted = ["python", "-m", f"siantar_{name}"] + (["serve"] if folder in SERVICE_DIRS else [])
    if command != wanted:
        problems.append(f"CMD must be {wanted}")
    if folder in SERVICE_DIRS:
        for path in ("alembic.ini", "migrations"):
            if not any(args.startswith(f"{folder}/{path} ") for args in copies):
                problems.append(f"the final stage must hold {path} (the migrate job runs alembic)")
    else:
        config = env.get("GATEWAY_KONG_CONFIG", "")
        if not any(args.startswith("gateway/kong.yml ") and config.startswith("/app/") for args in copies):
            problems.append("the gateway image must hold kong.yml and name it in GATEWAY_KONG_CONFIG")
    return problems


def dockerfile_problems(text: str, folder: str) -> list[str]:
    stages = parse_dockerfile(text)
    if len(stages) < 2:
        return ["not multi-stage: build with uv, then copy the venv into a clean python:3.11-slim"]
    return build_problems(text, folder) + runtime_problems(text, folder)


def dockerfile(folder: str) -> str:
    return (ROOT / folder / "Dockerfile").read_text(encoding="utf-8")


@pytest.mark.parametrize("folder", IMAGE_DIRS)
def test_dockerfile_follows_the_rules(folder: str) -> None:
    assert dockerfile_problems(dockerfile(folder), folder) == []


@pytest.mark.parametrize("folder", IMAGE_DIRS)
def test_dockerfile_copies_only_what_exists(folder: str) -> None:
    for stage in parse_dockerfile(dockerfile(folder)):
        for args in stage.args("COPY"):
            if not args.startswith("--from"):
                sources = [word for word in args.split()[:-1] if not word.startswith("--")]
                assert all((ROOT / source).exists() for source in sources), args


def test_compose_builds_every_image() -> None:
    services = read_yaml(COMPOSE_FILE)["services"]
    built = {service["build"]["dockerfile"] for service in services.values() if "build" in service}
    assert built == {f"{folder}/Dockerfile" for folder in IMAGE_DIRS}


MUTATIONS: dict[str, tuple[Callable[[str], str], str]] = {
    "single-stage": (lambda t: t[t.index("FROM python:3.11-slim AS runtime") :], "not multi-stage"),
    "root": (lambda t: t.replace("USER 10001:10001", "USER root"), "USER 10001"),
    "no-user": (lambda t: t.replace("USER 10001:10001\n", ""), "USER 10001"),
    "no-healthcheck": (lambda t: re.sub(r"HEALTHCHECK .*\\\n.*\n", "", t), "HEALTHCHECK"),
    "curl": (
        lambda t: t.replace('CMD ["python", "-c"', 'CMD ["curl", "-f", "x", "/livez", "python"'),
        "curl",
    ),
    "not-frozen": (lambda t: t.replace("--frozen ", "", 1), "uv sync without --frozen"),
    "dev": (lambda t: t.replace(" --no-dev --no-editable", " --no-editable"), "uv sync without --no-dev"),
    "other-package": (
        lambda t: t.replace("--package siantar-permits\n", "--package siantar-shared\n", 1),
        "--package",
    ),
    "downloads": (
        lambda t: t.replace("UV_PYTHON_DOWNLOADS=never", "UV_PYTHON_DOWNLOADS=automatic"),
        "DOWNLOADS",
    ),
    "no-cache-layer": (lambda t: t.replace("--no-install-workspace ", ""), "--no-install-workspace"),
    "no-migrations": (lambda t: t.replace("COPY svc-permits/migrations ./migrations\n", ""), "migrations"),
    "port": (lambda t: t.replace("PERMITS_PORT=8000", "PERMITS_PORT=8003"), "PERMITS_PORT=8000"),
    "fat-final": (
        lambda t: t.replace("FROM python:3.11-slim AS runtime", "FROM python:3.11 AS runtime"),
        "slim",
    ),
}


@pytest.mark.parametrize("change", sorted(MUTATIONS))
def test_each_dockerfile_rule_can_fail(change: str) -> None:
    mutate, problem = MUTATIONS[change]
    text = dockerfile("svc-permits")
    assert mutate(text) != text
    assert problem in "\n".join(dockerfile_problems(mutate(text), "svc-permits"))


def ignore_pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex over context-relative paths (`**` any depth, `*` within a name)."""
    pattern = pattern.strip("/")
    regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
    regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    return re.compile(f"^{regex}(?:/.*)?$")


def ignored(path: str, patterns: list[str]) -> bool:
    result = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if ignore_pattern(pattern.lstrip("!")).match(path):
            result = not negated
    return result


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerignore_keeps_secrets_environments_and_caches_out() -> None:
    patterns = dockerignore()
    for path in (".env", ".git/HEAD", ".venv/bin/python", "var/permits.db", ".tools/bin/uv",
                 "shared/src/siantar_shared/__pycache__/db.cpython-311.pyc", ".pytest_cache/v",
                 ".mypy_cache/3.11", ".ruff_cache/x", "svc-permits/.venv/x"):  # fmt: skip
        assert ignored(path, patterns), f"{path} would enter the build context"


@pytest.mark.parametrize("folder", IMAGE_DIRS)
def test_dockerignore_keeps_what_the_image_copies(folder: str) -> None:
    patterns = dockerignore()
    for stage in parse_dockerfile(dockerfile(folder)):
        for args in stage.args("COPY"):
            if not args.startswith("--from"):
                for source in args.split()[:-1]:
                    assert not ignored(source, patterns), f"{source} is excluded by .dockerignore"
    package = folder.removeprefix("svc-")
    assert not ignored(f"{folder}/src/siantar_{package}/__init__.py", patterns)
    assert ignored(f"{folder}/tests/conftest.py", patterns)


def run_init_script(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], str]:
    """postgres-init.sh with a stand-in psql that records its arguments (no PostgreSQL needed)."""
    log = tmp_path / "psql.log"
    fake = tmp_path / "psql"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\ncat > /dev/null\n', encoding="utf-8")
    fake.chmod(0o755)
    bash = shutil.which("bash") or "/bin/bash"
    path = f"{tmp_path}:/usr/bin:/bin"
    command, env = [bash, str(INIT_SCRIPT)], {"PATH": path, **env}
    result = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=30)  # noqa: S603 - ours
    return result, log.read_text(encoding="utf-8") if log.exists() else ""


def test_init_script_creates_each_compose_database(tmp_path: Path) -> None:
    postgres = environment(read_yaml(COMPOSE_FILE)["services"]["postgres"])
    names = postgres["SIANTAR_DATABASES"].split()
    env = {"SIANTAR_DATABASES": postgres["SIANTAR_DATABASES"], "POSTGRES_USER": "postgres"}
    env |= {f"{name.upper()}_DB_PASSWORD": f"pw-{name}" for name in names}
    result, log = run_init_script(tmp_path, env)
    assert result.returncode == 0, result.stderr
    for name in names:
        assert f"--set=name={name} --set=password=pw-{name}" in log


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SIANTAR_DATABASES": "identity permits", "IDENTITY_DB_PASSWORD": "x"},
            "PERMITS_DB_PASSWORD is required",
        ),
        ({"SIANTAR_DATABASES": "identity Bad;", "IDENTITY_DB_PASSWORD": "x"}, "invalid database name"),
        ({}, "SIANTAR_DATABASES lists the service databases"),
    ],
)
def test_init_script_checks_everything_before_creating_anything(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result, log = run_init_script(tmp_path, env)
    assert result.returncode != 0
    assert message in result.stderr
    assert log == ""


def test_init_script_is_executable_and_strict() -> None:
    assert INIT_SCRIPT.stat().st_mode & 0o111, "the postgres image sources non-executable scripts"
    assert "set -euo pipefail" in INIT_SCRIPT.read_text(encoding="utf-8")
