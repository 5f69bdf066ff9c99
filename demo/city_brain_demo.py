"""Demo step for the 城市大脑 先诊疗后付费 platform: the city brain (the simulator's signed caller) calls the hospital
API over HTTP for the planted journey's patient, a replayed request is refused, and the journey's pushes are shown
as the simulator received them, in the visit's order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, text

from simulators.inprocess import InProcessServer

CONN_ID = "city_brain_api"


class ApiServer(InProcessServer):
    """The hospital's city-brain API under uvicorn on 127.0.0.1, lifespan on, as ``serve`` runs it."""

    name = "city-brain-api"
    lifespan = "on"
    start_timeout_s = 15.0

    def __init__(self, app: FastAPI) -> None:
        super().__init__()
        self.app = app

    def make_app(self) -> FastAPI:
        return self.app


@dataclass(frozen=True)
class DemoCaller:
    app_id: str
    secret: str
    sign_type: str
    extras: dict[str, Any]


def demo_caller() -> DemoCaller:
    """The connection ``city_brain_api`` of ``airflow_settings.yaml`` (what ``make airflow`` gives the API server)
    and its one caller: the demo and the Airflow UI accept the same signed calls."""
    import yaml

    from hisbridge import PROJECT_DIR

    settings = yaml.safe_load((PROJECT_DIR / "airflow_settings.yaml").read_text(encoding="utf-8"))
    extras = next(c for c in settings["airflow"]["connections"] if c["conn_id"] == CONN_ID)["conn_extra"]
    (app_id, caller), = extras["callers"].items()
    return DemoCaller(app_id, caller["secret"], caller.get("sign_type", "SM3"), extras)


def api_step(his: Engine, ledger, brain, edge, day: date, echo) -> dict:
    """7. The city brain calls the hospital; the journey's pushes at the simulator. Returns what was seen (tests)."""
    from hisbridge.platforms.city_brain.app import create_city_brain_app, mounted
    from hisbridge.platforms.city_brain.service import CityBrainService
    from hisbridge.platforms.city_brain.settings import settings_from_extras
    from simulators.city_brain.caller import CityBrainCaller
    from simulators.city_brain.journey import walk

    who = demo_caller()
    service = CityBrainService(settings=settings_from_extras(who.extras), his=his, ledger=ledger)
    patient, days = {"patientId": edge.journey_patient}, {"startDate": day.isoformat(), "endDate": day.isoformat()}
    calls = (  # (endpoint, bizContent, what to show of data)
        ("health", {}, lambda d: f"HIS {d['his']['status']}，台账 {d['ledger']['status']}，"
                                 f"未送达推送 {d['pushes']['unsent']} 条"),
        ("registrations", patient | days, lambda d: f"{d['total']} 条挂号（{_first(d, 'regId')}）"),
        ("outpatientOrders", {"regId": edge.journey_registration},
         lambda d: f"{d['total']} 张单（检验、检查、处方）"),
        ("labReports", patient | days, lambda d: f"{d['total']} 份检验报告"),
        ("outpatientPaymentDetail", {"billNo": edge.journey_bill},
         lambda d: f"总额 {d['totalAmount']} 元，明细 {len(d['lines'])} 行"),
        ("refunds", patient | days, lambda d: f"{d['total']} 笔退费"),
    )
    answers: dict[str, Any] = {}
    with ApiServer(mounted(create_city_brain_app(lambda: service))) as api:
        caller = CityBrainCaller(api.url, who.app_id, who.secret, sign_type=who.sign_type)
        echo(f"   城市大脑（模拟器，appId {who.app_id}，{who.sign_type} 签名）调用医院接口 {api.url}/city-brain/api/v1/…：")
        for endpoint, biz, show in calls:
            reply = caller.call(endpoint, biz)
            answers[endpoint] = reply
            seen = show(reply.data) if reply.ok else reply.message
            echo(f"     {endpoint:24s} code {reply.code:>4s}  {reply.elapsed_ms:6.1f} ms  {seen}")
        first, again = caller.replay("registrations", patient | days)
        answers["replay"] = again
        echo(f"     {'registrations 重放':22s} code {again.code:>4s}  {again.elapsed_ms:6.1f} ms  {again.message}")
        # the simulator's walk: every endpoint, ids from earlier answers, each answer against its own tables
        first_day = day - timedelta(days=30)
        journey = walk(caller, edge.journey_patient, start_date=first_day, end_date=day,
                       inpatient_id=_inpatient(his, first_day, day))
        called = [e for e in journey.endpoints.values() if e.called]
        echo(f"   城市大脑模拟器走完本例患者 30 天的先诊疗后付费全流程（另加一位住院病人）：调用 {len(called)}/{len(journey.endpoints)} 个接口、"
             f"{len(journey.calls)} 次，答复不合规 {len(journey.problems)} 处"
             f"{'' if not journey.missing else '，未调用（无编号）：' + '、'.join(journey.missing)}")
    visit = next(iter(brain.state.visit_order(visit_id=edge.journey_registration)), None)
    order = visit["eventTypes"] if visit else []
    late = f"（迟到 {visit['late']} 个）" if visit else ""
    echo(f"   推送到达城市大脑模拟器（DAG city_brain_push）：共 {len(brain.state.event_list())} 个事件；"
         f"本例就诊 {edge.journey_registration} 按到达顺序：{' → '.join(order) or '无'}{late}")
    return {"answers": answers, "journey": journey, "journey_events": order, "late": visit["late"] if visit else None,
            "events": len(brain.state.event_list())}


def _inpatient(his: Engine, first: date, last: date) -> str | None:
    """A patient admitted in the range whose stay has orders: the walk's inpatient part (医嘱, 费用, 发票)."""
    with his.connect() as conn:
        return conn.execute(text(
            "SELECT i.patient_id FROM inpatient_stay i WHERE i.adm_time >= :first AND i.adm_time < :after"
            " AND EXISTS (SELECT 1 FROM clinical_order o WHERE o.adm_id = i.adm_id) ORDER BY i.adm_id LIMIT 1"),
            {"first": first, "after": last + timedelta(days=1)}).scalar()


def _first(data: dict, key: str) -> str:
    rows = data.get("list") or []
    return f"{key} {rows[0][key]}" if rows else "无"
