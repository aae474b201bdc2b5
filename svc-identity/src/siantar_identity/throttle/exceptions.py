"""The answer to a throttled attempt: 429 with `Retry-After`, never a held connection."""

from siantar_shared.errors import TooManyRequests
from siantar_shared.i18n import Text


class SignInThrottled(TooManyRequests):
    slug = "sign-in-throttled"
    title = Text("Terlalu banyak percobaan masuk", "Too many sign-in attempts")

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            Text(
                f"Coba lagi dalam {retry_after} detik.",
                f"Try again in {retry_after} seconds.",
            ),
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )
