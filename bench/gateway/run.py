"""Gateway benchmark: requests/s and p50/p99 latency at N connections, direct vs through a proxy.

Starts the trivial upstream (upstream.py) and, per case, a proxy with uvicorn on loopback ports, then
drives load with wrk when it is on PATH (else a bounded aiohttp load generator in its own process).
Cases: direct (no proxy), httpx and aiohttp (minimal proxies in proxies.py), gateway (siantar_gateway
with the kong.yml route table and its JSON access log, written to /dev/null) and gateway-nolog (the same
with GATEWAY_ACCESS_LOG=false). Every run is bounded by --duration; nothing leaves 127.0.0.1.

    uv run --package siantar-gateway python bench/gateway/run.py
    uv run --package siantar-gateway --with uvloop --with httptools python bench/gateway/run.py
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
UPSTREAM_PORT, PROXY_PORT = 18001, 18002
PATH = "/complaints/v1/complaints"
APPS = {
    "httpx": ["--app-dir", str(HERE), "proxies:httpx_app"],
    "aiohttp": ["--app-dir", str(HERE), "proxies:aiohttp_app"],
    "gateway": ["--factory", "siantar_gateway.main:create_app"],
    "gateway-nolog": ["--factory", "siantar_gateway.main:create_app"],  # GATEWAY_ACCESS_LOG=false
}


def server_flags(stack: str) -> list[str]:
    if stack == "uvloop":
        return ["--loop", "uvloop", "--http", "httptools"]
    return ["--loop", "asyncio", "--http", "h11"]


@contextmanager
def serve(app: list[str], port: int, stack: str, env: dict[str, str] | None = None) -> Iterator[None]:
    command = [sys.executable, "-m", "uvicorn", *app, "--host", "127.0.0.1", "--port", str(port)]
    command += [*server_flags(stack), "--no-access-log", "--log-level", "warning"]
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


def measure(port: int, args: argparse.Namespace) -> dict[str, float]:
    url = f"http://127.0.0.1:{port}{PATH}"
    load = run_wrk if args.load == "wrk" else run_python_load
    load(url, args.connections, args.warmup)
    return load(url, args.connections, args.duration)


def bench_stack(stack: str, args: argparse.Namespace) -> list[dict[str, object]]:
    """Every case, --repeat rounds interleaved (so background load hits all cases alike); the median round."""
    runs: dict[str, list[dict[str, float]]] = {case: [] for case in args.cases}
    with serve(["--app-dir", str(HERE), "upstream:app"], UPSTREAM_PORT, stack):
        for _ in range(args.repeat):
            for case in args.cases:
                runs[case].append(run_case(case, stack, args))
                print(json.dumps({"stack": stack, "case": case, **runs[case][-1]}), flush=True)
    return [{"stack": stack, "case": case, **median_run(results)} for case, results in runs.items()]


def run_case(case: str, stack: str, args: argparse.Namespace) -> dict[str, float]:
    if case == "direct":
        return measure(UPSTREAM_PORT, args)
    env = {
        "GATEWAY_UPSTREAM_SVC_COMPLAINTS": f"http://127.0.0.1:{UPSTREAM_PORT}",
        "BENCH_UPSTREAM": f"http://127.0.0.1:{UPSTREAM_PORT}",
    }
    if case == "gateway-nolog":
        env["GATEWAY_ACCESS_LOG"] = "false"
    with serve(APPS[case], PROXY_PORT, stack, env):
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


def print_table(rows: list[dict[str, object]]) -> None:
    direct = {row["stack"]: row["rps"] for row in rows if row["case"] == "direct"}
    print("\n| server stack | case | req/s | % of direct | p50 ms | p99 ms | errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        base = direct.get(row["stack"])
        share = f"{100 * float(row['rps']) / float(base):.0f}%" if base else "-"  # type: ignore[arg-type]
        print(
            f"| {row['stack']} | {row['case']} | {float(row['rps']):.0f} | {share} | "  # type: ignore[arg-type]
            f"{row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['errors']:.0f} |"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (max 60)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="rounds per case; the median round is reported")
    parser.add_argument("--cases", default="direct,httpx,aiohttp,gateway,gateway-nolog")
    parser.add_argument("--stacks", default=",".join(available_stacks()))
    parser.add_argument(
        "--load", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    args = parser.parse_args()
    args.duration = min(args.duration, 60)
    args.repeat = max(1, min(args.repeat, 5))
    args.cases = args.cases.split(",")
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
