"""Reading GeoReport v2 parameters by hand, so that every bad value is an Open311 400 naming the parameter.

Rules of the spec: a parameter passed empty behaves as if not passed; codes and ids are strings; dates are
W3C-DTF with a mandatory offset (`Z` or `+07:00`; a bare date means that day's start in WIB).
"""

import math
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from siantar_complaints.open311.config import Open311Settings
from siantar_complaints.open311.exceptions import InvalidParameter, UnknownFormat, UnknownJurisdiction
from siantar_complaints.open311.formats import WIB, Format, parse_format
from siantar_shared.i18n import Text

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


class Params:
    """The parameters of one request: for a POST the form body first, then the query string."""

    def __init__(self, *sources: ImmutableMultiDict[Any, Any]) -> None:
        """Query parameters or form fields (Starlette's `QueryParams` / `FormData`), the first winning."""
        self.sources = sources

    def all(self, name: str) -> list[str]:
        """Every non-empty text value of `name` (file parts are not text and are left out)."""
        values: list[str] = []
        for source in self.sources:
            values += [value.strip() for value in source.getlist(name) if isinstance(value, str)]
        return [value for value in values if value]

    def get(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None


def check_format(value: str) -> Format:
    fmt = parse_format(value)
    if fmt is None:
        raise UnknownFormat(
            Text(
                f"Format .{value} tidak dikenal; gunakan .xml atau .json",
                f"Unknown format .{value}; use .xml or .json",
            )
        )
    return fmt


def check_jurisdiction(params: Params, settings: Open311Settings) -> None:
    """Absent, empty or the city's id: accepted; anything else is a jurisdiction we do not serve (404)."""
    value = params.get("jurisdiction_id")
    if value is not None and value.lower() != settings.JURISDICTION_ID.lower():
        raise UnknownJurisdiction(
            Text(
                f"jurisdiction_id {value} tidak dilayani di sini; gunakan {settings.JURISDICTION_ID}",
                f"jurisdiction_id {value} is not served here; use {settings.JURISDICTION_ID}",
            )
        )


def comma_list(values: Iterable[str]) -> list[str]:
    """`a,b` and repeated parameters alike, without blanks or repeats, in order."""
    found: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part and part not in found:
                found.append(part)
    return found


def parse_datetime(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=WIB)
        moment = datetime.fromisoformat(value.replace(" ", "+"))  # a "+" left unescaped in a query string
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise invalid(
            name,
            Text(
                "harus berupa tanggal-waktu W3C dengan zona waktu, mis. 2026-01-31T08:15:30+07:00",
                "must be a W3C date-time with an offset, e.g. 2026-01-31T08:15:30+07:00",
            ),
        )
    return moment


def parse_int(name: str, value: str | None, *, minimum: int, maximum: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if not minimum <= number <= maximum:
        raise invalid(
            name,
            Text(
                f"harus bilangan bulat {minimum}..{maximum}", f"must be a whole number {minimum}..{maximum}"
            ),
        )
    return number


def parse_float(name: str, value: str | None, *, minimum: float, maximum: float) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and minimum <= number <= maximum):
        raise invalid(
            name, Text(f"harus angka {minimum}..{maximum}", f"must be a number {minimum}..{maximum}")
        )
    return number


def parse_bool(name: str, value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise invalid(name, Text("harus true atau false", "must be true or false"))


def invalid(name: str, why: Text) -> InvalidParameter:
    return InvalidParameter(Text(f"Parameter {name} {why.id}", f"Parameter {name} {why.en}"))
