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
    """A dependency parsing `?sorting=` into `Sort` items; unknown or repeated fields are a 422.

    The default is checked here, once, so a typo in it fails at import time rather than on every request.
    """
    allowed = ", ".join(member.value for member in enum)
    try:
        parse_sorting(enum, list(default))
    except InvalidSorting as exc:
        raise ValueError(f"invalid default sorting {list(default)!r} for {enum.__name__}: {exc}") from exc

    def get(
        sorting: Annotated[
            str | None,
            Query(max_length=200, description=f"Comma-separated; `-` for descending. Fields: {allowed}"),
        ] = None,
    ) -> list[Sort[E]]:
        return parse_sorting(enum, [p.strip() for p in sorting.split(",")] if sorting else list(default))

    return get


def parse_sorting(enum: type[E], parts: Sequence[str]) -> list[Sort[E]]:
    """`["-created_at", "title"]` as `Sort` items; InvalidSorting (422) for an unknown, repeated or extra field."""
    allowed = ", ".join(member.value for member in enum)
    values = {member.value for member in enum}
    result: list[Sort[E]] = []
    for part in parts:
        name = part.removeprefix("-")
        if name not in values or any(s.field == name for s in result):
            raise InvalidSorting(
                Text(
                    f"Urutan '{part}' tidak dikenal; pilihan: {allowed}",
                    f"Unknown sorting '{part}'; use: {allowed}",
                )
            )
        result.append(Sort(enum(name), part.startswith("-")))
    if len(result) > MAX_SORT_FIELDS:
        raise InvalidSorting(
            Text(f"Paling banyak {MAX_SORT_FIELDS} kolom urutan", f"At most {MAX_SORT_FIELDS} sort fields")
        )
    return result
