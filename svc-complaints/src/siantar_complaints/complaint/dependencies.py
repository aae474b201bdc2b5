"""The app's storage and clock for endpoint signatures."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from siantar_shared.storage import Storage


async def get_storage(request: Request) -> Storage:
    storage: Storage = request.state.storage
    return storage


async def utc_now() -> datetime:
    return datetime.now(UTC)


StorageDep = Annotated[Storage, Depends(get_storage)]
NowDep = Annotated[datetime, Depends(utc_now)]
