"""Gateway benchmark: requests/s and p50/p99 latency at 1 and 64 connections, direct vs through a proxy.

Starts the trivial upstream (upstream.py) and, per case, a proxy on loopback ports, then drives load with wrk
when it is on PATH (else a bounded aiohttp load generator in its own process). Cases: direct (no proxy), nginx
(when installed: a reverse proxy with upstream keepalive, one worker), httpx and aiohttp (minimal proxies in
proxies.py, served by uvicorn), aiohttp-web (aiohttp_web_proxy.py: aiohttp's own server and client), gateway (siantar_gateway on deploy/kong/kong.test.yml: every plugin on, limits that never throttle,
its JSON access log written to /dev/null) and gateway-nolog (the same with GATEWAY_ACCESS_LOG=false). Every run
is bounded by --duration; nothing leaves 127.0.0.1.

    uv run --package siantar-gateway python bench/gateway/run.py --connections 1,64
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
KONG_TEST = HERE.parents[1] / "deploy" / "kong" / "kong.test.yml"
UPSTREAM_PORT, PROXY_PORT = 18001, 18002
NGINX_CONF = """daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream bench {{ server 127.0.0.1:{upstream}; keepalive 128; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://bench;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""
PATH = "/complaints/v1/complaints"
APPS = {
    "httpx": ["--app-dir", str(HERE), "proxies:httpx_app"],
    "aiohttp": ["--app-dir", str(HERE), "proxies:aiohttp_app"],
}
GATEWAYS = ("gateway", "gateway-nolog")  # started as production starts it: python -m siantar_gateway


def server_flags(stack: str) -> list[str]:
    if stack == "uvloop":
        return ["--loop", "uvloop", "--http", "httptools"]
    return ["--loop", "asyncio", "--http", "h11"]


@contextmanager
def serve_nginx(port: int) -> Iterator[None]:
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, upstream=UPSTREAM_PORT, port=port))
        process = subprocess.Popen(["nginx", "-p", tmp, "-c", str(conf)], stderr=subprocess.DEVNULL)
        try:
            wait_ready(port)
            yield
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextmanager
def serve(app: list[str], port: int, stack: str, env: dict[str, str] | None = None) -> Iterator[None]:
    command = [sys.executable, "-m", "uvicorn", *app, "--host", "127.0.0.1", "--port", str(port)]
    command += [*server_flags(stack), "--no-access-log", "--log-level", "warning"]
    if app == ["gateway"]:
        command = [sys.executable, "-m", "siantar_gateway"]
        env = {**(env or {}), "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port)}
    elif app == ["aiohttp-web"]:
        upstream = f"http://127.0.0.1:{UPSTREAM_PORT}"
        command = [sys.executable, str(HERE / "aiohttp_web_proxy.py"), str(port), upstream, stack]
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_ready(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}{PATH}", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


def run_wrk(url: str, connections: int, duration: int) -> dict[str, float]:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s", url]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=duration + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)  # connect N, read N, write N, timeout N
    failed = int(errors.group(1)) if errors else 0
    failed += sum(int(n) for n in re.findall(r"\d+", sock.group(1))) if sock else 0
    return {
        "rps": rps,
        "p50_ms": to_ms(percentiles["50"]),
        "p99_ms": to_ms(percentiles["99"]),
        "errors": failed,
    }


def to_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_python_load(url: str, connections: int, duration: int) -> dict[str, float]:
    args = [sys.executable, str(HERE / "loadgen.py"), url, str(connections), str(duration)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=duration + 30).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def measure(port: int, args: argparse.Namespace) -> dict[int, dict[str, float]]:
    """One result per connection count, on the same running proxy."""
    url = f"http://127.0.0.1:{port}{PATH}"
    load = run_wrk if args.load == "wrk" else run_python_load
    results = {}
    for connections in args.connections:
        load(url, connections, args.warmup)
        results[connections] = load(url, connections, args.duration)
    return results


def bench_stack(stack: str, args: argparse.Namespace) -> list[dict[str, object]]:
    """Every case, --repeat rounds interleaved (so background load hits all cases alike); the median round."""
    runs: dict[tuple[str, int], list[dict[str, float]]] = {}
    with serve(["--app-dir", str(HERE), "upstream:app"], UPSTREAM_PORT, stack):
        for _ in range(args.repeat):
            for case in args.cases:
                for connections, result in run_case(case, stack, args).items():
                    runs.setdefault((case, connections), []).append(result)
                    print(
                        json.dumps({"stack": stack, "case": case, "connections": connections, **result}),
                        flush=True,
                    )
    return [{"stack": stack, "case": case, "connections": connections, **median_run(results)}
            for (case, connections), results in sorted(runs.items(), key=lambda item: item[0][1])]  # fmt: skip


def run_case(case: str, stack: str, args: argparse.Namespace) -> dict[int, dict[str, float]]:
    if case == "direct":
        return measure(UPSTREAM_PORT, args)
    if case == "nginx":
        with serve_nginx(PROXY_PORT):
            return measure(PROXY_PORT, args)
    env = {
        "GATEWAY_UPSTREAM_SVC_COMPLAINTS": f"http://127.0.0.1:{UPSTREAM_PORT}",
        "GATEWAY_KONG_CONFIG": str(KONG_TEST),
        "BENCH_UPSTREAM": f"http://127.0.0.1:{UPSTREAM_PORT}",
    }
    if case == "gateway-nolog":
        env["GATEWAY_ACCESS_LOG"] = "false"
    app = ["gateway"] if case in GATEWAYS else ["aiohttp-web"] if case == "aiohttp-web" else APPS[case]
    with serve(app, PROXY_PORT, stack, env):
        return measure(PROXY_PORT, args)


def median_run(results: list[dict[str, float]]) -> dict[str, float]:
    return sorted(results, key=lambda result: result["rps"])[len(results) // 2]


def available_stacks() -> list[str]:
    try:
        import httptools  # noqa: F401
        import uvloop  # noqa: F401
    except ImportError:
        return ["asyncio"]
    return ["asyncio", "uvloop"]


def print_table(rows: list[dict[str, Any]]) -> None:
    direct = {(row["stack"], row["connections"]): row for row in rows if row["case"] == "direct"}
    print("\n| stack | conns | case | req/s | ratio to direct | p50 ms | p50 added ms | p99 ms | errors |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        base = direct.get((row["stack"], row["connections"]))
        ratio = f"{row['rps'] / base['rps']:.2f}" if base else "-"
        added = f"{row['p50_ms'] - base['p50_ms']:+.2f}" if base else "-"
        print(
            f"| {row['stack']} | {row['connections']} | {row['case']} | {row['rps']:.0f} | {ratio} | "
            f"{row['p50_ms']:.2f} | {added} | {row['p99_ms']:.2f} | {row['errors']:.0f} |"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", default="1,64", help="comma-separated connection counts")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (max 60)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="rounds per case; the median round is reported")
    default_cases = (
        "direct,nginx,aiohttp,aiohttp-web,gateway,gateway-nolog"
        if shutil.which("nginx")
        else "direct,aiohttp,aiohttp-web,gateway,gateway-nolog"
    )
    parser.add_argument("--cases", default=default_cases, help="also: httpx")
    parser.add_argument("--stacks", default=",".join(available_stacks()))
    parser.add_argument(
        "--load", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    args = parser.parse_args()
    args.duration = min(args.duration, 60)
    args.repeat = max(1, min(args.repeat, 5))
    args.cases = args.cases.split(",")
    args.connections = [int(count) for count in args.connections.split(",")]
    args.stacks = args.stacks.split(",")
    return args


def main() -> None:
    args = parse_args()
    print(
        f"load generator: {args.load}, {args.connections} connections, {args.duration}s per case", flush=True
    )
    rows = [row for stack in args.stacks for row in bench_stack(stack, args)]
    print_table(rows)


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
