"""Commands of svc-identity: `python -m siantar_identity serve | seed | jobs | job NAME | rotate-signing-key`."""

import asyncio
import sys

from siantar_identity.config import Settings
from siantar_identity.jobs import open_identity_runner
from siantar_identity.oauth.rotation import rotate_command
from siantar_identity.seed import seed
from siantar_shared.jobs import job_main
from siantar_shared.server import serve

USAGE = (
    "usage: python -m siantar_identity serve | seed | jobs | job NAME"
    " | rotate-signing-key [--immediately | --compromised]"
)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    settings = Settings()
    if command == "serve":
        serve("siantar_identity.main:create_app", settings=settings, host=settings.HOST, port=settings.PORT)
        return 0
    if command == "seed":
        asyncio.run(seed(settings))
        return 0
    if command == "rotate-signing-key":
        return asyncio.run(rotate_command(settings, argv[1:]))
    if command in ("job", "jobs"):
        return job_main(argv, lambda: open_identity_runner(settings))
    print(USAGE, file=sys.stderr)  # noqa: T201 - a command-line answer
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
