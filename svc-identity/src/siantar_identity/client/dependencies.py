"""Dependencies for answers that carry a secret shown once (client secrets, API keys, TOTP secrets)."""

from typing import Annotated

from fastapi import Depends, Header, Response

from siantar_shared.errors import BadRequest
from siantar_shared.i18n import Text


async def secret_answer(
    response: Response,
    idempotency_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    """The answer holds a secret shown once: it must not be cached (`no-store`), and an `Idempotency-Key`
    is refused, as the idempotency store would keep the answer, secret included, to replay it."""
    if idempotency_key is not None:
        raise BadRequest(
            Text(
                "Idempotency-Key tidak didukung di sini: jawabannya memuat rahasia yang hanya ditampilkan sekali",
                "Idempotency-Key is not supported here: the answer carries a secret shown only once",
            )
        )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


SecretAnswer = Depends(secret_answer)
