"""A grid over latitude/longitude so that B-tree indexes serve geographic queries (no PostGIS here).

A cell is `CELL_DEGREES` on each side (0.001 degree: about 111 m north-south and 110 m east-west at Siantar's
latitude, 2.96 N). Its number packs the row and the column: `row * ROW_STRIDE + column`, so the cells of one row of a
bounding box are one contiguous range of numbers, and the 3 x 3 neighbourhood of a point covers every point within
100 m of it.
"""

import math
from dataclasses import dataclass

CELL_DEGREES = 0.001
ROW_STRIDE = 1_000_000  # more columns than 360 / CELL_DEGREES
EARTH_RADIUS_M = 6_371_008.8


def cell_of(latitude: float, longitude: float) -> int:
    row = math.floor((latitude + 90.0) / CELL_DEGREES)
    column = math.floor((longitude + 180.0) / CELL_DEGREES)
    return row * ROW_STRIDE + column


def neighbourhood(latitude: float, longitude: float) -> list[int]:
    """The cell of the point and its 8 neighbours: every point within one cell's width (>= 100 m) is in them."""
    center = cell_of(latitude, longitude)
    return [center + dr * ROW_STRIDE + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)]


@dataclass(frozen=True, slots=True)
class CellRange:
    """The cells of one grid row inside a bounding box: `first <= cell <= last`."""

    first: int
    last: int


def cell_ranges(south: float, west: float, north: float, east: float) -> list[CellRange]:
    """One range per grid row of the box (the caller caps the box's size)."""
    first = cell_of(south, west)
    last = cell_of(north, east)
    first_row, first_column = divmod(first, ROW_STRIDE)
    last_row, last_column = divmod(last, ROW_STRIDE)
    return [
        CellRange(row * ROW_STRIDE + first_column, row * ROW_STRIDE + last_column)
        for row in range(first_row, last_row + 1)
    ]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
