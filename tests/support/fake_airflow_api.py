"""A stand-in for the few Airflow REST endpoints the window fill calls, under a real uvicorn (no metadata DB).

What it keeps real: the request body is validated with Airflow's own ``BackfillPostBody``, and the runs a backfill
creates are the ones Airflow's backfill would create — ``iter_dagrun_infos_between(from_date, to_date)`` of the
real DAG, serialized as the API server holds it. Each run is handed to ``run_window(dag_id, start, end)`` (aware
data interval), which plays the scheduler: the tests run the feed's real pipeline there, so the ledger records
the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException, Request

from simulators.inprocess import InProcessServer

USER, PASSWORD = "ops", "ops-password"


@dataclass
class FakeAirflow:
    dags: dict[str, Any]  # dag_id → DAG object (from a DagBag)
    run_window: Callable[[str, datetime, datetime], None]
    paused: set[str] = field(default_factory=set)
    backfills: list[dict[str, Any]] = field(default_factory=list)
    runs: list[tuple[str, datetime, datetime]] = field(default_factory=list)  # every run a backfill created
    #: leave new backfills running (completed_at None) instead of running their windows at once
    hold: bool = False


def create_app(state: FakeAirflow) -> FastAPI:
    from airflow.api_fastapi.core_api.datamodels.backfills import BackfillPostBody
    from airflow.serialization.serialized_objects import DagSerialization

    app = FastAPI()

    def authorised(request: Request) -> None:
        if request.headers.get("authorization") != "Bearer tok-ops":
            raise HTTPException(401, "Not authenticated")

    @app.post("/auth/token", status_code=201)
    async def token(request: Request) -> dict[str, str]:
        body = await request.json()
        if (body.get("username"), body.get("password")) != (USER, PASSWORD):
            raise HTTPException(401, "Invalid credentials")
        return {"access_token": "tok-ops"}

    @app.get("/api/v2/dags/{dag_id}")
    def dag(dag_id: str, request: Request) -> dict[str, Any]:
        authorised(request)
        if dag_id not in state.dags:
            raise HTTPException(404, f"The Dag with ID: `{dag_id}` was not found")
        return {"dag_id": dag_id, "is_paused": dag_id in state.paused}

    @app.get("/api/v2/backfills")
    def backfills(dag_id: str, request: Request) -> dict[str, Any]:
        authorised(request)
        found = sorted((b for b in state.backfills if b["dag_id"] == dag_id), key=lambda b: -b["id"])
        return {"backfills": found, "total_entries": len(found)}

    @app.post("/api/v2/backfills")
    async def create(request: Request) -> dict[str, Any]:
        authorised(request)
        body = BackfillPostBody.model_validate(await request.json())
        if body.dag_id not in state.dags:
            raise HTTPException(404, f"Could not find dag {body.dag_id}")
        if any(b["dag_id"] == body.dag_id and b["completed_at"] is None for b in state.backfills):
            raise HTTPException(409, f"There is already a running backfill for dag {body.dag_id}")
        serialized = DagSerialization.from_dict(DagSerialization.to_dict(state.dags[body.dag_id]))
        infos = list(serialized.iter_dagrun_infos_between(body.from_date, body.to_date))
        record = {"id": len(state.backfills) + 1, "dag_id": body.dag_id, "from_date": body.from_date.isoformat(),
                  "to_date": body.to_date.isoformat(), "reprocess_behavior": body.reprocess_behavior.value,
                  "max_active_runs": body.max_active_runs, "is_paused": False, "completed_at": None}
        state.backfills.append(record)
        for info in infos:
            start, end = info.data_interval.start, info.data_interval.end
            state.runs.append((body.dag_id, start, end))
            if not state.hold:
                state.run_window(body.dag_id, start, end)
        if not state.hold:
            record["completed_at"] = datetime.now(UTC).isoformat()
        return record

    return app


class FakeAirflowServer(InProcessServer):
    name = "airflow-api"

    def __init__(self, state: FakeAirflow) -> None:
        super().__init__()
        self.state = state

    def make_app(self) -> FastAPI:
        return create_app(self.state)
