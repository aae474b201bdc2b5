"""A tiny service for test_server.py: one slow endpoint, served by siantar_shared.server.serve."""

import asyncio
import os
import sys

from fastapi import FastAPI

from siantar_shared.server import serve
from siantar_shared.settings import ServiceSettings


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(1.5)
        return {"status": "finished"}

    @app.get("/livez")
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    serve(
        "graceful_app:create_app",
        settings=ServiceSettings(_env_file=None),
        host="127.0.0.1",
        port=int(sys.argv[1]),
    )
