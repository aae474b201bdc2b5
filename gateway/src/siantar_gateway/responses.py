"""The gateway's own answers as raw ASGI messages: JSON, and RFC 9457 problems in the client's language."""

import json
from collections.abc import Sequence

from starlette.types import Scope, Send

from siantar_shared.errors import PROBLEM_BASE, PROBLEM_JSON, problem_body
from siantar_shared.i18n import Text, pick_language

NO_ROUTE = (
    "no-route",
    Text("Alamat tidak ditemukan", "Not found"),
    Text("Tidak ada layanan yang melayani alamat ini.", "No service answers at this address."),
)
UNREACHABLE = (
    "upstream-unreachable",
    Text("Layanan tujuan tidak dapat dihubungi", "The upstream service cannot be reached"),
    Text("Layanan {service} sedang tidak dapat dihubungi; silakan coba lagi nanti.",
         "The {service} service cannot be reached right now; please try again later."),
)  # fmt: skip
TIMED_OUT = (
    "upstream-timeout",
    Text("Layanan tujuan tidak menjawab tepat waktu", "The upstream service timed out"),
    Text("Layanan {service} tidak menjawab dalam batas waktu; silakan coba lagi nanti.",
         "The {service} service did not answer in time; please try again later."),
)  # fmt: skip
Problem = tuple[str, Text, Text]


async def send_json(
    send: Send,
    status: int,
    body: object,
    *,
    content_type: str = "application/json",
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    start = [(b"content-type", content_type.encode()), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*start, *headers]})
    await send({"type": "http.response.body", "body": payload})


async def send_problem(send: Send, scope: Scope, status: int, problem: Problem, **params: str) -> None:
    """An `application/problem+json` answer titled in Bahasa Indonesia, or English if the client prefers it."""
    slug, title, detail = problem
    language = pick_language(_header(scope, b"accept-language"))
    body = problem_body(
        status,
        title=title.pick(language),
        detail=detail.format(**params).pick(language),
        type_=PROBLEM_BASE + slug,
        instance=scope["path"],
    )
    await send_json(send, status, body, content_type=PROBLEM_JSON, headers=[(b"cache-control", b"no-store")])


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
