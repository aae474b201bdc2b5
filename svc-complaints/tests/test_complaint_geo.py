"""The grid that lets B-tree indexes answer map and nearby queries."""

import pytest

from siantar_complaints.complaint import geo

SIANTAR = (2.9595, 99.0687)


def test_neighbourhood_covers_every_point_within_100_m() -> None:
    lat, lon = SIANTAR
    cells = set(geo.neighbourhood(lat, lon))
    for dlat in (-0.0009, 0.0, 0.0009):
        for dlon in (-0.0009, 0.0, 0.0009):
            other = (lat + dlat, lon + dlon)
            if geo.distance_m(lat, lon, *other) <= 100:
                assert geo.cell_of(*other) in cells


def test_cell_ranges_cover_a_box_row_by_row() -> None:
    ranges = geo.cell_ranges(2.950, 99.060, 2.9525, 99.0625)
    assert len(ranges) == 3
    inside = geo.cell_of(2.9512, 99.0611)
    assert any(r.first <= inside <= r.last for r in ranges)
    outside = geo.cell_of(2.9512, 99.0700)
    assert not any(r.first <= outside <= r.last for r in ranges)


@pytest.mark.parametrize(
    ("a", "b", "metres"),
    [
        ((2.9595, 99.0687), (2.9595, 99.0687), 0.0),
        ((0.0, 0.0), (0.0, 0.001), 111.2),
        ((2.95, 99.06), (2.96, 99.06), 1111.9),
    ],
)
def test_distance(a: tuple[float, float], b: tuple[float, float], metres: float) -> None:
    assert geo.distance_m(*a, *b) == pytest.approx(metres, abs=0.5)
