"""Commands of svc-complaints: `python -m siantar_complaints serve | seed | jobs | job NAME`."""

import asyncio
import sys

from siantar_complaints.config import Settings
from siantar_complaints.jobs import open_complaints_runner
from siantar_complaints.seed import seed
from siantar_shared.jobs import job_main
from siantar_shared.server import serve

USAGE = "usage: python -m siantar_complaints serve | seed | jobs | job NAME"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    settings = Settings()
    if command == "serve":
        serve("siantar_complaints.main:create_app", settings=settings, host=settings.HOST, port=settings.PORT)
        return 0
    if command == "seed":
        asyncio.run(seed(settings))
        return 0
    if command in ("job", "jobs"):
        return job_main(argv, lambda: open_complaints_runner(settings))
    print(USAGE, file=sys.stderr)  # noqa: T201 - a command-line answer
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
