"""The gateway's own answers as raw ASGI messages: JSON, RFC 9457 problems in the client's language, and on
`/open311/v2` the Open311 GeoReport v2 error shape (a list of `{code, description}`, in JSON or XML by the path's
`.xml`/`.json` suffix, JSON by default), which Open311 clients parse instead of problem+json."""

import json
from collections.abc import Sequence
from xml.sax.saxutils import escape

from starlette.types import Scope, Send

from siantar_shared.errors import PROBLEM_BASE, PROBLEM_JSON, problem_body
from siantar_shared.i18n import Text, pick_language

OPEN311_PREFIX = "/open311/v2"
Headers = Sequence[tuple[bytes, bytes]]

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
TOO_LARGE = (
    "payload-too-large",
    Text("Isi permintaan terlalu besar", "Request body too large"),
    Text("Isi permintaan melebihi batas {limit} byte untuk alamat ini.",
         "The request body exceeds this address's limit of {limit} bytes."),
)  # fmt: skip
LENGTH_REQUIRED = (
    "length-required",
    Text("Content-Length wajib diisi", "Content-Length required"),
    Text("Alamat ini memerlukan header Content-Length yang sah.", "This address needs a valid Content-Length header."),
)  # fmt: skip
RATE_LIMITED = (
    "rate-limited",
    Text("Terlalu banyak permintaan", "Too many requests"),
    Text("Batas permintaan dari alamat Anda telah tercapai; coba lagi dalam {retry_after} detik.",
         "You have reached the request limit from your address; try again in {retry_after} seconds."),
)  # fmt: skip
Problem = tuple[str, Text, Text]


async def send_json(
    send: Send,
    status: int,
    body: object,
    *,
    content_type: str = "application/json",
    headers: Headers = (),
) -> None:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    await send_bytes(send, status, payload, content_type, headers)


async def send_bytes(
    send: Send, status: int, payload: bytes, content_type: str, headers: Headers = ()
) -> None:
    start = [(b"content-type", content_type.encode()), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*start, *headers]})
    await send({"type": "http.response.body", "body": payload})


def is_open311(path: str) -> bool:
    return path == OPEN311_PREFIX or path.startswith(OPEN311_PREFIX + "/")


async def send_error(send: Send, scope: Scope, path: str, status: int, problem: Problem,
                     headers: Headers = (), **params: str) -> None:  # fmt: skip
    """The gateway's own error: Open311's shape under /open311/v2, else an RFC 9457 problem."""
    if is_open311(path):
        await send_open311_error(send, scope, path, status, problem, headers, **params)
    else:
        await send_problem(send, scope, status, problem, headers, **params)


async def send_problem(send: Send, scope: Scope, status: int, problem: Problem, headers: Headers = (),
                       **params: str) -> None:  # fmt: skip
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
    own = [(b"cache-control", b"no-store"), *headers]
    await send_json(send, status, body, content_type=PROBLEM_JSON, headers=own)


async def send_open311_error(send: Send, scope: Scope, path: str, status: int, problem: Problem,
                             headers: Headers = (), **params: str) -> None:  # fmt: skip
    """GeoReport v2 errors: `[{"code": 429, "description": "..."}]`, or `<errors><error>...` for `.xml` paths.

    The HTTP status is one of the three the spec knows (as svc-complaints answers under the same prefix): 403
    for 401/403, 404 for 404, 400 for everything else; `code` keeps the gateway's own status (413, 429, 502,
    504), and `Retry-After` stays on a rate-limit refusal."""
    _, _, detail = problem
    code, status = status, open311_status(status)
    description = detail.format(**params).pick(pick_language(_header(scope, b"accept-language")))
    own = [(b"cache-control", b"no-store"), *headers]
    if path.endswith(".xml"):
        payload = (
            '<?xml version="1.0" encoding="utf-8"?>\n<errors><error>'
            f"<code>{code}</code><description>{escape(description)}</description>"
            "</error></errors>"
        ).encode()
        await send_bytes(send, status, payload, "application/xml; charset=utf-8", own)
    else:
        await send_json(send, status, [{"code": code, "description": description}], headers=own)


def open311_status(status: int) -> int:
    """The GeoReport v2 status of an error: 403 (key missing or refused), 404 (no such thing), else 400."""
    if status in (401, 403):
        return 403
    return 404 if status == 404 else 400


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
