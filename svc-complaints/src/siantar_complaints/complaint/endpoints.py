"""Submitting a complaint, reading one, and its photos under /complaints/v1/complaints."""

from fastapi import APIRouter

router = APIRouter(tags=["complaints"])
