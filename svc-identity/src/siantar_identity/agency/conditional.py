"""HTTP conditional requests (RFC 9110 §8.8.3, §13): entity tags, `If-None-Match` and `If-Match`.

Entity tags here are strong: the SHA-256 of the exact JSON body sent, so equal tags mean equal bytes.
"""

import hashlib

from fastapi import Response
from pydantic import BaseModel

from siantar_shared.errors import PreconditionFailed, PreconditionRequired
from siantar_shared.i18n import Text

JSON = "application/json"


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def none_match(header: str | None, etag: str) -> bool:
    """True if `If-None-Match` names the current representation (weak comparison, §13.1.2): answer 304."""
    if header is None:
        return False
    tags = _tags(header)
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def require_match(header: str | None, etag: str) -> None:
    """`If-Match` must be sent (428) and name the current representation (strong comparison, else 412).

    `*` is not accepted: an update must say which version it was based on."""
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
    status_code: int = 200,
    if_none_match: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """`model` as JSON with its ETag, or a bodiless 304 when the client already holds this representation."""
    body = model.model_dump_json().encode()
    etag = entity_tag(body)
    all_headers = {**(headers or {}), "ETag": etag}
    if status_code == 200 and none_match(if_none_match, etag):
        return Response(status_code=304, headers=all_headers)
    return Response(content=body, status_code=status_code, media_type=JSON, headers=all_headers)
