"""The public map, statistics and the open-data CSV over HTTP: restricted complaints never appear, small cells
are suppressed, bad boxes are refused."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from factories import create_complaint, seed_catalogue
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.browse import export, geomap
from siantar_shared.testing.tokens import TestKeys

MAP = "/complaints/v1/map"
STATS = "/complaints/v1/stats"
CSV = "/complaints/v1/open-data/complaints.csv"
BOX = "99.06,2.95,99.08,2.97"  # around the factory's point (2.9595, 99.0687)


def bearer(test_keys: TestKeys, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {test_keys.mint(**claims)}"}


@pytest.fixture
async def few(session: AsyncSession) -> dict[str, Any]:
    await seed_catalogue(session)
    public = await create_complaint(session)
    secret = await create_complaint(
        session, report_visibility="restricted", latitude=2.9596, longitude=99.0688
    )
    nowhere = await create_complaint(session, latitude=None, longitude=None)
    return {"public": public, "secret": secret, "nowhere": nowhere}


class TestMap:
    async def test_points_of_public_complaints_only(
        self, client: AsyncClient, few: dict[str, Any], test_keys: TestKeys
    ) -> None:
        for headers in (
            {},
            bearer(test_keys, roles=["admin"]),
            bearer(test_keys, subject=few["secret"].reporter_id),
        ):
            response = await client.get(MAP, params={"bbox": BOX}, headers=headers)
            assert response.status_code == 200
            body = response.json()
            assert body["type"] == "FeatureCollection"
            assert body["clustered"] is False
            assert [f["id"] for f in body["features"]] == [str(few["public"].id)]
            assert body["features"][0]["geometry"] == {"type": "Point", "coordinates": [99.0687, 2.9595]}

    async def test_box_elsewhere_is_empty(self, client: AsyncClient, few: dict[str, Any]) -> None:
        response = await client.get(MAP, params={"bbox": "99.00,2.88,99.01,2.89"})
        assert response.json()["features"] == []
        medan = await client.get(MAP, params={"bbox": "98.6,3.5,98.7,3.6"})
        assert medan.status_code == 200
        assert medan.json()["total"] == 0

    @pytest.mark.parametrize(
        "bbox",
        [
            "99.06,2.95,99.08",
            "a,b,c,d",
            "99.08,2.95,99.06,2.97",
            "99.06,2.97,99.08,2.95",
            "nan,2.9,99.1,3.0",
            "",
        ],
    )
    async def test_malformed_box_is_422(self, client: AsyncClient, bbox: str) -> None:
        response = await client.get(MAP, params={"bbox": bbox})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    async def test_box_larger_than_the_city_is_422(self, client: AsyncClient) -> None:
        response = await client.get(MAP, params={"bbox": "98.9,2.8,99.2,3.1"})
        assert response.status_code == 422
        assert response.json()["title"] == "Kotak peta lebih besar dari kota"
        whole_city = await client.get(MAP, params={"bbox": "99.00,2.87,99.13,3.03"})
        assert whole_city.status_code == 200

    async def test_beyond_the_cap_complaints_are_clustered(
        self, client: AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch, few: dict[str, Any]
    ) -> None:
        monkeypatch.setattr(geomap, "MAP_CAP", 3)
        for i in range(4):
            await create_complaint(session, latitude=2.9900 + i * 0.0001, longitude=99.1000)
        response = await client.get(MAP, params={"bbox": "99.00,2.87,99.13,3.03"})
        body = response.json()
        assert body["clustered"] is True
        assert body["total"] == 5  # the restricted one and the one without a point are not counted
        assert sum(f["properties"]["count"] for f in body["features"]) == 5
        assert len(body["features"]) == 2
        for feature in body["features"]:
            lon, lat = feature["geometry"]["coordinates"]
            assert 2.87 <= lat <= 3.03
            assert 99.00 <= lon <= 99.13


class TestStats:
    async def test_public_counts_suppress_small_cells_and_skip_restricted(
        self, client: AsyncClient, session: AsyncSession, few: dict[str, Any]
    ) -> None:
        for _ in range(4):
            await create_complaint(session, category_code="sampah", opd_code="DLH")
        response = await client.get(STATS)
        assert response.status_code == 200
        body = response.json()
        assert body["scope"] == "public"
        assert body["total"] == 6  # 2 public lampu-jalan + 4 sampah; the restricted one is not counted
        by_category = {c["key"]: c for c in body["by_category"]}
        assert by_category["lampu-jalan"] == {"key": "lampu-jalan", "count": None, "suppressed": True}
        assert by_category["sampah"] == {"key": "sampah", "count": None, "suppressed": True}
        assert body["by_status"] == [{"key": "submitted", "count": 6, "suppressed": False}]
        assert body["suppression_threshold"] == 5

    async def test_citizen_with_a_restricted_complaint_gets_public_figures(
        self, client: AsyncClient, few: dict[str, Any], test_keys: TestKeys
    ) -> None:
        response = await client.get(STATS, headers=bearer(test_keys, subject=few["secret"].reporter_id))
        assert response.json()["total"] is None  # 2 public complaints: below the threshold

    async def test_officer_gets_their_opd_unsuppressed(
        self, client: AsyncClient, session: AsyncSession, few: dict[str, Any], test_keys: TestKeys
    ) -> None:
        await create_complaint(session, category_code="sampah", opd_code="DLH")
        response = await client.get(STATS, headers=bearer(test_keys, roles=["officer"], agency="DISHUB"))
        body = response.json()
        assert body["scope"] == "DISHUB"
        assert body["total"] == 3
        assert body["by_opd"] == [{"key": "DISHUB", "count": 3, "suppressed": False}]
        other = await client.get(
            STATS, params={"opd": "DLH"}, headers=bearer(test_keys, roles=["officer"], agency="DISHUB")
        )
        assert other.status_code == 403
        desk = await client.get(STATS, headers=bearer(test_keys, roles=["verifier"]))
        assert desk.json()["scope"] == "all"
        assert desk.json()["total"] == 4

    async def test_resolution_rating_and_sla(
        self, client: AsyncClient, session: AsyncSession, few: dict[str, Any], test_keys: TestKeys
    ) -> None:
        now = datetime.now(UTC)
        for days in (1, 2, 3, 4, 5):
            await create_complaint(
                session,
                status="resolved",
                created_at=now - timedelta(days=days),
                resolved_at=now,
                rating=days,
            )
        few["public"].sla_stage, few["public"].sla_due_at = "verify", now - timedelta(hours=1)
        few["secret"].sla_stage, few["secret"].sla_due_at = "verify", now + timedelta(days=1)
        await session.flush()
        public = (await client.get(STATS)).json()
        assert public["resolved"] == 5
        assert public["median_days_to_resolve"] == pytest.approx(3.0, abs=0.01)
        assert public["satisfaction_average"] == 3.0
        assert public["sla_compliance_rate"] is None  # one running public clock: suppressed
        desk = (await client.get(STATS, headers=bearer(test_keys, roles=["admin"]))).json()
        assert desk["sla_compliance_rate"] == 0.5

    async def test_bad_dates_are_422(self, client: AsyncClient) -> None:
        assert (await client.get(STATS, params={"since": "yesterday"})).status_code == 422


class TestOpenData:
    async def test_csv_of_public_complaints_without_personal_data(
        self, client: AsyncClient, session: AsyncSession, few: dict[str, Any]
    ) -> None:
        few["public"].title = '=HYPERLINK("http://evil","klik")'
        few["public"].address_text = "Rumah Pak Budi, 0812-3456-7890"
        await session.flush()
        response = await client.get(CSV)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [r["tracking_number"] for r in rows] == [
            few["public"].tracking_number,
            few["nowhere"].tracking_number,
        ]
        assert rows[0]["title"] == '\'=HYPERLINK("http://evil","klik")'
        assert (rows[0]["latitude"], rows[0]["longitude"]) == (f"{2.9595:.3f}", f"{99.0687:.3f}")
        assert "reporter_id" not in rows[0]
        assert "description" not in rows[0]
        assert "Budi" not in response.text
        assert str(few["public"].reporter_id) not in response.text
        assert few["secret"].tracking_number not in response.text

    async def test_pages_are_linked(self, client: AsyncClient, few: dict[str, Any]) -> None:
        first = await client.get(CSV, params={"limit": 1})
        link = first.headers["link"]
        assert link.endswith('>; rel="next"')
        second = await client.get(link[1 : link.index(">")])
        assert few["nowhere"].tracking_number in second.text
        assert "link" not in second.headers


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+62", "'+62"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
    ],
)
def test_formula_cells_are_neutralised(value: str, cell: str) -> None:
    assert export.neutralise(value) == cell
    assert export.neutralise(None) == ""
    assert export.neutralise(uuid4()) != ""


class TestCellCounts:
    async def test_counts_follow_state_privacy_and_place(
        self, client: AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch, few: dict[str, Any]
    ) -> None:
        monkeypatch.setattr(geomap, "MAP_CAP", 0)  # always clusters: counts only
        city = {"bbox": "99.00,2.87,99.13,3.03"}

        async def total(**params: Any) -> int:
            response = await client.get(MAP, params={**city, **params})
            return int(response.json()["total"])

        assert await total() == 1
        few["public"].status = "verified"
        await session.flush()
        assert await total(status="submitted") == 0
        assert await total(status="verified") == 1
        few["secret"].report_visibility = "public"
        await session.flush()
        assert await total() == 2
        few["public"].report_visibility = "restricted"
        await session.flush()
        assert await total() == 1
        few["nowhere"].latitude, few["nowhere"].longitude, few["nowhere"].geo_cell = 2.95, 99.05, 92950279050
        await session.flush()
        assert await total() == 2
        since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        assert await total(since=since) == 2  # counted from the complaints themselves
        await session.delete(few["nowhere"])
        await session.flush()
        assert await total() == 1
