"""`?sorting=-created_at,title`: sort fields checked against a StrEnum, `-` for descending."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Generic, TypeVar

from fastapi import Query

from siantar_shared.errors import AppError
from siantar_shared.i18n import Text

E = TypeVar("E", bound=StrEnum)
MAX_SORT_FIELDS = 3


class InvalidSorting(AppError):
    status, slug = 422, "invalid-sorting"
    title = Text("Urutan tidak sah", "Invalid sorting")


@dataclass(frozen=True, slots=True)
class Sort(Generic[E]):
    field: E
    descending: bool


def sorting_getter(enum: type[E], default: Sequence[str]) -> Callable[..., list[Sort[E]]]:
    """A dependency parsing `?sorting=` into `Sort` items; unknown or repeated fields are a 422."""
    allowed = ", ".join(member.value for member in enum)

    def get(
        sorting: Annotated[
            str | None, Query(max_length=200, description=f"Comma-separated; `-` for descending. Fields: {allowed}")
        ] = None,
    ) -> list[Sort[E]]:
        parts = [p.strip() for p in sorting.split(",")] if sorting else list(default)
        result: list[Sort[E]] = []
        for part in parts:
            name = part.removeprefix("-")
            if name not in enum.__members__.values() or any(s.field == name for s in result):
                raise InvalidSorting(
                    Text(f"Urutan '{part}' tidak dikenal; pilihan: {allowed}", f"Unknown sorting '{part}'; use: {allowed}")
                )
            result.append(Sort(enum(name), part.startswith("-")))
        if len(result) > MAX_SORT_FIELDS:
            raise InvalidSorting(Text("Terlalu banyak kolom urutan", "Too many sort fields"))
        return result

    return get
