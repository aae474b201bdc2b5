"""List, queue, search, map and statistics endpoints under /complaints/v1/..."""

from fastapi import APIRouter

router = APIRouter(tags=["browse"])
