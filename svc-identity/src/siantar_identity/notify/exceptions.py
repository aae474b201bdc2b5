"""Errors of platform notifications, rendered as RFC 9457 problems."""

from siantar_shared.errors import NotFound, TooManyRequests
from siantar_shared.i18n import Text


class SubjectNotFound(NotFound):
    slug = "subject-not-found"
    title = Text("Subjek tidak dikenal", "Unknown subject")


class NotificationRateLimited(TooManyRequests):
    slug = "notification-rate-limited"
    title = Text("Terlalu banyak pemberitahuan untuk orang ini", "Too many notifications for this person")

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            Text(
                f"Paling banyak {limit} pemberitahuan per jam untuk satu orang; coba lagi nanti.",
                f"At most {limit} notifications an hour for one person; try again later.",
            ),
            headers={"Retry-After": str(retry_after)},
        )
