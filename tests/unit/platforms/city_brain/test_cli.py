"""``python -m hisbridge city-brain``: ``doc`` prints the generated tables; ``serve`` runs the standalone app under
uvicorn and tells its worker processes how many they are."""

from __future__ import annotations

import os

import uvicorn

from hisbridge.__main__ import main as hisbridge_main
from hisbridge.platforms.city_brain.wiring import WORKERS_ENV


def test_doc_prints_the_generated_tables(capsys) -> None:
    assert hisbridge_main(["city-brain", "doc"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## 接口一览") and "### patientProfile — 个人档案查询" in out


def test_serve_runs_the_standalone_factory_with_its_worker_count(monkeypatch) -> None:
    seen: dict = {}
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(app=app, **options))
    assert hisbridge_main(["city-brain", "serve", "--port", "8099", "--workers", "3"]) == 0
    assert seen["app"] == "hisbridge.platforms.city_brain.wiring:standalone_app_from_airflow"
    assert (seen["factory"], seen["port"], seen["workers"]) == (True, 8099, 3)
    assert os.environ[WORKERS_ENV] == "3"  # each worker gives a caller a third of its rate
