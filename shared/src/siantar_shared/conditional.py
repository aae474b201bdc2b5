"""HTTP conditional requests (RFC 9110 §8.8.3, §13): entity tags, `If-None-Match` and `If-Match`.

Two kinds of tags: a listing's tag is the SHA-256 of the exact JSON body sent (equal tags, equal bytes); an
editable record's tag is its version column (`"v3"`), which grows with every UPDATE, so `If-Match` is a
version check and the UPDATE itself is conditional on it.
"""

import hashlib
from typing import Annotated, Any

from fastapi import Header, Response
from pydantic import BaseModel

from siantar_shared.errors import PreconditionFailed, PreconditionRequired
from siantar_shared.i18n import Text

JSON = "application/json"
PUBLIC_CACHE = "public, max-age=60"
NO_STORE = "no-store"

IfNoneMatch = Annotated[str | None, Header(description="ETag of a copy you hold: 304 if it is still current")]
IfMatch = Annotated[
    str | None,
    Header(
        description="ETag of the version your change is based on (required: 428 without it, 412 if stale)"
    ),
]

ETAG_HEADER: dict[str, Any] = {
    "ETag": {"description": "Entity tag of this representation", "schema": {"type": "string"}}
}
CACHED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"headers": ETAG_HEADER},
    304: {"description": "Not modified: the copy named by If-None-Match is current"},
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    412: {"description": "Changed since you read it: read it again, then repeat your change"},
    428: {"description": "If-Match is missing"},
}


def body_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def version_tag(version: int) -> str:
    return f'"v{version}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def none_match(header: str | None, etag: str) -> bool:
    """True if `If-None-Match` names the current representation (weak comparison, §13.1.2): answer 304."""
    if header is None:
        return False
    tags = _tags(header)
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def require_match(header: str | None, etag: str) -> None:
    """`If-Match` must be sent (428) and name the current version (strong comparison, else 412).

    `*` is refused: an update must say which version it was based on."""
    if header is None or not header.strip():
        raise PreconditionRequired(
            Text(
                "Kirim header If-Match berisi ETag terakhir yang Anda baca",
                "Send an If-Match header with the ETag you last read",
            )
        )
    if etag not in _tags(header):
        raise PreconditionFailed(
            Text(
                "ETag tidak cocok: baca ulang data terbaru lalu ulangi perubahan Anda",
                "The ETag does not match: read the current version, then repeat your change",
            ),
            headers={"ETag": etag},
        )


def json_response(
    model: BaseModel,
    *,
    etag: str | None = None,
    status_code: int = 200,
    if_none_match: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """`model` as JSON with an ETag (`etag`, else the hash of the body), or a bodiless 304 when the client
    already holds this representation."""
    body = model.model_dump_json().encode()
    tag = etag or body_tag(body)
    all_headers = {**(headers or {}), "ETag": tag}
    if status_code == 200 and none_match(if_none_match, tag):
        return Response(status_code=304, headers=all_headers)
    return Response(content=body, status_code=status_code, media_type=JSON, headers=all_headers)
