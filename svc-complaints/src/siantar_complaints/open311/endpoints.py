"""Open311 GeoReport v2 endpoints, mounted at the root (outside /complaints/v1)."""

from fastapi import APIRouter

router = APIRouter(prefix="/open311/v2", tags=["open311"])
