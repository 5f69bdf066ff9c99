"""``python -m hisbridge alerts``: the alert incidents kept in the ledger, for ops without a browser.

  list  [--open | --all] [--since 7d|24h|2026-11-24] [--feed F] [--limit N]
        the incidents, newest first (default: those not yet recovered); each with its fix command below it
  show  ID
        one incident: what broke, since when, every message sent for it (channel and answer), the fix and pages
  ack   ID --by NAME [--note TEXT]
        认领: NAME is on it. The incident stays open but gets no more reminders; its recovery is still sent and
        names NAME; the chat robots hear "已由 NAME 认领" (alerts.yaml ``ack``). An unknown, recovered or already
        taken incident is refused in words (exit 1).

Times are Asia/Shanghai (北京时间), and said so. The ledger is ``--url`` (a SQLAlchemy URL) or the Airflow connection
``--conn-id`` (default hisbridge_db); the channels are the Airflow connections of alerts.yaml. Nothing here closes an
incident: it closes when the check or the task that raised it sees the fault gone.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, inspect

from hisbridge.logging import mask_text
from hisbridge.ops.alerts.config import AlertsConfig, load_config
from hisbridge.ops.alerts.incidents import (
    ACKED_WORDS,
    EVENT_WORDS,
    LABEL,
    OUTCOME_WORDS,
    STATUS_WORDS,
    ack_words,
    answer_words,
    channel_words,
    default_feed_dags,
    find,
    kind_title,
    lasted,
    links_of,
    parse_since,
    state_words,
    target_of,
    when,
)
from hisbridge.ops.alerts.state import RESOLVED, TAKEN, AckResult, Incident, IncidentStore

COLUMNS = ("告警编号", "类别", "对象", "状态", "首次", "最近提醒", "恢复时间", "次数", "摘要")
RIGHT = {"告警编号", "次数"}


def width(text: str) -> int:
    """Columns a terminal gives ``text`` (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def table(head: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[str] = ()) -> list[str]:
    """Rows aligned by display width (the last column is not padded)."""
    widths = [max([width(h), *(width(r[i]) for r in rows)]) for i, h in enumerate(head)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (name, cell) in enumerate(zip(head, cells, strict=True)):
            gap = " " * (widths[i] - width(cell))
            last = i == len(head) - 1
            out.append(gap + cell if name in right else cell + ("" if last else gap))
        return "  ".join(out).rstrip()

    return [line(head), *(line(r) for r in rows)]


def list_lines(incidents: Sequence[Incident], feed_dags: dict[str, str], *, open_only: bool) -> list[str]:
    """The list as printed: a heading, the table, and under each row its fix command."""
    scope = "未恢复的告警" if open_only else "全部告警"
    if not incidents:
        return [f"没有{scope}。"]
    rows = [(str(i.id), kind_title(i.kind), target_of(i.key, feed_dags).label, state_words(i),
             when(i.since), when(i.notified_at), when(i.resolved_at), str(i.notify_count), mask_text(i.subject))
            for i in incidents]  # fmt: skip
    lines = table(COLUMNS, rows, RIGHT)
    out = [f"{scope} {len(incidents)} 条（时间均为{LABEL}；首次 = 问题开始于，次数 = 已通知次数；每条下一行为处理命令，"
           f"{ACKED_WORDS}的再下一行为认领人）",
           lines[0]]
    indent = " " * (width(lines[0].split("类别")[0]))
    for line, incident in zip(lines[1:], incidents, strict=True):
        out.append(line)
        out.append(f"{indent}处理命令：{mask_text(incident.fix or '-')}")
        taken = ack_words(incident)
        if taken:
            out.append(f"{indent}认领：{taken}")
    return out


def show_lines(store: IncidentStore, incident: Incident, feed_dags: dict[str, str], config: AlertsConfig,
               base_url: str, now: datetime) -> list[str]:  # fmt: skip
    target = target_of(incident.key, feed_dags)
    status = STATUS_WORDS.get(incident.status, incident.status) + (f" · {ACKED_WORDS}" if incident.ack else "")
    out = [f"告警 {incident.id} · {kind_title(incident.kind)} · {status}",
           f"  对象：{target.label}",
           f"  摘要：{mask_text(incident.subject)}",
           f"  问题：{mask_text(incident.detail or '-')}",
           f"  开始于：{when(incident.since)}（{LABEL}），{'已持续' if incident.status == 'open' else '持续'} "
           f"{lasted(incident, now)}",
           f"  首次发现：{when(incident.opened_at)} · 最近发现：{when(incident.last_seen_at)}",
           f"  最近提醒：{when(incident.notified_at)} · 已通知 {incident.notify_count} 次"]
    taken = ack_words(incident, label=True)
    if taken:
        out.append(f"  认领：{taken}")
    if incident.resolved_at is not None:
        out.append(f"  恢复时间：{when(incident.resolved_at)}（{incident.resolved_by or '-'} 发现已恢复）")
    out.append(f"  处理命令：{mask_text(incident.fix or '-')}")
    pages = [("本告警", f"/hisbridge-alerts/{incident.id}"), *links_of(incident, target)]
    out.append("  相关页面：" + "；".join(f"{label} {base_url}{href}" for label, href in pages))
    sent = store.notifications(incident.id)
    out.append(f"  发送记录（{LABEL}）：" + ("" if sent else "无（尚未发送过消息）"))
    types = {name: ch.type for name, ch in config.channels.items()}
    rows = [(when(n["at"]), EVENT_WORDS.get(n["event"], n["event"]), channel_words(n["channel"], types),
             OUTCOME_WORDS.get(n["outcome"], n["outcome"]), mask_text(answer_words(n["outcome"], n["error"])))
            for n in sent]  # fmt: skip
    if rows:
        out += ["    " + line for line in table(("时间", "事件", "渠道", "结果", "渠道应答"), rows)]
    return out


def ack_lines(result: AckResult, incident_id: int, by: str, config: AlertsConfig) -> tuple[int, list[str]]:
    """(exit code, what to print) for ``ack``: stdout lines on success, the refusal (for stderr) otherwise."""
    incident = result.incident
    if incident is None:
        return 1, [f"没有编号为 {incident_id} 的告警"]
    if result.status == RESOLVED:
        return 1, [f"告警 {incident_id} 已于 {when(incident.resolved_at)}（{LABEL}）恢复，无需认领"]
    taken = f"告警 {incident_id} 已由 {incident.acked_by} 于 {when(incident.acked_at)}（{LABEL}）认领"
    if result.status == TAKEN:
        if (incident.acked_by or "") == by.strip():
            return 0, [f"{taken}，无需重复认领"]
        return 1, [f"{taken}；如需转交，请与 {incident.acked_by} 联系"]
    note = mask_text((incident.ack_note or "").strip())
    out = [f"{taken}{f'（备注：{note}）' if note else ''}。不再定时提醒；问题消除时仍会发送恢复通知。"]
    types = {name: ch.type for name, ch in config.channels.items()}
    if result.told:
        out.append("认领通知：" + "；".join(
            f"{channel_words(name, types)} {OUTCOME_WORDS.get(outcome, outcome)}"
            + (f"（{mask_text(error)}）" if error and outcome == "failed" else "")
            for name, (outcome, error) in result.told.items()))
    elif not config.ack.notify:
        out.append("认领通知：未发送（alerts.yaml 中 ack.notify 为 false）")
    else:
        kinds = "、".join(config.ack.channel_types)
        out.append(f"认领通知：未发送（该类告警的路由中没有 {kinds} 类型的渠道）")
    return 0, out


def _engine(args: argparse.Namespace) -> Engine:
    from hisbridge.db import command_engine

    return command_engine(args.url, args.conn_id)


def _base_url(config: AlertsConfig) -> str:
    from hisbridge.ops.alerts.checks import ui_base_url

    return ui_base_url(config)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hisbridge alerts", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="台账库的 SQLAlchemy URL（不经 Airflow 连接）")
    p.add_argument("--conn-id", default="hisbridge_db", help="台账库的 Airflow 连接（默认 hisbridge_db）")
    sub = p.add_subparsers(dest="command", required=True)
    q = sub.add_parser("list", help="告警列表（默认只列未恢复的）")
    which = q.add_mutually_exclusive_group()
    which.add_argument("--open", dest="open_only", action="store_true", default=True, help="只列未恢复的（默认）")
    which.add_argument("--all", dest="open_only", action="store_false", help="也列已恢复的")
    q.add_argument("--since", help="自何时起仍未恢复或恢复于其后：7d、24h、90m，或北京时间 2026-11-24、'2026-11-24 08:00'")
    q.add_argument("--feed", help="只列与该接口有关的告警（含其 DAG 的任务失败与漏跑窗口）")
    q.add_argument("--limit", type=int, default=200)
    q = sub.add_parser("show", help="一条告警的详情与发送记录")
    q.add_argument("id", type=int)
    q = sub.add_parser("ack", help="认领一条未恢复的告警：不再定时提醒，恢复时仍通知；群里收到“已由某人认领”")
    q.add_argument("id", type=int)
    q.add_argument("--by", required=True, help="认领人姓名（写入台账，并出现在群消息与恢复通知中）")
    q.add_argument("--note", help="备注，例如“已联系厂商，预计 10 点恢复”（不超过 500 字）")
    return p


def main(argv: list[str] | None = None, *, now: datetime | None = None) -> int:
    args = build_parser().parse_args(argv)
    now = now or datetime.now(UTC)
    if args.command == "ack" and (not args.by.strip() or len(args.by) > 100 or len(args.note or "") > 500):
        print("--by 须写认领人姓名（不超过 100 字），--note 不超过 500 字", file=sys.stderr)
        return 2
    since = None
    if getattr(args, "since", None):
        try:
            since = parse_since(args.since, now)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
    engine = _engine(args)
    try:
        if not inspect(engine).has_table("alert_incident"):
            print("台账库还没有告警表（迁移 0011_alerts）：先执行 python -m hisbridge ledger upgrade", file=sys.stderr)
            return 1
        store = IncidentStore(engine, clock=lambda: now)  # one instant for the whole command (tests pin it)
        if args.command == "ack":
            return _ack(store, args)
        feed_dags = default_feed_dags()
        if args.command == "list":
            found = find(store, open_only=args.open_only, since=since, feed=args.feed, feed_dags=feed_dags,
                         limit=args.limit)  # fmt: skip
            print("\n".join(list_lines(found, feed_dags, open_only=args.open_only)))
            return 0
        incident = store.incident(args.id)
        if incident is None:
            print(f"没有编号为 {args.id} 的告警", file=sys.stderr)
            return 1
        config = load_config()
        print("\n".join(show_lines(store, incident, feed_dags, config, _base_url(config), now)))
        return 0
    finally:
        engine.dispose()


def _ack(store: IncidentStore, args: argparse.Namespace) -> int:
    if "acked_at" not in {c["name"] for c in inspect(store.engine).get_columns("alert_incident")}:
        print("台账库还没有认领字段（迁移 0013_alert_ack）：先执行 python -m hisbridge ledger upgrade", file=sys.stderr)
        return 1
    from hisbridge.ops.alerts.dispatch import Alerter

    config = load_config()
    result = Alerter(store, config).acknowledge(args.id, args.by.strip(), args.note)
    code, lines = ack_lines(result, args.id, args.by, config)
    print("\n".join(lines), file=sys.stdout if code == 0 else sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
