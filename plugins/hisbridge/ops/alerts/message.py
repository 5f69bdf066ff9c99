"""An alert as ops read it, and its three renderings: 企业微信 robot markdown, 钉钉 robot markdown, e-mail.

Every alert answers three questions in the same order: **what broke** (the subject and the detail), **since when**
(Asia/Shanghai, labelled so), and **how to fix it** (a command to run or a page to open). A recovery says what
cleared, when, how long it lasted, and who had taken it. An acknowledgement (``acknowledged``: someone said "I'm on
it") says who, when, their note, and that no more reminders follow. Text is masked with
:func:`hisbridge.logging.mask_text` on the way in (:meth:`Alert.create`, :meth:`Ack.words`): whatever a caller
passes, an ID number, a phone or a registered name does not reach a chat group or a mailbox.

Limits: a 企业微信 markdown message holds at most 4096 bytes (UTF-8); the detail is shortened to fit and the fix
is always kept whole.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from hisbridge.logging import mask_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
WECOM_MAX_BYTES = 4096
DINGTALK_MAX_BYTES = 20000
TAG = "hisbridge"  # every message carries it: a 钉钉 robot with keyword security can require it

Event = Literal["opened", "reminder", "recovered", "acknowledged"]
EVENT_TITLES = {"opened": "告警", "reminder": "仍未恢复", "recovered": "已恢复", "acknowledged": "已认领"}
KIND_TITLES = {
    "task_failure": "任务失败", "feed_sla": "接口超时未送达", "backlog": "待处理记录积压", "hsa_sign_in": "医保签到失败",
    "connection": "连接中断", "regional_upload_gap": "市区卫平台上传缺口", "window_gap": "漏跑窗口",
}  # fmt: skip


def shanghai(moment: datetime) -> str:
    """``2026-11-24 10:15（北京时间）``; a naive moment is taken as UTC (as the ledger stores it)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


def span(delta: timedelta) -> str:
    """``2 小时 5 分钟`` (at least ``1 分钟``)."""
    minutes = max(int(delta.total_seconds() // 60), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} 天" if days else "", f"{hours} 小时" if hours else "", f"{minutes} 分钟" if minutes else ""]
    return " ".join(p for p in parts if p)


def _clean(text: str | None, limit: int) -> str:
    text = mask_text((text or "").strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Alert:
    """One incident as it is told. Build with :meth:`create` (masks and bounds the text)."""

    kind: str
    key: str  # one incident per key: task:<dag>.<task>, sla:<feed>, backlog:quarantined:<feed> …
    subject: str
    detail: str
    fix: str
    since: datetime
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, url)

    @classmethod
    def create(cls, *, kind: str, key: str, subject: str, detail: str = "", fix: str = "",
               since: datetime | None = None, links: tuple[tuple[str, str], ...] = ()) -> Alert:  # fmt: skip
        return cls(kind=kind, key=key[:200], subject=_clean(subject, 180), detail=_clean(detail, 2000),
                   fix=_clean(fix, 1000), since=since or datetime.now(UTC), links=tuple(links))  # fmt: skip


@dataclass(frozen=True)
class Ack:
    """Someone took the incident: who (an Airflow user or the ``--by`` name), when, and what they said."""

    by: str
    at: datetime
    note: str | None = None

    def words(self) -> str:
        """``张工 于 2026-11-24 08:30（北京时间）认领：已联系厂商`` (the note masked and bounded)."""
        note = _clean(self.note, 300)
        return f"{_clean(self.by, 100)} 于 {shanghai(self.at)}认领" + (f"：{note}" if note else "")


@dataclass(frozen=True)
class Notice:
    """What one message says: an alert, at an event (opened, reminder, recovered, acknowledged)."""

    alert: Alert
    event: Event
    at: datetime  # when the event happened (recovery: when it cleared; acknowledgement: when it was taken)
    count: int = 1  # how many times ops were told of this incident, this one included
    ack: Ack | None = None  # who took it, if someone did

    @property
    def title(self) -> str:
        kind = KIND_TITLES.get(self.alert.kind, self.alert.kind)
        return f"【{TAG}{EVENT_TITLES[self.event]}】{kind}：{self.alert.subject}"

    def lines(self, detail_limit: int | None = None) -> list[tuple[str, str]]:
        """(label, text) in the order every rendering uses."""
        a = self.alert
        detail = a.detail if detail_limit is None else _clean(a.detail, max(detail_limit, 20))
        out: list[tuple[str, str]] = []
        if self.event == "recovered":
            out.append(("恢复时间", shanghai(self.at)))
            out.append(("持续", f"{span(self.at - a.since)}（自 {shanghai(a.since)}）"))
            if self.ack:
                out.append(("认领", self.ack.words()))
            if detail:
                out.append(("当时情况", detail))
            return out
        if self.event == "acknowledged":
            # short: the group already has the alert; this tells it someone took it and that reminders stop
            out.append(("认领", self.ack.words() if self.ack else "-"))
            out.append(("开始于", shanghai(a.since) + (f"，已持续 {span(self.at - a.since)}" if self.at > a.since else "")))
            out.append(("说明", "已有人处理，不再定时提醒；恢复时仍会通知"))
            return out
        out.append(("问题", detail or a.subject))
        out.append(("开始于", shanghai(a.since) + (f"，已持续 {span(self.at - a.since)}" if self.at > a.since else "")))
        if self.event == "reminder":
            out.append(("提醒", f"第 {self.count} 次通知：问题仍未恢复"))
        if a.fix:
            out.append(("处理", a.fix))
        return out

    # -- renderings --------------------------------------------------------------------------------------------
    def markdown(self, max_bytes: int = WECOM_MAX_BYTES) -> str:
        """Markdown that both robots render; shortened (detail first) to ``max_bytes`` UTF-8 bytes."""
        limit: int | None = None
        while True:
            text = self._markdown(limit)
            size = len(text.encode("utf-8"))
            if size <= max_bytes:
                return text
            current = len(self.alert.detail) if limit is None else limit
            if current <= 20:  # the detail cannot shrink further: cut the whole text (never the case in practice)
                return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
            limit = max(current - (size - max_bytes) // 2 - 10, 20)

    def _markdown(self, detail_limit: int | None) -> str:
        head = f"### {self.title}"
        body = [f"> **{label}**：{_md(text)}" for label, text in self.lines(detail_limit)]
        links = [f"[{label}]({url})" for label, url in self.alert.links]
        return "\n".join([head, *body, *([" · ".join(links)] if links else [])])

    def wecom(self) -> dict:
        """企业微信群机器人: ``{"msgtype": "markdown", "markdown": {"content": …}}``."""
        return {"msgtype": "markdown", "markdown": {"content": self.markdown(WECOM_MAX_BYTES)}}

    def dingtalk(self) -> dict:
        """钉钉自定义机器人: ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``."""
        return {"msgtype": "markdown", "markdown": {"title": self.title[:64], "text": self.markdown(DINGTALK_MAX_BYTES)}}

    def email_subject(self) -> str:
        return self.title

    def email_html(self) -> str:
        rows = "".join(f"<tr><th align=left valign=top>{html.escape(label)}</th><td><pre style='margin:0;"
                       f"white-space:pre-wrap'>{html.escape(text)}</pre></td></tr>" for label, text in self.lines())
        links = "".join(f"<li><a href='{html.escape(url, quote=True)}'>{html.escape(label)}</a></li>"
                        for label, url in self.alert.links)
        return (f"<h3>{html.escape(self.title)}</h3><table>{rows}</table>"
                + (f"<ul>{links}</ul>" if links else "") + f"<p style='color:#888'>{TAG} · {html.escape(self.alert.key)}</p>")


def _md(text: str) -> str:
    """Keep a multi-line value inside its quote block."""
    return text.replace("\n", "\n> ")
