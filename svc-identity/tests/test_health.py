"""svc-identity's platform endpoints: health, metrics, docs, errors."""

from httpx import AsyncClient


class TestLivez:
    async def test_ok(self, client: AsyncClient) -> None:
        response = await client.get("/livez")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class TestHealthz:
    async def test_database_answers(self, client: AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["checks"]["database"]["status"] == "ok"


class TestIndex:
    async def test_links(self, client: AsyncClient) -> None:
        response = await client.get("/identity/v1/")
        assert response.status_code == 200
        assert response.json()["links"]["docs"] == "/identity/v1/docs"
        assert response.headers["x-request-id"]


class TestDocs:
    async def test_docs_served_without_cdn(self, client: AsyncClient) -> None:
        page = await client.get("/identity/v1/docs")
        assert page.status_code == 200
        assert "cdn.jsdelivr.net" not in page.text
        assert "/identity/v1/docs-assets/swagger-ui-bundle.js" in page.text
        asset = await client.get("/identity/v1/docs-assets/swagger-ui-bundle.js")
        assert asset.status_code == 200
        spec = await client.get("/identity/v1/openapi.json")
        assert spec.json()["info"]["title"]


class TestErrors:
    async def test_unknown_route_is_problem_json(self, client: AsyncClient) -> None:
        response = await client.get("/identity/v1/no-such-thing")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Alamat tidak ditemukan"

    async def test_english_when_asked(self, client: AsyncClient) -> None:
        response = await client.get(
            "/identity/v1/no-such-thing", headers={"Accept-Language": "en-US,en;q=0.9"}
        )
        assert response.json()["title"] == "Not found"

    async def test_wrong_method(self, client: AsyncClient) -> None:
        response = await client.delete("/identity/v1/")
        assert response.status_code == 405
        assert response.headers["content-type"] == "application/problem+json"


class TestMetrics:
    async def test_counts_by_route_template(self, client: AsyncClient) -> None:
        await client.get("/identity/v1/")
        text = (await client.get("/metrics")).text
        assert 'route="/identity/v1/"' in text
        assert "http_request_duration_seconds_bucket" in text
