"""Keyset (cursor) pagination: `?limit=&cursor=` answering `{items, next_cursor}`.

The cursor encodes the last row's sort key and id, so page 1,000 costs what page 1 costs, and there is no
exact `COUNT(*)`. Sort columns must be NOT NULL; the id breaks ties. Mixed directions are supported.
"""

import base64
import binascii
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_shared.db import read_rows
from siantar_shared.errors import AppError
from siantar_shared.i18n import Text

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_BIGINT = (-(2**63), 2**63 - 1)
T = TypeVar("T")
M = TypeVar("M")
R = TypeVar("R", bound=tuple[Any, ...])


class InvalidCursor(AppError):
    status, slug = 400, "invalid-cursor"
    title = Text("Kursor halaman tidak sah", "Invalid page cursor")


class Page(BaseModel, Generic[T]):
    """One page of results; `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class CursorParams:
    limit: int
    cursor: str | None


async def cursor_query(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=1024, description="`next_cursor` of the previous page")
    ] = None,
) -> CursorParams:
    # async on purpose: FastAPI runs a plain `def` dependency in its thread pool, one hop per request
    return CursorParams(limit=limit, cursor=cursor)


CursorQuery = Annotated[CursorParams, Depends(cursor_query)]


@dataclass(frozen=True, slots=True)
class SortKey:
    column: ColumnElement[Any]
    descending: bool


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_tag(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
        if not isinstance(decoded, list):
            raise TypeError("a cursor is a JSON array")
        values = [_untag(v) for v in decoded]
    except (binascii.Error, ValueError, TypeError, KeyError, InvalidOperation, RecursionError) as exc:
        raise InvalidCursor() from exc
    if len(values) != width:
        raise InvalidCursor(
            Text("Kursor tidak cocok dengan urutan ini", "Cursor does not match this sorting")
        )
    return values


def _tag(value: Any) -> dict[str, Any]:
    if isinstance(value, datetime):
        return {"d": value.isoformat()}
    if isinstance(value, date):
        return {"D": value.isoformat()}
    if isinstance(value, UUID):
        return {"u": str(value)}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, Enum):
        return {"v": value.value}
    if isinstance(value, bool | int | float | str):
        return {"v": value}
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _untag(tagged: object) -> Any:
    if not isinstance(tagged, dict) or len(tagged) != 1:
        raise ValueError("not a tagged cursor value")
    ((tag, value),) = tagged.items()
    if tag == "v":
        if not isinstance(value, bool | int | float | str) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise ValueError("not a cursor scalar")
        return value
    if not isinstance(value, str):
        raise TypeError("not a cursor string")
    parsers: dict[str, Callable[[str], Any]] = {
        "d": datetime.fromisoformat,
        "D": date.fromisoformat,
        "u": UUID,
        "n": Decimal,
    }
    if tag not in parsers:
        raise ValueError("unknown cursor tag")
    return parsers[tag](value)


def _check_types(keys: Sequence[SortKey], values: list[Any]) -> list[Any]:
    """The cursor's values, converted to each sort column's Python type; a cursor of the wrong shape is a 400."""
    try:
        return [_coerce(_python_type(key), value) for key, value in zip(keys, values, strict=True)]
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise InvalidCursor(
            Text("Kursor tidak cocok dengan urutan ini", "Cursor does not match this sorting")
        ) from exc


def _python_type(key: SortKey) -> type:
    try:
        return key.column.type.python_type
    except NotImplementedError:
        return object


def _coerce(expected: type, value: Any) -> Any:
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("not a finite number")
    if expected is object:
        return value
    if issubclass(expected, Enum):
        return expected(value)
    if expected is bool or issubclass(expected, int):
        if type(value) is not (bool if expected is bool else int):
            raise TypeError("wrong type")
        if expected is not bool and not _BIGINT[0] <= value <= _BIGINT[1]:
            raise ValueError("out of range")
        return value
    if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if expected is datetime and isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("naive datetime")
    if expected is date and isinstance(value, datetime):
        raise TypeError("wrong type")
    if not isinstance(value, expected):
        raise TypeError("wrong type")
    return value


def after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order given by `keys`."""
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


async def paginate(
    session: AsyncSession,
    statement: Select[M],
    params: CursorParams,
    keys: Sequence[SortKey],
) -> tuple[list[M], str | None]:
    """Run `statement` for one page. `keys` should end with a unique column (the id)."""
    rows = list((await session.scalars(_page_statement(statement, params, keys))).unique())
    return _cut(rows, params, keys)


async def paginate_rows(
    session: AsyncSession,
    statement: Select[Any],
    params: CursorParams,
    keys: Sequence[SortKey],
    make: Callable[[Iterable[Any]], R],
) -> tuple[list[R], str | None]:
    """As `paginate`, for a statement of columns: each row made by `make` (a `NamedTuple`'s `_make`, whose
    fields name the columns, the sort keys among them), no ORM entities loaded or tracked, which is the cheaper
    read for a list page (`db.read_rows`)."""
    rows = await read_rows(session, _page_statement(statement, params, keys), make)
    return _cut(rows, params, keys)


def _page_statement(statement: Select[Any], params: CursorParams, keys: Sequence[SortKey]) -> Select[Any]:
    if params.cursor:
        values = _check_types(keys, decode_cursor(params.cursor, len(keys)))
        statement = statement.where(after(keys, values))
    order = [key.column.desc() if key.descending else key.column.asc() for key in keys]
    return statement.order_by(*order).limit(params.limit + 1)


def _cut(rows: list[Any], params: CursorParams, keys: Sequence[SortKey]) -> tuple[list[Any], str | None]:
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, str(key.column.key)) for key in keys])
