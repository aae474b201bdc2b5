"""Open311 conformance, as another program sees it: svc-complaints and svc-identity run as real uvicorn processes on
free loopback ports, each on a fresh database of its own (PostgreSQL when TEST_DATABASE_URL is set, else SQLite),
migrated and seeded as `make run` does; identity's seed writes the demo Open311 client and its `api_key` to
`var/demo-credentials.json`, which is what this suite posts with. One pair of servers for the test session,
started as `make run` starts them (`python -m siantar_<service> serve`)."""

import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from open311_schemas import parse_xml, texts, validate, validate_openapi_list
from PIL import Image

from siantar_shared.testing.databases import fresh_database

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Servers:
    base: str  # the Open311 v2 base of svc-complaints
    var_dir: Path
    logs: dict[str, Path]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def open311_client(self) -> dict[str, Any]:
        credentials = json.loads((self.var_dir / "demo-credentials.json").read_text())
        client: dict[str, Any] = next(
            c for c in credentials["api_clients"] if c["client_id"] == "open311-demo"
        )
        return client


def launch(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, stdout=handle, stderr=handle)  # noqa: S603 - our modules


async def run_seed(module: str, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        "seed",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    assert process.returncode == 0, errors.decode(errors="replace")[-2000:]


async def wait_until_up(servers: Servers, urls: list[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with httpx.AsyncClient(timeout=2) as client:
        for url in urls:
            while True:
                for process in servers.processes:
                    assert process.poll() is None, f"a server died at start: see {servers.logs}"
                try:
                    if (await client.get(url)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"{url} did not come up"
                await asyncio.sleep(0.2)


@pytest.fixture(scope="session")
async def servers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Servers]:
    folder = tmp_path_factory.mktemp("open311")
    ports = {"identity": free_port(), "complaints": free_port()}
    identity_url = f"http://127.0.0.1:{ports['identity']}"
    logs = {name: folder / f"{name}.log" for name in ports}
    servers = Servers(f"http://127.0.0.1:{ports['complaints']}/open311/v2", folder / "var", logs)
    common = {
        **os.environ,
        "SIANTAR_VAR_DIR": str(servers.var_dir),
        "PYTHONUNBUFFERED": "1",
        "IDENTITY_PUBLIC_URL": identity_url,
    }
    async with AsyncExitStack() as stack:
        # one migration at a time (Alembic's context is global to the process), then seeds and servers at once
        urls = {
            name: await stack.enter_async_context(
                fresh_database(f"open311_{name}", ROOT / f"svc-{name}" / "alembic.ini")
            )
            for name in ports
        }

        async def start(name: str, command: list[str]) -> None:
            prefix = name.upper()
            url = urls[name]
            env = {
                **common,
                f"{prefix}_DATABASE_URL": url,
                f"{prefix}_PORT": str(ports[name]),
                f"{prefix}_TOKEN_ISSUER": f"{identity_url}/identity",
                f"{prefix}_IDENTITY_URL": identity_url,
            }
            await run_seed(f"siantar_{name}", env)
            servers.processes.append(launch(command, env, logs[name]))

        # identity's seed writes the demo credentials: complaints reads its client secret there on first use
        await asyncio.gather(
            start("identity", [sys.executable, "-m", "siantar_identity", "serve"]),
            start("complaints", [sys.executable, "-m", "siantar_complaints", "serve"]),
        )
        try:
            await wait_until_up(
                servers, [f"{identity_url}/livez", f"http://127.0.0.1:{ports['complaints']}/livez"]
            )
            yield servers
        finally:
            for process in servers.processes:
                process.terminate()
            for process in servers.processes:
                try:
                    await asyncio.to_thread(process.wait, 20)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
async def http(servers: Servers) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=servers.base, timeout=20) as client:
        yield client


def open311_error(answer: httpx.Response, status: int) -> dict[str, str | None]:
    assert answer.status_code == status, answer.text
    if answer.url.path.endswith(".xml"):
        root = parse_xml(answer.content)
        assert root.tag == "errors"
        [error] = root.findall("error")
        return texts(error)
    [error] = answer.json()
    assert set(error) == {"code", "description"}
    return {"code": str(error["code"]), "description": error["description"]}


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (20, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def report(api_key: str, **overrides: Any) -> dict[str, Any]:
    fields = {
        "api_key": api_key,
        "jurisdiction_id": "pematangsiantar.go.id",
        "service_code": "sampah",
        "lat": "2.9601",
        "long": "99.0612",
        "address_string": "Jl. Merdeka, depan pasar",
        "description": "Sampah menumpuk di TPS sejak lima hari, berbau dan mengundang lalat.",
        "attribute[masalah]": "tps-penuh",
        "first_name": "Tumpal",
        "last_name": "Sinaga",
        "email": "tumpal@example.test",
    }
    fields.update(overrides)
    return fields


async def test_the_seed_lists_the_open311_client_with_its_key(servers: Servers) -> None:
    client = servers.open311_client
    assert client["api_key"].startswith("sia_")
    assert "open311:write" in client["scopes"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_discovery_and_services(http: httpx.AsyncClient, servers: Servers, fmt: str) -> None:
    discovery = await http.get(f"/discovery.{fmt}")
    assert discovery.status_code == 200
    services = await http.get(f"/services.{fmt}")
    definition = await http.get(f"/services/sampah.{fmt}")
    if fmt == "json":
        assert discovery.json()["endpoints"][0]["url"] == servers.base
        validate("services", services.json())
        validate("service-definition", definition.json())
    else:
        assert parse_xml(discovery.content).findtext("endpoints/endpoint/url") == servers.base
        assert {s.findtext("service_code") for s in parse_xml(services.content)} >= {"sampah", "lampu-jalan"}
        assert parse_xml(definition.content).findtext("attributes/attribute/code") == "masalah"


async def test_post_then_get_by_id_in_the_list_and_by_token(
    http: httpx.AsyncClient, servers: Servers
) -> None:
    key = servers.open311_client["api_key"]
    answer = await http.post("/requests.json", data=report(key))
    assert answer.status_code == 200, answer.text
    validate_openapi_list("RequestResponse", answer.json())
    number = answer.json()[0]["service_request_id"]
    assert "tumpal" not in answer.text.lower()

    by_id = await http.get(f"/requests/{number}.json", params={"extensions": "true"})
    validate("requests", by_id.json())
    [item] = by_id.json()
    assert item["service_code"] == "sampah"
    assert item["status"] == "open"
    assert item["agency_responsible"]  # identity's name of the OPD
    assert item["requested_datetime"].endswith("+07:00")
    assert item["extended_attributes"]["channel"] == "open311"
    xml_by_id = await http.get(f"/requests/{number}.xml")
    assert [r.findtext("service_request_id") for r in parse_xml(xml_by_id.content)] == [number]

    listed = await http.get("/requests.json", params={"service_code": "sampah", "status": "open"})
    assert number in [entry["service_request_id"] for entry in listed.json()]
    xml_listed = await http.get("/requests.xml", params={"service_request_id": number})
    assert [r.findtext("service_request_id") for r in parse_xml(xml_listed.content)] == [number]
    for text in (by_id.text, listed.text, xml_listed.text):
        assert "Sinaga" not in text
        assert "tumpal@example.test" not in text

    updates = await http.get("/servicerequestupdates.json")
    validate_openapi_list("Update", updates.json())
    assert number in {update["service_request_id"] for update in updates.json()}


async def test_multipart_photo_and_idempotent_retry(http: httpx.AsyncClient, servers: Servers) -> None:
    key = servers.open311_client["api_key"]
    fields = report(key, description="Tumpukan sampah di samping sekolah, belum diangkut seminggu.")
    fields["media_url"] = [
        "https://media.example.test/sampah-1.jpg",
        "https://media.example.test/sampah-2.jpg",
    ]
    files = {"media": ("sampah.jpg", jpeg(), "image/jpeg")}
    headers = {"Idempotency-Key": "conformance-multipart-1"}
    first = await http.post("/requests.xml", data=fields, files=files, headers=headers)
    assert first.status_code == 200, first.text
    again = await http.post("/requests.xml", data=fields, files=files, headers=headers)
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    number = parse_xml(first.content).findtext("request/service_request_id")
    assert number is not None
    listed = await http.get("/requests.json", params={"service_code": "sampah"})
    assert [entry["service_request_id"] for entry in listed.json()].count(number) == 1
    [item] = (await http.get(f"/requests/{number}.json", params={"extensions": "true"})).json()
    assert item["media_url"].startswith(
        servers.base.removesuffix("/open311/v2") + "/complaints/v1/complaints/"
    )
    assert item["extended_attributes"]["media_urls"][1:] == fields["media_url"]
    photo = await http.get(item["media_url"])
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_errors_are_open311_lists(http: httpx.AsyncClient, servers: Servers, fmt: str) -> None:
    key = servers.open311_client["api_key"]
    assert open311_error(await http.post(f"/requests.{fmt}", data=report("")), 403)["code"] == "403"
    assert open311_error(await http.post(f"/requests.{fmt}", data=report("sia_bad")), 403)["code"] == "403"
    unknown = await http.post(f"/requests.{fmt}", data=report(key, jurisdiction_id="medan.go.id"))
    assert open311_error(unknown, 404)["code"] == "404"
    assert open311_error(await http.get(f"/no-such-thing.{fmt}"), 404)["code"] == "404"
    assert open311_error(await http.get(f"/requests/SIANTAR-1999-000001.{fmt}"), 404)["code"] == "404"
    assert open311_error(await http.get(f"/requests.{fmt}", params={"page": "nol"}), 400)["code"] == "400"
    assert open311_error(await http.put(f"/requests.{fmt}"), 400)["code"] == "405"
    assert open311_error(await http.get("/services.csv"), 400)["code"] == "400"


async def test_double_slashes_are_merged(servers: Servers) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(servers.base + "//services.xml")
    assert answer.status_code == 200
    assert parse_xml(answer.content).tag == "services"
