"""The agency directory of the running app, for endpoint signatures."""

from typing import Annotated

from fastapi import Depends, Request

from siantar_complaints.identity.client import AgencyDirectory
from siantar_complaints.identity.services import IdentityServices


async def get_agency_directory(request: Request) -> AgencyDirectory:
    directory: AgencyDirectory = request.state.agency_directory
    return directory


AgencyDirectoryDep = Annotated[AgencyDirectory, Depends(get_agency_directory)]


async def get_identity_services(request: Request) -> IdentityServices:
    services: IdentityServices = request.state.identity_services
    return services


IdentityServicesDep = Annotated[IdentityServices, Depends(get_identity_services)]
