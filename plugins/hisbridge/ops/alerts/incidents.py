"""Incidents as ops read them — the alert list page (``/hisbridge-alerts``), ``python -m hisbridge alerts`` and the
health page's links: what an incident concerns, which incidents concern a feed, and the Chinese words for states,
events and channel outcomes.

**What an incident concerns** is read from its key, which each raiser builds the same way (the inverse of
:func:`feed_keys`; ``tests/unit/ops/alerts/test_incidents.py`` keeps the two in step):

========================================  ==============================================  ======================
key                                       raised by                                        concerns
========================================  ==============================================  ======================
``sla:<feed>``                            :func:`~.checks.check_feed_sla`                  the feed
``backlog:<state>:<feed>``                :func:`~.checks.check_backlog`                   the feed
``task:<dag>.<task>``                     :mod:`.notifier` (a task failed for good)        the DAG: its feeds
``window_gap:<dag>``                      :func:`hisbridge.ops.window_tasks.notify`        the DAG: its feeds
``regional_upload_gap:<dataset>:<day>``   :mod:`hisbridge.platforms.regional.health`      feed ``regional_<dataset>``
``hsa_sign_in:<operator>``                :func:`~.checks.check_hsa_sign_in`               the 医保 platform
``connection:<conn_id>``                  :func:`~.checks.check_connections`               a database connection
========================================  ==============================================  ======================

A task failure or a window gap concerns every feed of its DAG (a failing task of ``cdc_routine_same_day`` holds
back the DAG's run, and so each of its feeds' next window). Times here are instants (UTC in the ledger); shown in
Asia/Shanghai and labelled (:data:`LABEL`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_

from hisbridge.ledger.schema import alert_incident as t
from hisbridge.logging import mask_text
from hisbridge.ops.alerts.message import KIND_TITLES
from hisbridge.ops.alerts.state import OPEN, RESOLVED, Incident, IncidentStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
LABEL = "北京时间"
REGIONAL_FEED_PREFIX = "regional_"

STATUS_WORDS = {OPEN: "未恢复", RESOLVED: "已恢复"}
ACKED_WORDS = "已认领"  # open, and someone took it: no more reminders
EVENT_WORDS = {"opened": "首次告警", "reminder": "提醒（仍未恢复）", "recovered": "恢复通知", "acknowledged": "认领通知"}
OUTCOME_WORDS = {"sent": "已送达", "failed": "发送失败", "skipped": "未发送（渠道未配置）"}
CHANNEL_TYPE_WORDS = {"webhook": "群机器人", "email": "邮件"}
BACKLOG_WORDS = {"quarantined": "隔离", "rejected": "平台拒收", "unknown": "结果未知"}


def kind_title(kind: str) -> str:
    return KIND_TITLES.get(kind, kind)


def state_words(incident: Incident) -> str:
    """未恢复 · 已认领 (open, someone took it) · 已恢复."""
    if incident.status == OPEN and incident.acked_at is not None:
        return ACKED_WORDS
    return STATUS_WORDS.get(incident.status, incident.status)


def ack_words(incident: Incident, *, label: bool = False) -> str | None:
    """``张工 于 2026-11-24 08:30 认领：已联系厂商`` (the time in :data:`LABEL`, said so with ``label``; the note
    masked); ``None`` when nobody took it."""
    if incident.acked_at is None:
        return None
    note = mask_text((incident.ack_note or "").strip())
    at = when(incident.acked_at) + (f"（{LABEL}）" if label else " ")
    return f"{incident.acked_by or '-'} 于 {at}认领" + (f"：{note}" if note else "")


# -- what an incident concerns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What an incident concerns: ``label`` for people (the 对象 column), ``feeds`` for the health page's rows."""

    label: str
    feeds: tuple[str, ...] = ()
    dag_id: str | None = None
    task_id: str | None = None
    state: str | None = None  # a backlog's record state
    connection: str | None = None


def dag_feeds(feed_dags: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """feed → DAG turned into DAG → its feeds."""
    out: dict[str, list[str]] = {}
    for feed, dag in sorted(feed_dags.items()):
        out.setdefault(dag, []).append(feed)
    return {dag: tuple(feeds) for dag, feeds in out.items()}


def target_of(key: str, feed_dags: Mapping[str, str]) -> Target:
    """What the incident of ``key`` concerns (see the module docstring); ``feed_dags`` maps each feed to its DAG."""
    scope, _, rest = key.partition(":")
    by_dag = dag_feeds(feed_dags)
    if scope == "sla" and rest:
        return Target(f"接口 {rest}", (rest,), feed_dags.get(rest))
    if scope == "backlog" and ":" in rest:
        state, _, feed = rest.partition(":")
        return Target(f"接口 {feed}（{BACKLOG_WORDS.get(state, state)}）", (feed,), feed_dags.get(feed), state=state)
    if scope == "task" and "." in rest:
        dag, _, task = rest.partition(".")
        feeds = by_dag.get(dag, ())
        return Target(f"{_dag_words(dag, feeds)} · 任务 {task}", feeds, dag, task)
    if scope == "window_gap" and rest:
        feeds = by_dag.get(rest, ())
        return Target(_dag_words(rest, feeds), feeds, rest)
    if scope == "regional_upload_gap" and ":" in rest:
        dataset, _, day = rest.partition(":")
        feed = REGIONAL_FEED_PREFIX + dataset
        return Target(f"接口 {feed} · {day}", (feed,), feed_dags.get(feed))
    if scope == "hsa_sign_in" and rest:
        return Target(f"医保平台 · 操作员 {rest}")
    if scope == "connection" and rest:
        return Target(f"连接 {rest}", connection=rest)
    return Target(key)


def _dag_words(dag: str, feeds: tuple[str, ...]) -> str:
    """``接口 hsa_trace_sale`` for a DAG that runs one feed of its own name, else ``DAG <dag>`` (with its feed)."""
    if len(feeds) == 1:
        return f"接口 {dag}" if feeds[0] == dag else f"接口 {feeds[0]} · DAG {dag}"
    return f"DAG {dag}"


def feed_keys(feed: str, dag_id: str | None) -> ColumnElement[bool]:
    """The incidents that concern ``feed`` (run by DAG ``dag_id``), as a condition on ``alert_incident.key`` — what
    :func:`target_of` lists ``feed`` for. LIKE wildcards in the names (``_`` in every feed id) are escaped."""
    k = t.c.key
    parts = [k == f"sla:{feed}",
             and_(k.startswith("backlog:"), k.endswith(f":{feed}", autoescape=True))]
    if dag_id:
        parts += [k.startswith(f"task:{dag_id}.", autoescape=True), k == f"window_gap:{dag_id}"]
    if feed.startswith(REGIONAL_FEED_PREFIX):
        dataset = feed.removeprefix(REGIONAL_FEED_PREFIX)
        parts.append(k.startswith(f"regional_upload_gap:{dataset}:", autoescape=True))
    return or_(*parts) if parts else false()


def links_of(incident: Incident, target: Target, *, ledger_url: str = "/hisbridge/ledger",
             health_url: str = "/hisbridge-health/", airflow_url: str = "") -> list[tuple[str, str]]:
    """(label, href) of the pages that help with the incident: the feed's records waiting, the health page, the
    DAG, the 市区卫平台 daily check, Airflow's connections."""
    out: list[tuple[str, str]] = []
    if len(target.feeds) == 1:
        query = f"feed={quote(target.feeds[0])}" + (f"&state={quote(target.state)}" if target.state else "")
        out.append(("台账待处理记录", f"{ledger_url}/failures?{query}"))
    if target.feeds:
        out.append(("接口健康页", health_url))
    if incident.kind == "regional_upload_gap":
        out.append(("市区卫平台上传健康检查", f"{ledger_url}/regional"))
    if target.dag_id:
        out.append((f"DAG {target.dag_id}", f"{airflow_url}/dags/{quote(target.dag_id, safe='')}"))
    if target.connection:
        out.append(("Airflow 连接", f"{airflow_url}/connections"))
    return out


# -- reading ----------------------------------------------------------------------------------------------------


def default_feed_dags() -> dict[str, str]:
    """Every feed of every platform → the DAG that runs it (``feed_sla.yaml`` ``dags``, else the feed's own id)."""
    from hisbridge.ops.feed_health import default_infos

    _, infos = default_infos()
    return {i.feed: i.dag_id for i in infos}


def find(store: IncidentStore, *, open_only: bool = True, since: datetime | None = None, feed: str | None = None,
         feed_dags: Mapping[str, str] | None = None, limit: int = 200) -> list[Incident]:
    """The incidents to list, newest first (``open_only``; not resolved before ``since``; concerning ``feed``)."""
    keys = None
    if feed:
        dags = feed_dags if feed_dags is not None else default_feed_dags()
        keys = feed_keys(feed, dags.get(feed, feed))
    return store.search(status=OPEN if open_only else None, active_since=since, keys=keys, limit=limit)


def open_by_feed(store: IncidentStore, feed_dags: Mapping[str, str]) -> dict[str, list[Incident]]:
    """Open incidents per feed they concern (the health page's links); one indexed read of the open ones."""
    out: dict[str, list[Incident]] = {}
    for incident in store.open_incidents():
        for feed in target_of(incident.key, feed_dags).feeds:
            out.setdefault(feed, []).append(incident)
    return out


def channel_words(channel: str, types: Mapping[str, str]) -> str:
    """``ops_robot（群机器人）`` — a channel of alerts.yaml with its type."""
    kind = types.get(channel)
    return f"{channel}（{CHANNEL_TYPE_WORDS.get(kind, kind)}）" if kind else channel


def answer_words(outcome: str, error: str | None) -> str:
    """What the channel said: a robot answers ``errcode 0`` when it took the message; otherwise its words."""
    if outcome == "sent":
        return error or "渠道已接收"
    return error or "-"


# -- time -------------------------------------------------------------------------------------------------------


def local(moment: datetime | None) -> datetime | None:
    """An instant in Asia/Shanghai (a naive value is UTC, as SQLite hands it back)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SHANGHAI)


def when(moment: datetime | None, empty: str = "-") -> str:
    """``2026-11-24 10:12`` (Asia/Shanghai; the column or line says :data:`LABEL`)."""
    shown = local(moment)
    return f"{shown:%Y-%m-%d %H:%M}" if shown else empty


def lasted(incident: Incident, now: datetime) -> str:
    """How long it has lasted (open) or lasted (resolved): ``2 小时 5 分钟``."""
    from hisbridge.ops.alerts.message import span

    return span((incident.resolved_at or now) - incident.since)


_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")


def parse_since(text: str, now: datetime) -> datetime:
    """``--since``: a span back from now (``90m``, ``24h``, ``7d``), a day (``2026-11-24``: from 00:00) or a moment
    (``2026-11-24 08:00`` / ``2026-11-24T08:00``), in Asia/Shanghai unless it carries its own offset."""
    m = _DURATION.match(text)
    if m:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
        return now - timedelta(**{unit: int(m.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"--since {text!r}：请写 7d、24h、90m，或北京时间的 2026-11-24、2026-11-24 08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


__all__ = ["LABEL", "Target", "ack_words", "answer_words", "channel_words", "feed_keys", "find", "links_of",
           "open_by_feed", "parse_since", "state_words", "target_of", "when"]
