"""`make run`: start identity (8001), complaints (8002), permits (8003) and the gateway (8000), each its own
process, and each service's periodic jobs every minute (`jobs --every 60`: SLA reminders and escalations,
closing silent complaints, notification delivery, purges; production runs them from cron or CronJobs);
Ctrl-C (or SIGTERM) stops them all, letting requests and jobs in flight finish."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"identity": 8001, "complaints": 8002, "permits": 8003}
GATEWAY_PORT = 8000
STOP_GRACE_SECONDS = 25
JOBS_EVERY_SECONDS = 60


def start(module: str, extra_env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    # own session: Ctrl-C reaches only this supervisor, which then sends each child one SIGTERM
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module names
        [sys.executable, "-m", module, *args], env={**os.environ, **extra_env}, start_new_session=True
    )


def start_all() -> list[subprocess.Popen[bytes]]:
    children = [
        start(f"siantar_{name}", {f"{name.upper()}_PORT": str(port)}, "serve")
        for name, port in SERVICES.items()
    ]

    upstreams = {
        f"GATEWAY_UPSTREAM_SVC_{name.upper()}": f"http://127.0.0.1:{port}" for name, port in SERVICES.items()
    }
    # the dev render of gateway/kong.yml (local CORS origins, looser limits); GATEWAY_KONG_CONFIG in .env wins
    kong_dev = os.environ.get("GATEWAY_KONG_CONFIG") or str(ROOT / "deploy" / "kong" / "kong.dev.yml")
    gateway_env = {**upstreams, "GATEWAY_PORT": str(GATEWAY_PORT), "GATEWAY_KONG_CONFIG": kong_dev}
    children.append(start("siantar_gateway", gateway_env))
    return children


def start_jobs() -> list[subprocess.Popen[bytes]]:
    """The periodic jobs, once the platform answers (their first run calls identity)."""
    return [start(f"siantar_{name}", {}, "jobs", "--every", str(JOBS_EVERY_SECONDS)) for name in SERVICES]


def healthy() -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{GATEWAY_PORT}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def stop_all(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


def main() -> int:
    children = start_all()
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sys.stderr.write(
        f"\nSiantar platform: http://127.0.0.1:{GATEWAY_PORT} (health: /healthz). "
        "Demo credentials: var/demo-credentials.json. Ctrl-C stops everything.\n\n"
    )
    jobs_started = False
    while not stopping:
        if not jobs_started and healthy():
            children += start_jobs()
            jobs_started = True
        if any(child.poll() is not None for child in children):
            sys.stderr.write("a process stopped unexpectedly; stopping the others\n")
            stop_all(children)
            return 1
        time.sleep(0.5)
    stop_all(children)
    return 0


if __name__ == "__main__":
    sys.exit(main())
