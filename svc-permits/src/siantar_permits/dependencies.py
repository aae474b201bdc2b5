"""Request-scoped access to what the lifespan built: storage, the signer, issuance."""

from typing import Annotated

from fastapi import Depends, Request

from siantar_permits.config import Settings
from siantar_permits.issuance.signing import Signer
from siantar_permits.permit.service import Issuance
from siantar_shared.storage import Storage


def get_storage(request: Request) -> Storage:
    storage: Storage = request.state.storage
    return storage


def get_signer(request: Request) -> Signer:
    signer: Signer = request.state.signer
    return signer


def get_issuance(request: Request) -> Issuance:
    settings: Settings = request.state.settings
    return Issuance(settings=settings, storage=get_storage(request), signer=get_signer(request))


StorageDep = Annotated[Storage, Depends(get_storage)]
SignerDep = Annotated[Signer, Depends(get_signer)]
IssuanceDep = Annotated[Issuance, Depends(get_issuance)]
