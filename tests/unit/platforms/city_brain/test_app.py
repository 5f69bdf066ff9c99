"""The app is generated from the catalogue: one POST route per endpoint (plus the health check), each with its
request and answer schema and Chinese words in the OpenAPI; ``/docs`` is served; nothing is built before the
first request."""

from __future__ import annotations

import httpx
import pytest

from hisbridge.platforms.city_brain.app import create_city_brain_app, mounted
from hisbridge.platforms.city_brain.catalogue import ENDPOINTS


def _never():
    raise AssertionError("the service was built")


@pytest.fixture(scope="module")
def schema() -> dict:
    return create_city_brain_app(_never).openapi()


def test_one_post_route_per_endpoint_and_the_health_check(schema: dict) -> None:
    paths = schema["paths"]
    assert set(paths) == {f"/api/v1/{p}" for p in [*ENDPOINTS, "health"]} | {"/metrics"}
    assert all(set(paths[f"/api/v1/{p}"]) == {"post"} for p in [*ENDPOINTS, "health"])
    assert set(paths["/metrics"]) == {"get"}


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_each_route_documents_its_envelope_parameters_and_answer(schema: dict, path: str) -> None:
    endpoint = ENDPOINTS[path]
    post = schema["paths"][f"/api/v1/{path}"]["post"]
    assert post["summary"] == endpoint.title and post["description"]
    components = schema["components"]["schemas"]
    request = components[post["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"appId", "timestamp", "nonce", "signType", "sign", "bizContent"} <= set(request["properties"])
    assert request["properties"]["bizContent"]["$ref"].endswith(f"/{endpoint.params.__name__}")
    params = components[endpoint.params.__name__]["properties"]
    assert set(params) == {info.alias or name for name, info in endpoint.params.model_fields.items()}
    assert all(p.get("description") for p in params.values())
    answer = components[post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"code", "message", "requestId", "data"} == set(answer["properties"])
    assert {"429", "500", "503"} <= set(post["responses"])


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_docs_are_served_under_the_prefix_without_building_the_service() -> None:
    app = mounted(create_city_brain_app(_never))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hospital.local") as http:
        docs = await http.get("/city-brain/docs")
        assert docs.status_code == 200 and "/city-brain/openapi.json" in docs.text
        described = (await http.get("/city-brain/openapi.json")).json()
    assert described["info"]["title"] == "城市大脑·先诊疗后付费 医院接口"
