"""deploy/k8s: every overlay rendered with `kubectl kustomize` (once per session), every object validated with
kubernetes-validate --strict (offline schemas, Kubernetes 1.31), then our own rules the schemas miss: probes,
pod security, secrets by reference only, CronJobs and Jobs, database connections within PostgreSQL's budget,
PDB, Service and NetworkPolicy per Deployment, pinned images in prod, the Secret keys each service's Settings need,
Kong's effective settings and files.
Each rule is a function returning problems; mutated copies prove that each one can fail."""

import base64
import copy
import importlib
import os
import re
import secrets
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from deploy_testkit import ROOT, SERVICE_DIRS, kong_upstream_hosts, service_name
from pydantic import SecretStr

from siantar_shared.db import make_engine

K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.31.0"
KUBECTL = shutil.which("kubectl")
RUNBOOK = ROOT / "deploy" / "README.md"
SHARE = "siantar.go.id/db-connection-share"
MAX_CONNECTIONS = "siantar.go.id/postgres-max-connections"
RESERVED = "siantar.go.id/postgres-reserved-connections"
# setting names whose values are secrets: only ever a secretKeyRef, never a literal or a ConfigMap entry
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|SECRET_KEY|ACCESS_KEY|_KEY|_KEYS|PEPPER|TOKEN|DATABASE_URL)$")
NOT_SECRET = re.compile(r"(PUBLIC_KEYS?)$")
URL_PASSWORD = re.compile(r"://[^/@:\s]+:[^@\s]+@")
KONG_DIR = ROOT / "deploy" / "kong"
KONG_SOURCES = {env: KONG_DIR / f"kong.{env}.yml" for env in OVERLAYS}
POD_KINDS = ("Deployment", "Job", "CronJob")

pytestmark = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not installed: cannot render the overlays"
)

Doc = dict[str, Any]


def kustomize(path: Path) -> list[Doc]:
    assert KUBECTL is not None
    result = subprocess.run(  # noqa: S603 - our own kubectl on our own folder
        [KUBECTL, "kustomize", str(path)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, f"kubectl kustomize {path.relative_to(ROOT)}:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


_rendered: dict[Path, list[Doc]] = {}


def render(path: Path) -> list[Doc]:
    """Each kustomization is rendered once per session; callers get their own copy to mutate."""
    if path not in _rendered:
        _rendered[path] = kustomize(path)
    return copy.deepcopy(_rendered[path])


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def docs(overlay: str) -> list[Doc]:
    return render(K8S / "overlays" / overlay)


# ---- reading rendered objects ----------------------------------------------------------------------------


def objects(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc.get("kind") == kind]


def named(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [doc for doc in objects(docs, kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_spec(doc: Doc) -> Doc:
    if doc["kind"] == "CronJob":
        return dict(doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return dict(doc["spec"]["template"]["spec"])


def pod_labels(doc: Doc) -> dict[str, str]:
    template = (
        doc["spec"]["jobTemplate"]["spec"]["template"]
        if doc["kind"] == "CronJob"
        else doc["spec"]["template"]
    )
    return dict(template.get("metadata", {}).get("labels", {}))


def pod_objects(docs: list[Doc]) -> list[Doc]:
    return [doc for doc in docs if doc.get("kind") in POD_KINDS]


def label(doc: Doc, name: str) -> str:
    return str(doc["metadata"].get("labels", {}).get(name, ""))


def service_of(doc: Doc) -> str:
    """svc-permits -> permits; kong -> kong (from app.kubernetes.io/name)."""
    return label(doc, "app.kubernetes.io/name").removeprefix("svc-")


def image_tag(image: str) -> str:
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def config_data(docs: list[Doc], doc: Doc) -> dict[str, str]:
    """The ConfigMap entries a pod object's first container gets through envFrom."""
    data: dict[str, str] = {}
    for source in pod_spec(doc)["containers"][0].get("envFrom", []):
        if "configMapRef" in source:
            data |= named(docs, "ConfigMap", source["configMapRef"]["name"]).get("data", {})
    return data


def secret_refs(doc: Doc) -> dict[str, bool]:
    """Secret keys a pod object's containers read: key -> optional."""
    refs = {}
    for container in pod_spec(doc)["containers"]:
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs[ref["key"]] = bool(ref.get("optional", False))
    return refs


def service_deployments(docs: list[Doc]) -> list[Doc]:
    return [doc for doc in objects(docs, "Deployment") if doc["metadata"]["name"].startswith("svc-")]


# ---- the rules ---------------------------------------------------------------------------------------------


def schema_problems(docs: list[Doc]) -> list[str]:
    problems = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{doc.get('kind')} {doc.get('metadata', {}).get('name')}: {exc.message}")
    return problems


def probe_problems(docs: list[Doc]) -> list[str]:
    """Services: ready = /healthz, alive = /livez on the http port (8000); Kong: ready = /status/ready on its
    Status API listener."""
    problems = []
    for doc in objects(docs, "Deployment"):
        name, container = doc["metadata"]["name"], pod_spec(doc)["containers"][0]
        ports = {port.get("name"): port["containerPort"] for port in container.get("ports", [])}
        expected = (
            {"readinessProbe": ("/status/ready", 8100), "livenessProbe": ("/status", 8100)}
            if name == "kong"
            else {"readinessProbe": ("/healthz", 8000), "livenessProbe": ("/livez", 8000)}
        )
        for probe, (path, port) in expected.items():
            get = container.get(probe, {}).get("httpGet", {})
            actual_port = ports.get(get.get("port"), get.get("port"))
            if get.get("path") != path or actual_port != port:
                problems.append(f"{name}: {probe} must GET {path} on port {port}, not {get or 'nothing'}")
    return problems


def security_problems(docs: list[Doc]) -> list[str]:
    """Non-root, read-only root filesystem with an emptyDir at /tmp, no privilege escalation, no capabilities,
    RuntimeDefault seccomp, no service account token, requests and limits: on every pod we run."""
    problems = []
    accounts = {doc["metadata"]["name"]: doc for doc in objects(docs, "ServiceAccount")}
    for doc in pod_objects(docs):
        where, spec = f"{doc['kind']} {doc['metadata']['name']}", pod_spec(doc)
        pod_security = spec.get("securityContext", {})
        if pod_security.get("runAsNonRoot") is not True:
            problems.append(f"{where}: runAsNonRoot must be true")
        if not isinstance(pod_security.get("runAsUser"), int) or pod_security["runAsUser"] == 0:
            problems.append(f"{where}: runAsUser must be the image's non-root uid")
        if pod_security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{where}: seccompProfile must be RuntimeDefault")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: automountServiceAccountToken must be false")
        account = accounts.get(spec.get("serviceAccountName", ""))
        if account is None or account.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: needs its own ServiceAccount with automountServiceAccountToken false")
        empty_dirs = {volume["name"] for volume in spec.get("volumes", []) if "emptyDir" in volume}
        for container in spec["containers"] + spec.get("initContainers", []):
            context, at = container.get("securityContext", {}), f"{where} container {container['name']}"
            if context.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{at}: readOnlyRootFilesystem must be true")
            if context.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{at}: allowPrivilegeEscalation must be false")
            if context.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{at}: capabilities must drop ALL")
            if not any(
                mount["mountPath"] == "/tmp" and mount["name"] in empty_dirs
                for mount in container.get("volumeMounts", [])
            ):
                problems.append(f"{at}: needs an emptyDir at /tmp")
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                missing = {"cpu", "memory"} - set(resources.get(bound, {}))
                if missing:
                    problems.append(f"{at}: resources.{bound} lacks {', '.join(sorted(missing))}")
    return problems


def secret_value_problems(docs: list[Doc]) -> list[str]:
    """Secrets only by reference: no literal value for a secret-looking variable, none in a ConfigMap, no
    password inside a URL, and no Secret object carrying data (the operator creates the Secrets)."""
    problems = []
    for doc in docs:
        name = f"{doc['kind']} {doc['metadata']['name']}"
        if doc["kind"] == "Secret" and (doc.get("data") or doc.get("stringData")):
            problems.append(f"{name}: Secret objects with values do not belong in the repository")
        if doc["kind"] == "ConfigMap":
            for key, value in doc.get("data", {}).items():
                if SECRET_NAME.search(key) and not NOT_SECRET.search(key):
                    problems.append(f"{name}: {key} looks secret: reference it from the Secret instead")
                if URL_PASSWORD.search(str(value)):
                    problems.append(f"{name}: {key} holds a URL with a password")
    for doc in pod_objects(docs):
        for container in pod_spec(doc)["containers"]:
            for entry in container.get("env", []):
                if "value" not in entry:
                    continue
                if SECRET_NAME.search(entry["name"]) and not NOT_SECRET.search(entry["name"]):
                    problems.append(f"{doc['metadata']['name']}: {entry['name']} has a literal value")
                if URL_PASSWORD.search(str(entry["value"])):
                    problems.append(f"{doc['metadata']['name']}: {entry['name']} holds a URL with a password")
    return problems


def job_problems(docs: list[Doc]) -> list[str]:
    """CronJobs never overlap and give up on a missed start; every Job cleans up after itself, retries a bounded
    number of times and never restarts a pod in place; the migration Job is named after its release."""
    problems = []
    for cron in objects(docs, "CronJob"):
        name, spec = cron["metadata"]["name"], cron["spec"]
        if spec.get("concurrencyPolicy") != "Forbid":
            problems.append(f"CronJob {name}: concurrencyPolicy must be Forbid")
        if not isinstance(spec.get("startingDeadlineSeconds"), int):
            problems.append(f"CronJob {name}: startingDeadlineSeconds is missing")
    jobs = [(f"Job {doc['metadata']['name']}", doc["spec"]) for doc in objects(docs, "Job")]
    jobs += [
        (f"CronJob {doc['metadata']['name']}", doc["spec"]["jobTemplate"]["spec"])
        for doc in objects(docs, "CronJob")
    ]
    for name, spec in jobs:
        if not isinstance(spec.get("ttlSecondsAfterFinished"), int):
            problems.append(f"{name}: ttlSecondsAfterFinished is missing")
        if not isinstance(spec.get("backoffLimit"), int):
            problems.append(f"{name}: backoffLimit is missing")
        if not isinstance(spec.get("activeDeadlineSeconds"), int):
            problems.append(f"{name}: activeDeadlineSeconds is missing")
        if spec["template"]["spec"].get("restartPolicy") != "Never":
            problems.append(f"{name}: restartPolicy must be Never")
    for deployment in service_deployments(docs):
        svc = service_of(deployment)
        image = pod_spec(deployment)["containers"][0]["image"]
        migrations = [job for job in objects(docs, "Job") if service_of(job) == svc]
        if len(migrations) != 1:
            problems.append(f"{svc}: expected one migration Job, found {len(migrations)}")
            continue
        job = migrations[0]
        expected = f"{svc}-migrate-{image_tag(image)}"
        if job["metadata"]["name"] != expected:
            problems.append(
                f"{svc}: the migration Job must be named {expected} (its release), not {job['metadata']['name']}"
            )
        container = pod_spec(job)["containers"][0]
        if container["image"] != image:
            problems.append(f"{svc}: the migration Job runs {container['image']}, the Deployment {image}")
        if container.get("command") != ["alembic", "upgrade", "head"]:
            problems.append(f"{svc}: the migration Job must run alembic upgrade head")
    for doc in pod_objects(docs):
        api = next((d for d in service_deployments(docs) if service_of(d) == service_of(doc)), None)
        if doc["kind"] == "Deployment" or api is None:
            continue
        # the commands validate the service's Settings in full: they need exactly its configuration
        mine, theirs = pod_spec(doc)["containers"][0], pod_spec(api)["containers"][0]
        for field in ("image", "envFrom", "env"):
            if mine.get(field) != theirs.get(field):
                problems.append(
                    f"{doc['kind']} {doc['metadata']['name']}: its {field} differs from the Deployment's"
                )
    return problems


def pool_connections(pool_size: int) -> int:
    """What one process may open: make_engine's pool_size + max_overflow, read from a real engine."""
    engine = make_engine(
        "postgresql+asyncpg://budget@localhost/budget", app_name="budget", pool_size=pool_size
    )
    pool: Any = engine.sync_engine.pool
    return int(pool.size()) + int(pool._max_overflow)  # no public accessor


def budget_problems(docs: list[Doc]) -> list[str]:
    """Per service: (HPA maxReplicas + maxSurge) x (pool_size + max_overflow), plus one connection per CronJob
    (a JobRunner runs one job in one session at a time) and one for the migration Job (NullPool), must fit the
    Deployment's share; the shares must fit max_connections minus the reserve (both on the Namespace)."""
    problems, shares = [], 0
    for deployment in service_deployments(docs):
        name, svc = deployment["metadata"]["name"], service_of(deployment)
        pool = int(config_data(docs, deployment)[f"{svc.upper()}_DB_POOL_SIZE"])
        hpas = [
            h for h in objects(docs, "HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == name
        ]
        if len(hpas) != 1:
            problems.append(f"{name}: expected one HPA, found {len(hpas)}")
            continue
        surge = deployment["spec"].get("strategy", {}).get("rollingUpdate", {}).get("maxSurge", 1)
        if not isinstance(surge, int):
            problems.append(f"{name}: maxSurge must be a number of pods to count connections")
            continue
        crons = [c for c in objects(docs, "CronJob") if service_of(c) == svc]
        migrations = [j for j in objects(docs, "Job") if service_of(j) == svc]
        needed = (
            (hpas[0]["spec"]["maxReplicas"] + surge) * pool_connections(pool) + len(crons) + len(migrations)
        )
        share = int(deployment["metadata"].get("annotations", {}).get(SHARE, 0))
        shares += share
        if needed > share:
            problems.append(f"{name}: needs up to {needed} database connections, its share is {share}")
    for namespace in objects(docs, "Namespace"):
        notes = namespace["metadata"].get("annotations", {})
        budget = int(notes.get(MAX_CONNECTIONS, 0)) - int(notes.get(RESERVED, 0))
        if int(notes.get(RESERVED, 0)) <= 0:
            problems.append(f"Namespace {namespace['metadata']['name']}: keep a reserve of connections")
        if shares > budget:
            problems.append(f"the services' shares ({shares}) exceed PostgreSQL's budget ({budget})")
    return problems


def coverage_problems(docs: list[Doc]) -> list[str]:
    """Every Deployment has a Service, a PDB, an HPA and a NetworkPolicy for its pods."""
    problems = []
    for deployment in objects(docs, "Deployment"):
        name, labels = deployment["metadata"]["name"], pod_labels(deployment)
        if not selects(deployment["spec"]["selector"]["matchLabels"], labels):
            problems.append(f"{name}: its selector does not match its pods")
        if not any(selects(s["spec"].get("selector", {}), labels) for s in objects(docs, "Service")):
            problems.append(f"{name}: no Service selects its pods")
        if not any(
            selects(p["spec"]["selector"].get("matchLabels", {}), labels)
            for p in objects(docs, "PodDisruptionBudget")
        ):
            problems.append(f"{name}: no PodDisruptionBudget covers its pods")
        if not any(
            h["spec"]["scaleTargetRef"]["name"] == name for h in objects(docs, "HorizontalPodAutoscaler")
        ):
            problems.append(f"{name}: no HorizontalPodAutoscaler")
        elif "replicas" in deployment["spec"]:
            problems.append(f"{name}: has an HPA, so no replicas (applying would scale it down)")
        policies = objects(docs, "NetworkPolicy")
        if not any(selects(n["spec"]["podSelector"].get("matchLabels", {}), labels) for n in policies):
            problems.append(f"{name}: no NetworkPolicy limits who reaches its pods")
    return problems


def image_problems(docs: list[Doc]) -> list[str]:
    problems = []
    for doc in pod_objects(docs):
        for container in pod_spec(doc)["containers"]:
            if image_tag(container["image"]) in ("", "latest"):
                problems.append(
                    f"{doc['metadata']['name']}: image {container['image']} is not pinned to a release"
                )
    return problems


def namespace_problems(docs: list[Doc], namespace: str) -> list[str]:
    return [
        f"{doc['kind']} {doc['metadata']['name']} is in namespace {doc['metadata'].get('namespace')}"
        for doc in docs
        if doc["kind"] != "Namespace" and doc["metadata"].get("namespace") != namespace
    ]


# ---- every rule holds on every overlay ----------------------------------------------------------------------


def test_every_object_passes_kubernetes_validate_strict(docs: list[Doc]) -> None:
    assert schema_problems(docs) == []


@pytest.mark.parametrize(
    "rule",
    [
        probe_problems,
        security_problems,
        secret_value_problems,
        job_problems,
        budget_problems,
        coverage_problems,
    ],
)
def test_rule_holds(docs: list[Doc], rule: Any) -> None:
    assert rule(docs) == []


def test_prod_images_are_pinned() -> None:
    assert image_problems(render(K8S / "overlays" / "prod")) == []


def test_overlay_has_every_service_and_kong(docs: list[Doc]) -> None:
    names = {doc["metadata"]["name"] for doc in objects(docs, "Deployment")}
    assert names == {*SERVICE_DIRS, "kong"}


def test_one_namespace_per_overlay(docs: list[Doc], overlay: str) -> None:
    namespaces = objects(docs, "Namespace")
    assert len(namespaces) == 1
    assert namespace_problems(docs, namespaces[0]["metadata"]["name"]) == []
    assert namespaces[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", [*SERVICE_DIRS, "kong"])
def test_each_service_deploys_alone(overlay: str, name: str) -> None:
    """overlays/<env>/<name> renders on its own, into the overlay's namespace, exactly as in the whole."""
    alone = render(K8S / "overlays" / overlay / name)
    whole = render(K8S / "overlays" / overlay)
    namespace = objects(whole, "Namespace")[0]["metadata"]["name"]
    assert namespace_problems(alone, namespace) == []
    assert all(doc in whole for doc in alone)
    assert {service_of(doc) for doc in alone} == {name.removeprefix("svc-")}


def test_prod_and_dev_differ_where_they_should() -> None:
    dev, prod = render(K8S / "overlays" / "dev"), render(K8S / "overlays" / "prod")
    assert named(prod, "Service", "kong-proxy")["spec"]["type"] == "LoadBalancer"
    assert named(prod, "Service", "kong-proxy")["spec"]["externalTrafficPolicy"] == "Local"
    assert named(dev, "Service", "kong-proxy")["spec"]["type"] == "ClusterIP"
    for folder in SERVICE_DIRS:
        assert named(prod, "HorizontalPodAutoscaler", folder)["spec"]["minReplicas"] >= 2
        assert named(dev, "HorizontalPodAutoscaler", folder)["spec"]["minReplicas"] == 1
        assert config_data(prod, named(prod, "Deployment", folder))["ENV"] == "production"


def test_services_agree_on_the_token_issuer(docs: list[Doc]) -> None:
    """Identity signs with <PUBLIC_URL>/identity; every service must expect exactly that issuer."""
    identity = config_data(docs, named(docs, "Deployment", "svc-identity"))
    issuer = identity["IDENTITY_PUBLIC_URL"].rstrip("/") + "/identity"
    for deployment in service_deployments(docs):
        svc = service_of(deployment).upper()
        assert config_data(docs, deployment)[f"{svc}_TOKEN_ISSUER"] == issuer, deployment["metadata"]["name"]
        assert config_data(docs, deployment)[f"{svc}_IDENTITY_URL"] == "http://svc-identity:8000"


# ---- the Secret keys: what each service's Settings need ----------------------------------------------------


def settings_class(svc: str) -> Any:
    return importlib.import_module(f"siantar_{svc}.config").Settings


def secret_fields(settings: Any) -> dict[str, bool]:
    """Settings fields holding a secret -> required (`SecretStr`) or not (`SecretStr | None`); storage's only
    for a service that keeps files."""
    fields = {}
    for name, field in settings.model_fields.items():
        if name.startswith("STORAGE_") and not settings.USES_STORAGE:
            continue
        if field.annotation is SecretStr:
            fields[name] = True
        elif SecretStr in getattr(field.annotation, "__args__", ()):
            fields[name] = False
    return fields


def fake_secret(key: str, svc: str) -> str:
    """A value of the right shape for each Secret key, to build the Settings as a pod would."""
    if key.endswith("DATABASE_URL"):
        return f"postgresql://{svc}:{secrets.token_urlsafe(24)}@postgres:5432/{svc}"
    if key.endswith("ENCRYPTION_KEYS"):
        return "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()
    if key.endswith("SIGNING_KEY"):
        return base64.b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_urlsafe(32)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key in ("ENV", "SIANTAR_ENV") or any(
            key.startswith(f"{s.upper()}_") for s in map(service_name, SERVICE_DIRS)
        ):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SIANTAR_VAR_DIR", str(tmp_path))


@pytest.mark.parametrize("folder", SERVICE_DIRS)
def test_secret_refs_cover_the_settings(folder: str) -> None:
    svc = service_name(folder)
    fields = secret_fields(settings_class(svc))
    for overlay in OVERLAYS:
        docs = render(K8S / "overlays" / overlay)
        for doc in [d for d in pod_objects(docs) if service_of(d) == svc]:
            refs = secret_refs(doc)
            assert refs.get(f"{svc.upper()}_DATABASE_URL") is False, doc["metadata"]["name"]
            for field, required in fields.items():
                key = f"{svc.upper()}_{field}"
                assert key in refs, f"{doc['metadata']['name']} lacks the Secret key {key}"
                if required:
                    assert refs[key] is False, f"{key} is required: its secretKeyRef must not be optional"
            assert all(key.startswith(f"{svc.upper()}_") for key in refs)


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("folder", SERVICE_DIRS)
@pytest.mark.usefixtures("clean_environment")
def test_overlay_settings_start_the_service(
    overlay: str, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rendered ConfigMap plus one value per documented Secret key is a configuration the service accepts
    (in prod: its production checks, which refuse development adapters and missing secrets)."""
    svc = service_name(folder)
    docs = render(K8S / "overlays" / overlay)
    deployment = named(docs, "Deployment", folder)
    environment = config_data(docs, deployment) | {
        key: fake_secret(key, svc) for key in secret_refs(deployment)
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    settings = settings_class(svc)(_env_file=None)
    assert settings.is_production is (overlay == "prod")
    assert settings.DATABASE_URL.startswith("postgresql+asyncpg://")
    assert (settings.HOST, settings.PORT) == ("0.0.0.0", 8000)  # noqa: S104 - inside the pod
    if overlay == "prod":
        # no development default left in a URL (public links, issuer, identity): each names a real host
        local = {
            name: value
            for name, value in settings.model_dump().items()
            if name not in ("HOST", "FORWARDED_ALLOW_IPS")
            and isinstance(value, str)
            and re.search(r"//(localhost|127\.0\.0\.1)\b", value)
        }
        assert local == {}, "set these in deploy/k8s/overlays/prod/<service>/config.env"


LEASE_LINE = re.compile(
    r"^(?P<name>\S+)\tlease (?:(?P<days>\d+) days?, )?(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)$"
)


def job_leases(svc: str, capsys: pytest.CaptureFixture[str]) -> dict[str, timedelta]:
    """The jobs a service knows, with their leases: its own `python -m siantar_<svc> jobs`, run in-process
    (development settings, SQLite under a temporary folder; listing opens no connection)."""
    module = importlib.import_module(f"siantar_{svc}.__main__")
    capsys.readouterr()
    assert module.main(["jobs"]) == 0
    leases = {}
    for line in capsys.readouterr().out.splitlines():
        match = LEASE_LINE.match(line)
        assert match, f"unexpected line from `jobs`: {line!r}"
        leases[match["name"]] = timedelta(
            days=int(match["days"] or 0),
            hours=int(match["h"]),
            minutes=int(match["m"]),
            seconds=int(match["s"]),
        )
    return leases


@pytest.mark.parametrize("folder", SERVICE_DIRS)
@pytest.mark.usefixtures("clean_environment")
def test_one_cronjob_per_registered_job_within_its_lease(
    folder: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENV", "development")
    svc = service_name(folder)
    leases = job_leases(svc, capsys)
    docs = render(K8S / "overlays" / "prod")
    scheduled = {}
    for cron in [c for c in objects(docs, "CronJob") if service_of(c) == svc]:
        command = pod_spec(cron)["containers"][0]["command"]
        assert command[:4] == ["python", "-m", f"siantar_{svc}", "job"], command
        scheduled[command[4]] = cron
    assert set(scheduled) == set(leases), (
        "a CronJob per registered job (deploy/k8s/base/<service>/cronjobs.yaml)"
    )
    for name, cron in scheduled.items():
        deadline = cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"]
        assert deadline <= leases[name].total_seconds(), f"{name}: a run must not outlive its lease"


def kubernetes_section() -> str:
    text = RUNBOOK.read_text(encoding="utf-8")
    match = re.search(r"^## Kubernetes\b.*?(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "deploy/README.md has no '## Kubernetes' section"
    return match.group(0)


def test_runbook_lists_every_secret_key() -> None:
    section = kubernetes_section()
    docs = render(K8S / "overlays" / "prod")
    for doc in pod_objects(docs):
        for key in secret_refs(doc):
            assert f"`{key}`" in section, (
                f"deploy/README.md (Kubernetes) does not document the Secret key {key}"
            )
        for source in pod_spec(doc)["containers"][0].get("env", []):
            ref = source.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert f"`{ref['name']}`" in section, f"the runbook does not name the Secret {ref['name']}"


# ---- Kong ---------------------------------------------------------------------------------------------------


def kong_source(overlay: str) -> Path:
    source = KONG_SOURCES[overlay]
    return source if source.is_file() else ROOT / "gateway" / "kong.yml"


def kong_copies() -> dict[Path, Path]:
    """Copy in deploy/k8s -> its source (sh deploy/k8s/sync-kong-config.sh makes them)."""
    copies = {K8S / "overlays" / env / "kong" / "kong.yml": kong_source(env) for env in OVERLAYS}
    copies[K8S / "base" / "kong" / "kong.conf"] = KONG_DIR / "kong.conf"
    for template in sorted((KONG_DIR / "errors").iterdir()):
        copies[K8S / "base" / "kong" / "errors" / template.name] = template
    return copies


def test_kong_copies_are_up_to_date() -> None:
    stale = [
        f"{copy_.relative_to(ROOT)} differs from {source.relative_to(ROOT)}"
        for copy_, source in kong_copies().items()
        if not copy_.is_file() or copy_.read_bytes() != source.read_bytes()
    ]
    assert stale == [], "run sh deploy/k8s/sync-kong-config.sh"
    templates = {path.name for path in (K8S / "base" / "kong" / "errors").iterdir()}
    assert templates == {path.name for path in (KONG_DIR / "errors").iterdir()}


def kong_conf(text: str) -> dict[str, str]:
    """kong.conf's `key = value` lines (comments and blank lines dropped)."""
    settings = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" in line:
            key, value = line.split("=", 1)
            settings[key.strip()] = value.strip()
    return settings


def mounted_files(docs: list[Doc], spec: Doc, container: Doc) -> dict[str, str]:
    """Path in the container -> content, for every ConfigMap volume the container mounts."""
    files = {}
    for mount in container["volumeMounts"]:
        volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
        if "configMap" not in volume:
            continue
        data = named(docs, "ConfigMap", volume["configMap"]["name"])["data"]
        items = volume["configMap"].get("items") or [{"key": key, "path": key} for key in data]
        for item in items:
            files[f"{mount['mountPath'].rstrip('/')}/{item['path']}"] = data[item["key"]]
    return files


def test_kong_is_dbless_on_its_configmaps(docs: list[Doc], overlay: str) -> None:
    """What Kong will run with: /etc/kong/kong.conf overridden by KONG_* variables, files from ConfigMaps."""
    spec = pod_spec(named(docs, "Deployment", "kong"))
    container = spec["containers"][0]
    assert container["image"] == "kong:3.9"
    files = mounted_files(docs, spec, container)
    settings = kong_conf(files["/etc/kong/kong.conf"])
    env = {entry["name"]: entry["value"] for entry in container["env"]}
    settings |= {name.removeprefix("KONG_").lower(): value for name, value in env.items()}
    assert env["KONG_DATABASE"] == settings["database"] == "off"
    assert settings["status_listen"].split()[0].endswith(":8100")
    assert settings["proxy_listen"].split()[0].endswith(":8000")
    assert settings["admin_listen"].startswith("127.0.0.1:")
    assert settings["prefix"] in {m["mountPath"] for m in container["volumeMounts"]}
    assert files[env["KONG_DECLARATIVE_CONFIG"]] == kong_source(overlay).read_text(encoding="utf-8")
    for key in [k for k in settings if k.startswith("error_template_")]:
        assert settings[key] in files, f"{key} = {settings[key]} is not mounted"
    # the upstream hosts kong.yml names are the Services of this namespace, on port 8000
    config = yaml.safe_load(files[env["KONG_DECLARATIVE_CONFIG"]])
    for host in kong_upstream_hosts(config).values():
        service = named(docs, "Service", host)
        assert [port["port"] for port in service["spec"]["ports"]] == [8000]


# ---- each rule can fail -------------------------------------------------------------------------------------


def first(docs: list[Doc], kind: str, service: str = "permits") -> Doc:
    return next(doc for doc in objects(docs, kind) if service_of(doc) == service)


def test_schema_validation_catches_an_unknown_field() -> None:
    docs = render(K8S / "overlays" / "prod")
    pod_spec_ = first(docs, "Deployment")["spec"]["template"]["spec"]
    pod_spec_["containers"][0]["readinessProbe"]["httpGet"]["pathh"] = "/healthz"
    first(docs, "HorizontalPodAutoscaler")["spec"]["targetCPUUtilizationPercentage"] = 70
    assert len(schema_problems(docs)) == 2


def test_probe_rule_catches_a_database_liveness() -> None:
    docs = render(K8S / "overlays" / "prod")
    first(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"][
        "path"
    ] = "/healthz"
    assert probe_problems(docs) == [
        "svc-permits: livenessProbe must GET /livez on port 8000, not {'path': '/healthz', 'port': 'http'}"
    ]


def test_security_rule_catches_each_weakening() -> None:
    docs = render(K8S / "overlays" / "prod")
    cron = first(docs, "CronJob")
    spec = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    spec["securityContext"]["runAsNonRoot"] = False
    spec["automountServiceAccountToken"] = True
    container = spec["containers"][0]
    container["securityContext"]["readOnlyRootFilesystem"] = False
    container["securityContext"]["capabilities"] = {"drop": ["NET_RAW"]}
    container["volumeMounts"] = []
    del container["resources"]["limits"]
    problems = security_problems(docs)
    assert len(problems) == 6, problems
    assert all(p.startswith("CronJob permits-job-") for p in problems)


def test_secret_rule_catches_literals() -> None:
    docs = render(K8S / "overlays" / "prod")
    env = first(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["env"]
    env.append({"name": "PERMITS_BANK_CALLBACK_SECRET", "value": "s3cr3t-s3cr3t-s3cr3t"})
    env.append({"name": "PERMITS_OTHER_URL", "value": "postgresql://permits:pw@postgres/permits"})
    first(docs, "ConfigMap")["data"]["PERMITS_STORAGE_S3_SECRET_KEY"] = "x" * 20
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "permits-secrets"},
            "stringData": {"a": "b"},
        }
    )
    assert len(secret_value_problems(docs)) == 4


def test_job_rule_catches_overlap_leftovers_and_a_stale_release() -> None:
    docs = render(K8S / "overlays" / "prod")
    first(docs, "CronJob")["spec"]["concurrencyPolicy"] = "Allow"
    del first(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["ttlSecondsAfterFinished"]
    first(docs, "Job")["metadata"]["name"] = "permits-migrate-0.0.9"
    first(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"].pop()
    problems = job_problems(docs)
    assert len(problems) == 4, problems


def test_budget_rule_catches_too_many_replicas() -> None:
    docs = render(K8S / "overlays" / "prod")
    first(docs, "HorizontalPodAutoscaler")["spec"]["maxReplicas"] = 10
    assert budget_problems(docs) == ["svc-permits: needs up to 73 database connections, its share is 31"]
    first(docs, "Deployment")["metadata"]["annotations"][SHARE] = "80"
    assert budget_problems(docs) == ["the services' shares (140) exceed PostgreSQL's budget (91)"]


def test_budget_counts_pool_size_plus_overflow() -> None:
    assert pool_connections(3) == 6


def test_coverage_rule_catches_a_missing_pdb_and_service() -> None:
    docs = render(K8S / "overlays" / "prod")
    docs = [
        d
        for d in docs
        if not (
            d["kind"] in ("PodDisruptionBudget", "Service", "NetworkPolicy") and service_of(d) == "permits"
        )
    ]
    assert coverage_problems(docs) == [
        "svc-permits: no Service selects its pods",
        "svc-permits: no PodDisruptionBudget covers its pods",
        "svc-permits: no NetworkPolicy limits who reaches its pods",
    ]
    first(docs, "Deployment")["spec"]["replicas"] = 2
    assert "svc-permits: has an HPA, so no replicas (applying would scale it down)" in coverage_problems(docs)


def test_image_rule_catches_latest_and_untagged() -> None:
    docs = render(K8S / "overlays" / "prod")
    first(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["image"] = "siantar/permits:latest"
    first(docs, "Job")["spec"]["template"]["spec"]["containers"][0]["image"] = "registry:5000/siantar/permits"
    assert len(image_problems(docs)) == 2
    assert image_tag("registry:5000/siantar/permits@sha256:abc") == "sha256:abc"
