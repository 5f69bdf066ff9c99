"""The OpenAPI pages of the three FastAPI apps (/docs) render in Chromium from the app's own files: a hospital
network reaches no CDN, so a page that loads Swagger UI from one is blank there. Each page lists every operation
of its app and asks nothing of another host."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from hisbridge.platforms.city_brain import catalogue
from hisbridge.platforms.city_brain.app import create_city_brain_app, mounted
from tests.browser.conftest import Watched
from tests.browser.harness import AppServer


class DocsServer(AppServer):
    lifespan = "off"  # the docs need no service; the start-up would build one


def _never():  # the docs need no HIS, ledger or platform: building the service would fail the test
    raise AssertionError("the docs built the service")


def _city_brain() -> tuple[FastAPI, str, int]:
    return mounted(create_city_brain_app(_never)), "/city-brain/docs", len(catalogue.ENDPOINTS) + 2  # health, metrics


def _mutual() -> tuple[FastAPI, str, int]:
    from hisbridge.platforms.mutual.service.app import create_workstation_app

    app = create_workstation_app(_never)
    return app, "/docs", sum(1 for r in app.openapi()["paths"].values() for _ in r)


def _gateway() -> tuple[FastAPI, str, int]:
    from hisbridge.platforms.hsa.gateway.app import create_gateway_app

    app = create_gateway_app(_never)
    return app, "/docs", sum(1 for r in app.openapi()["paths"].values() for _ in r)


@pytest.fixture(params=[_city_brain, _mutual, _gateway], ids=["city_brain", "mutual", "hsa_gateway"])
def served(request) -> Iterator[tuple[str, str, int]]:
    make: Callable[[], tuple[FastAPI, str, int]] = request.param
    app, path, operations = make()
    with DocsServer(app) as server:
        yield server.url, path, operations


def test_the_docs_render_every_operation_from_local_files(served: tuple[str, str, int], watched: Watched) -> None:
    origin, path, operations = served
    page = watched.page
    page.goto(origin + path)
    page.wait_for_selector(".opblock", timeout=15000)
    assert page.locator(".opblock").count() == operations
    assert watched.foreign_requests(origin) == []
    assert not [e for e in watched.errors if "favicon" not in e], watched.errors
