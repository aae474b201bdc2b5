"""Existence checks as dependencies: a path naming an unknown category is a 404 before the endpoint runs."""

from typing import Annotated

from fastapi import Depends, Path

from siantar_complaints.category import service as category_service
from siantar_complaints.category.models import Category
from siantar_complaints.category.schemas import CODE_PATTERN
from siantar_shared.db import SessionDep

CodePath = Annotated[str, Path(pattern=CODE_PATTERN, description="Category code", examples=["sampah"])]


async def get_category(code: CodePath, session: SessionDep) -> Category:
    return await category_service.get(session, code)


CategoryDep = Annotated[Category, Depends(get_category)]
