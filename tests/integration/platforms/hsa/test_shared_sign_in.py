"""One 医保 sign-in per operator and day shared by every task, against the simulator and a real ledger database:
clients that share a store make one 9001 between them, renew an expired sign-in once, sign in again on a new day,
and the day-end sign-out sends one 9002 per open sign-in."""

from __future__ import annotations

import json
import runpy
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import requests

from hisbridge.db import make_engine
from hisbridge.ledger.schema import platform_session
from hisbridge.ledger.sessions import CLOSED, OPEN, SessionStore
from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.errors import NotSent
from hisbridge.platforms.hsa.msgid import SHANGHAI, LocalMsgIds, shanghai_now
from hisbridge.platforms.hsa.signin import PLATFORM, SharedSignIns, shanghai_day, sign_out_day
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState
from tests.simulators.hsa._support import inv_row

SECRET = "shared-sign-in-test-secret-0123456789"
SETTINGS = dict(
    fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院", mdtrtarea_admvs="360100",
    recer_sys_code="his", auth="tif", paasid="hb-test", secret=SECRET, opter="hisbridge",
    opter_name="数据集成平台", ip="127.0.0.1",
)  # fmt: skip


class Clock:
    """Real time plus a settable offset of whole days (the simulator's gateway window is widened to match)."""

    def __init__(self) -> None:
        self.days = 0

    def __call__(self) -> datetime:
        return shanghai_now() + timedelta(days=self.days)


@pytest.fixture
def sim():
    with SimServer(
        SimState(auth_mode="tif", paasid="hb-test", secret=SECRET, ts_window_s=3 * 86400)
    ) as server:
        yield server


@pytest.fixture(params=["postgres", "sqlite"])
def url(request) -> str:
    return request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")


@pytest.fixture
def msgids() -> LocalMsgIds:
    """One msgid counter for all clients of a test (in production: the ledger's, shared by every process)."""
    return LocalMsgIds()


def new_store(url: str) -> SessionStore:
    store = SessionStore(make_engine(url))
    platform_session.create(store.engine, checkfirst=True)
    return store


def new_client(
    sim: SimServer, store: SessionStore | None, msgids: LocalMsgIds, clock=None, **settings
) -> HsaClient:
    """A client as one task builds it: its own settings object, HTTP session and sign-in cache."""
    return HsaClient(
        HsaSettings(base_url=sim.url, **{**SETTINGS, **settings}),
        msgids=msgids,
        clock=clock,
        sign_ins=SharedSignIns(store) if store is not None else None,
    )


def sign_ins(sim: SimServer) -> list[str]:
    return [msgid for msgid, entry in sim.state.journal.items() if entry["infno"] == "9001"]


def journal(sim: SimServer, infno: str) -> list[dict]:
    return [entry for entry in sim.state.journal.values() if entry["infno"] == infno]


def expire_all(sim: SimServer) -> None:
    requests.post(sim.url + "/__admin__/sign_ins/expire", timeout=5).raise_for_status()


def test_two_tasks_sharing_a_store_make_one_sign_in(sim, url, msgids) -> None:
    store = new_store(url)
    a, b = new_client(sim, store, msgids), new_client(sim, new_store(url), msgids)
    first, second = a.call("3501", inv_row()), b.call("3501", inv_row())
    assert len(sign_ins(sim)) == 1
    assert a.sign_no == b.sign_no == first.exchange.request["sign_no"] == second.exchange.request["sign_no"]
    row = store.get(PLATFORM, "hisbridge", shanghai_day(shanghai_now()))
    assert row.state == OPEN and row.token == a.sign_no


def test_without_a_store_every_client_signs_in_as_before(sim, msgids) -> None:
    a, b = new_client(sim, None, msgids), new_client(sim, None, msgids)
    a.call("3501", inv_row())
    b.call("3501", inv_row())
    assert len(sign_ins(sim)) == 2 and a.sign_no != b.sign_no


def call_at_once(clients: list[HsaClient]) -> list[BaseException]:
    """Each client sends one 3501 from its own thread, all released together; the errors raised."""
    start = threading.Barrier(len(clients))
    errors: list[BaseException] = []

    def task(client: HsaClient) -> None:
        start.wait()
        try:
            client.call("3501", inv_row())
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=task, args=(c,)) for c in clients]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return errors


def test_four_threads_with_their_own_client_and_store_make_one_sign_in_on_postgres(
    sim, pg_url, msgids
) -> None:
    clients = [new_client(sim, new_store(pg_url), msgids) for _ in range(4)]
    assert call_at_once(clients) == []
    assert len(sign_ins(sim)) == 1
    assert len({c.sign_no for c in clients}) == 1
    assert [e["outcome"] for e in journal(sim, "3501")] == ["success"] * 4


def test_an_expired_sign_in_is_renewed_once_and_both_tasks_move_to_the_new_one(sim, url, msgids) -> None:
    a, b = new_client(sim, new_store(url), msgids), new_client(sim, new_store(url), msgids)
    a.call("3501", inv_row())
    b.call("3501", inv_row())
    old = a.sign_no
    expire_all(sim)

    renewed = a.call("3501", inv_row())  # refused (签到), renews through the store, re-sent once
    assert len(renewed.exchanges) == 2 and len(sign_ins(sim)) == 2
    picked_up = b.call("3501", inv_row())  # refused with the old sign_no, then takes a's new one: no 9001
    assert len(picked_up.exchanges) == 2 and len(sign_ins(sim)) == 2
    assert [e.request["sign_no"] for e in picked_up.exchanges] == [old, a.sign_no]
    assert a.sign_no == b.sign_no != old

    c = new_client(sim, new_store(url), msgids)  # a task started after the renewal: straight to the new one
    assert len(c.call("3501", inv_row()).exchanges) == 1 and c.sign_no == a.sign_no
    assert len(sign_ins(sim)) == 2


def test_two_tasks_noticing_the_expiry_at_once_renew_it_once_on_postgres(sim, pg_url, msgids) -> None:
    clients = [new_client(sim, new_store(pg_url), msgids) for _ in range(2)]
    for client in clients:
        client.call("3501", inv_row())
    expire_all(sim)
    assert call_at_once(clients) == []
    assert len(sign_ins(sim)) == 2  # the first of the day and one renewal
    assert clients[0].sign_no == clients[1].sign_no


def test_a_new_day_means_a_new_sign_in(sim, url, msgids) -> None:
    store, clock = new_store(url), Clock()
    a = new_client(sim, store, msgids, clock=clock)
    a.call("3501", inv_row())
    yesterday = a.sign_no
    clock.days = 1
    a.call("3501", inv_row())
    assert len(sign_ins(sim)) == 2 and a.sign_no != yesterday
    b = new_client(sim, new_store(url), msgids, clock=clock)
    b.call("3501", inv_row())
    assert b.sign_no == a.sign_no and len(sign_ins(sim)) == 2
    today = shanghai_day(clock())
    assert store.get(PLATFORM, "hisbridge", today).token == a.sign_no
    assert store.get(PLATFORM, "hisbridge", today - timedelta(days=1)).token == yesterday


def test_sign_out_day_signs_out_each_open_sign_in_of_earlier_days(sim, url, msgids) -> None:
    store, clock = new_store(url), Clock()
    clock.days = -1  # yesterday: two operators signed in
    for opter in ("hisbridge", "pharmacy"):
        new_client(sim, store, msgids, clock=clock, opter=opter).call("3501", inv_row())
    clock.days = 0  # today: one more
    today_client = new_client(sim, store, msgids, clock=clock)
    today_client.call("3501", inv_row())
    today = shanghai_day(clock())
    yesterdays = store.open_sessions(PLATFORM, before_day=today)
    assert len(yesterdays) == 2
    built: list[HsaClient] = []

    def factory() -> HsaClient:
        built.append(new_client(sim, None, msgids))
        return built[-1]

    summary = sign_out_day(store, factory, today, actor="test")
    assert summary.counts() == {"signed_out": 2, "refused": 0, "superseded": 0, "failed": 0}
    assert len(built) == 1
    assert [e["outcome"] for e in journal(sim, "9002")] == ["success", "success"]
    assert all(not sim.state.sign_ins[s.token].active for s in yesterdays)
    assert {store.get(PLATFORM, s.principal, s.day).state for s in yesterdays} == {CLOSED}
    assert [s.day for s in store.open_sessions(PLATFORM)] == [today.isoformat()]  # today's is left alone

    assert sign_out_day(store, factory, today, include_day=True).signed_out == 1
    assert store.open_sessions(PLATFORM) == [] and len(journal(sim, "9002")) == 3
    assert sign_out_day(store, factory, today, include_day=True).counts()["signed_out"] == 0
    assert len(built) == 2  # no session, no client

    # a task calling after the day-end sign-out: refused once, reopens the day's sign-in, and others follow it
    today_client.call("3501", inv_row())
    assert len(sign_ins(sim)) == 4 and store.get(PLATFORM, "hisbridge", today).state == OPEN
    late = new_client(sim, new_store(url), msgids, clock=clock)
    late.call("3501", inv_row())
    assert late.sign_no == today_client.sign_no and len(sign_ins(sim)) == 4


def test_sign_out_day_closes_a_sign_in_the_platform_already_ended(sim, url, msgids) -> None:
    store, clock = new_store(url), Clock()
    clock.days = -1
    new_client(sim, store, msgids, clock=clock).call("3501", inv_row())
    expire_all(sim)  # as at midnight
    summary = sign_out_day(store, lambda: new_client(sim, None, msgids), shanghai_day(shanghai_now()))
    assert summary.counts() == {"signed_out": 0, "refused": 1, "superseded": 0, "failed": 0}
    (row,) = [store.get(PLATFORM, "hisbridge", shanghai_day(shanghai_now()) - timedelta(days=1))]
    assert row.state == CLOSED and "9002 refused" in row.note and "签到" in row.note


def test_sign_out_day_leaves_unreachable_sign_ins_open_and_raises_after_trying_all(sim, url, msgids) -> None:
    store, clock = new_store(url), Clock()
    clock.days = -1
    new_client(sim, store, msgids, clock=clock).call("3501", inv_row())
    down = HsaSettings(base_url="http://127.0.0.1:9", **SETTINGS)  # nothing listens on the discard port
    with pytest.raises(NotSent):
        sign_out_day(store, lambda: HsaClient(down, msgids=msgids), shanghai_day(shanghai_now()))
    assert len(store.open_sessions(PLATFORM)) == 1


def test_client_sign_in_and_sign_out_act_on_the_shared_sign_in(sim, url, msgids) -> None:
    store = new_store(url)
    a, b = new_client(sim, store, msgids), new_client(sim, new_store(url), msgids)
    assert a.sign_in() == b.sign_in() and len(sign_ins(sim)) == 1
    a.sign_out()
    assert a.sign_no is None and len(journal(sim, "9002")) == 1
    assert store.get(PLATFORM, "hisbridge", shanghai_day(shanghai_now())).state == CLOSED
    b.call("3501", inv_row())  # refused once, reopens
    assert len(sign_ins(sim)) == 2


@pytest.fixture
def hsa_conn(sim, monkeypatch) -> None:
    extra = {k: v for k, v in SETTINGS.items() if k != "secret"}
    monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http", "password": SECRET,
        "extra": extra}))  # fmt: skip


def test_the_hook_passes_its_session_store_to_the_client(sim, sqlite_url, msgids, hsa_conn) -> None:
    from hisbridge.platforms.hsa.hooks import HsaHook

    url = sqlite_url
    store = new_store(url)
    hook = HsaHook(msgids=msgids, sessions=store)
    hook.client.call("3501", inv_row())
    other = new_client(sim, new_store(url), msgids)
    other.call("3501", inv_row())
    assert len(sign_ins(sim)) == 1 and other.sign_no == hook.client.sign_no


def test_the_day_end_dag_task_signs_out_the_day_of_its_window(sim, tmp_path, hsa_conn, monkeypatch) -> None:
    from hisbridge import PROJECT_DIR
    from hisbridge.ledger.store import Ledger
    from hisbridge.platforms.hsa.msgid import CounterMsgIds

    path = tmp_path / "ledger.db"
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    ledger = Ledger(make_engine(f"sqlite:///{path}"))
    ledger.ensure_schema()  # the ledger's own migrations, as the task finds it
    msgids = CounterMsgIds(ledger.next_value, ledger.drop_counters)  # the task's clients use the same counter
    store, clock = SessionStore(ledger.engine), Clock()
    clock.days = -1
    new_client(sim, store, msgids, clock=clock).call("3501", inv_row())  # yesterday's, left over
    clock.days = 0
    new_client(sim, store, msgids, clock=clock).call("3501", inv_row())  # today's
    new_client(sim, store, msgids, clock=clock, opter="pharmacy").call("3501", inv_row())
    tomorrow = new_client(sim, store, msgids, clock=lambda: shanghai_now() + timedelta(days=1))
    tomorrow.call("3501", inv_row())

    dag = runpy.run_path(str(PROJECT_DIR / "dags" / "hsa_sign_out.py"))["hsa_sign_out"]()
    window_end = datetime.combine(shanghai_day(shanghai_now()), time(23, 55), tzinfo=SHANGHAI).astimezone(UTC)
    counts = dag.get_task("sign_out").execute({"data_interval_end": window_end})
    assert counts == {"signed_out": 3, "refused": 0, "superseded": 0, "failed": 0}
    tomorrows = shanghai_day(shanghai_now() + timedelta(days=1)).isoformat()
    assert [s.day for s in store.open_sessions(PLATFORM)] == [tomorrows]
