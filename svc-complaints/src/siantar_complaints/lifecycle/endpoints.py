"""Transitions, timeline, follow and rating endpoints under /complaints/v1/complaints/{id}/..."""

from fastapi import APIRouter

router = APIRouter(tags=["lifecycle"])
