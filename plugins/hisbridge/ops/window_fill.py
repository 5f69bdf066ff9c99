"""Fill missed windows with Airflow backfills, through Airflow's REST API.

Why a backfill and not a triggered run: a manual run's data interval is inferred from its logical date ("do not
assume the run's data_interval is derived from, or equal to, the supplied logical_date"), while a backfill creates
each run from the DAG's timetable — the same data interval the scheduled run would have had (invariant 4: a run is
a function of its window). Backfills are created by the API server (``POST /api/v2/backfills``) and run by the
scheduler; task code cannot reach the metadata database in Airflow 3, so the check calls the REST API with the
credentials of connection ``airflow_api`` (http: host, port, scheme in ``schema``, ``login``/``password`` of a user
with the Op or Admin role; or ``{"token": …}`` in its extra).

The rules (each a line of :func:`fill_gaps`):

- Airflow allows one running backfill per DAG: each check submits at most one per DAG, for the DAG's earliest
  stretch of consecutive missed windows (``from_date`` = the first window's start = its logical date, ``to_date``
  = the last one's), so exactly the missed windows are created. Later stretches wait for the next check.
- ``reprocess_behavior=completed``: every window of the stretch is missing from the ledger, so a run that exists
  for it (marked success by hand, failed, or from before this check) is run again; a run still queued or running is
  never duplicated (Airflow's rule). Records already acknowledged are skipped by the pipeline, never re-sent.
- A DAG with a backfill still running gets nothing new ("补跑进行中"), whether the list of backfills says so or the
  API server answers 409 to the request (another check submitted in between: Airflow refuses a second backfill
  of a DAG); a paused DAG gets nothing (its runs would wait until it is unpaused) and is alerted, and so is a DAG
  whose unfinished backfill was paused by hand (it fills nothing, and blocks a new one); a continuous DAG cannot
  be backfilled — clear its failed run instead.
- ``max_active_runs=1``, always (:data:`MAX_ACTIVE_RUNS`): every DAG filled here pushes a feed's windows to a
  platform, and a feed's windows are delivered in order and never side by side — a correction (3507 then
  re-upload) of a record must follow its upload, a 城市大脑 visit's registration must arrive before its later
  events, a batch serial must not be taken by two runs at once. A backfill's ``max_active_runs`` is its own
  (Airflow's default is 10) and does not count the DAG's scheduled runs; those are kept apart by the push DAGs'
  ``max_active_tis_per_dag=1`` (:func:`hisbridge.scheduling.platform_default_args`), so a backfill window and a
  scheduled window of the same feed never run at the same time either, whoever created them.

Tested against Airflow's real API server, scheduler and Celery workers in
``tests/celery/test_scale_out.py::test_missed_windows_are_found_and_filled_through_the_real_api_server``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests

from hisbridge.ops.windows import SETTINGS_VARIABLE, FeedGaps, GapSettings, Window, stretches

log = logging.getLogger("hisbridge.ops.windows")

SUBMITTED, RUNNING, PAUSED, NOT_FILLABLE, REFUSED = "submitted", "running", "paused", "not_fillable", "refused"
#: windows of one backfill running at once: one (the module docstring says why)
MAX_ACTIVE_RUNS = 1


class ApiError(RuntimeError):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"Airflow API {status}: {detail}")
        self.status, self.detail = status, detail


class AirflowApi:
    """The few REST calls the fill needs (``/api/v2``), with a JWT from ``/auth/token``.

    :param base_url: the API server, e.g. ``http://localhost:8080``
    :param user: a user allowed to create backfills (with ``password``); without it a ``token`` is used, or the
        password-less token of a development server (``simple_auth_manager_all_admins``)
    :param session: an injectable ``requests.Session`` (tests)
    """

    def __init__(self, base_url: str, *, user: str | None = None, password: str | None = None,
                 token: str | None = None, session: requests.Session | None = None,
                 timeout: tuple[float, float] = (5, 60)) -> None:
        self.base_url = base_url.rstrip("/")
        self.user, self.password, self._token = user, password, token
        self.session = session or requests.Session()
        self.timeout = timeout

    @classmethod
    def from_connection(cls, conn_id: str = "airflow_api") -> AirflowApi:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
        if not conn.host:
            raise ValueError(f"connection {conn_id!r}: host of the Airflow API server is missing")
        host = conn.host if "://" in conn.host else f"{conn.schema or 'http'}://{conn.host}"
        url = f"{host}:{conn.port}" if conn.port else host
        extra = conn.extra_dejson or {}
        return cls(url, user=conn.login or None, password=conn.password or None, token=extra.get("token"))

    def _fetch_token(self) -> str:
        if self.user:
            r = self.session.post(f"{self.base_url}/auth/token", json={"username": self.user,
                                                                       "password": self.password or ""},
                                  timeout=self.timeout)
        else:
            r = self.session.get(f"{self.base_url}/auth/token", timeout=self.timeout)
        if r.status_code >= 400:
            raise ApiError(r.status_code, f"登录 Airflow API 失败（用户 {self.user or '免密开发模式'}）：{r.text[:200]}")
        return r.json()["access_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in (1, 2):
            if self._token is None:
                self._token = self._fetch_token()
            r = self.session.request(method, f"{self.base_url}/api/v2{path}", timeout=self.timeout,
                                     headers={"Authorization": f"Bearer {self._token}"}, **kwargs)
            if r.status_code == 401 and attempt == 1 and (self.user or not self._token):
                self._token = None  # expired: log in again once
                continue
            if r.status_code >= 400:
                try:
                    detail = r.json().get("detail", r.text)
                except ValueError:
                    detail = r.text
                raise ApiError(r.status_code, str(detail)[:500])
            return r.json() if r.content else None
        raise AssertionError("unreachable")

    def dag(self, dag_id: str) -> dict[str, Any]:
        return self.call("GET", f"/dags/{dag_id}")

    def active_backfill(self, dag_id: str) -> dict[str, Any] | None:
        page = self.call("GET", "/backfills", params={"dag_id": dag_id, "limit": 100, "order_by": "-id"})
        return next((b for b in page.get("backfills", []) if b.get("completed_at") is None), None)

    def create_backfill(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", "/backfills", json=body)


@dataclass(frozen=True)
class BackfillRequest:
    """One backfill: a DAG's earliest stretch of consecutive missed windows (naive, in ``timezone``)."""

    dag_id: str
    windows: tuple[Window, ...]
    feeds: tuple[str, ...]
    timezone: str
    later: int = 0  # missed windows of later stretches (the next checks fill them)

    def _aware(self, moment: datetime) -> str:
        return moment.replace(tzinfo=ZoneInfo(self.timezone)).isoformat()

    def body(self) -> dict[str, Any]:
        """``POST /api/v2/backfills``: logical dates from the first window's start to the last one's (a
        data-interval timetable's logical date is its window's start; both ends are included), oldest first, one
        at a time."""
        return {"dag_id": self.dag_id, "from_date": self._aware(self.windows[0].start),
                "to_date": self._aware(self.windows[-1].start), "run_backwards": False,
                "reprocess_behavior": "completed", "max_active_runs": MAX_ACTIVE_RUNS}

    def command(self) -> str:
        """The same backfill from the command line (what the alert tells ops to run by hand)."""
        b = self.body()
        return (f"airflow backfill create --dag-id {self.dag_id} --from-date {b['from_date']} "
                f"--to-date {b['to_date']} --reprocess-behavior completed --max-active-runs {MAX_ACTIVE_RUNS}")

    def describe(self) -> str:
        first, last = self.windows[0], self.windows[-1]
        text = (f"回填 {self.dag_id}：{first.start:%Y-%m-%d %H:%M} → {last.end:%Y-%m-%d %H:%M}（Asia/Shanghai）"
                f"{len(self.windows)} 个窗口（{', '.join(self.feeds)}）")
        return text + (f"；其后另有 {self.later} 个漏跑窗口，待本次回填完成后由下次检查补跑" if self.later else "")


def plan_fill(gaps: Sequence[FeedGaps]) -> list[BackfillRequest]:
    """At most one backfill per fillable DAG: the union of its feeds' missed windows, earliest stretch first."""
    by_dag: dict[str, set[Window]] = defaultdict(set)
    feeds: dict[str, dict[Window, set[str]]] = defaultdict(lambda: defaultdict(set))
    zone: dict[str, str] = {}
    for g in gaps:
        if g.missing and g.schedule.fillable:
            by_dag[g.schedule.dag_id].update(g.missing)
            zone[g.schedule.dag_id] = g.schedule.timezone
            for w in g.missing:
                feeds[g.schedule.dag_id][w].add(g.feed)
    out = []
    for dag_id in sorted(by_dag):
        parts = stretches(sorted(by_dag[dag_id]))
        first = parts[0]
        names = sorted({f for w in first for f in feeds[dag_id][w]})
        out.append(BackfillRequest(dag_id, tuple(first), tuple(names), zone[dag_id],
                                   later=sum(len(p) for p in parts[1:])))
    return out


@dataclass
class DagOutcome:
    dag_id: str
    status: str
    text: str
    backfill_id: int | None = None
    request: BackfillRequest | None = None


@dataclass
class FillOutcome:
    dags: list[DagOutcome] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [d.text for d in self.dags]

    def detail(self) -> dict[str, str]:
        return {d.dag_id: d.text for d in self.dags}

    def left_open(self) -> list[DagOutcome]:
        """DAGs whose gaps nothing is filling (paused, not fillable, refused by the API)."""
        return [d for d in self.dags if d.status not in (SUBMITTED, RUNNING)]

    def as_dict(self) -> list[dict[str, Any]]:
        return [{"dag_id": d.dag_id, "status": d.status, "text": d.text, "backfill_id": d.backfill_id,
                 "windows": len(d.request.windows) if d.request else 0} for d in self.dags]


def fill_gaps(api: AirflowApi, gaps: Sequence[FeedGaps], settings: GapSettings | None = None) -> FillOutcome:
    """Submit the backfills of :func:`plan_fill` (rules in the module docstring); nothing raised for one DAG
    stops the others. ``settings`` are not read any more: the one thing they set here, how many windows a
    backfill runs at once, is a rule now (:data:`MAX_ACTIVE_RUNS`), not a setting."""
    outcome = FillOutcome()
    for dag_id in sorted({g.schedule.dag_id for g in gaps if g.missing and not g.schedule.fillable}):
        outcome.dags.append(DagOutcome(dag_id, NOT_FILLABLE, (
            f"{dag_id} 是连续运行的 DAG，Airflow 不能回填：在界面中清除（Clear）该 DAG 失败的运行，它会重跑自己的数据窗口")))
    for request in plan_fill(gaps):
        try:
            if api.dag(request.dag_id).get("is_paused"):
                outcome.dags.append(DagOutcome(request.dag_id, PAUSED, (
                    f"{request.dag_id} 已暂停，未提交回填：若是有意暂停，把它加入 Variable {SETTINGS_VARIABLE} 的 exclude；"
                    f"否则恢复（Unpause）后下次检查自动回填，或手动执行 {request.command()}"), request=request))
                continue
            active = api.active_backfill(request.dag_id)
            if active is not None and active.get("is_paused"):  # paused by hand: nothing fills, nothing may be added
                outcome.dags.append(DagOutcome(request.dag_id, PAUSED, (
                    f"{request.dag_id} 的回填 #{active.get('id')} 已被暂停，漏跑窗口无人补跑：在界面中恢复该回填"
                    f"（DAG → 回填），或取消它后由下次检查重新提交"), active.get("id"), request))
                continue
            if active is not None:
                outcome.dags.append(DagOutcome(request.dag_id, RUNNING, (
                    f"{request.dag_id} 的回填 #{active.get('id')} 仍在进行，本次不再提交"), active.get("id"), request))
                continue
            created = api.create_backfill(request.body())
            outcome.dags.append(DagOutcome(request.dag_id, SUBMITTED, f"已提交{request.describe()}，回填 #{created.get('id')}",
                                           created.get("id"), request))
            log.info("已提交%s（回填 #%s）", request.describe(), created.get("id"))
        except ApiError as exc:
            if exc.status == 409:  # Airflow: "There is already a running backfill for dag …" — being filled
                outcome.dags.append(DagOutcome(request.dag_id, RUNNING, (
                    f"{request.dag_id} 已有回填在进行（刚由另一次检查或手动提交），本次不再提交"), request=request))
                continue
            outcome.dags.append(DagOutcome(request.dag_id, REFUSED, (
                f"{request.dag_id} 回填提交失败（{exc}）：手动执行 {request.command()}"), request=request))
        except requests.RequestException as exc:
            outcome.dags.append(DagOutcome(request.dag_id, REFUSED, (
                f"{request.dag_id} 回填提交失败，Airflow API 不可达（{type(exc).__name__}）：手动执行 {request.command()}"),
                request=request))
    return outcome


def unfilled(gaps: Sequence[FeedGaps], why: str) -> FillOutcome:
    """The outcome when no backfill could be asked for at all (the API connection missing): each DAG's command."""
    return FillOutcome([DagOutcome(r.dag_id, REFUSED, f"{why}：手动执行 {r.command()}", request=r)
                        for r in plan_fill(gaps)])
