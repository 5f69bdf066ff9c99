"""What the receiver was sent: every post, accepted or refused, with the robot's answer."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Received:
    robot: str  # wecom | dingtalk
    token: str | None  # the key / access_token the post was made to
    body: Any  # the JSON as posted (None if it did not parse)
    errcode: int
    errmsg: str
    at: datetime

    @property
    def accepted(self) -> bool:
        return self.errcode == 0

    @property
    def text(self) -> str:
        """The message's visible text (markdown content or text), '' if none."""
        if not isinstance(self.body, dict):
            return ""
        node = self.body.get(self.body.get("msgtype"), {})
        if not isinstance(node, dict):
            return ""
        return "\n".join(str(node[k]) for k in ("title", "content", "text") if isinstance(node.get(k), str))

    def as_json(self) -> dict:
        return {"robot": self.robot, "body": self.body, "errcode": self.errcode, "errmsg": self.errmsg,
                "at": self.at.isoformat()}


@dataclass
class WebhookState:
    """Robots this receiver knows: 企业微信 keys, 钉钉 tokens (with their 加签 secret, or ``None``). Empty
    ``wecom_keys`` / ``dingtalk_tokens`` accept any key / token (a 钉钉 robot without 加签)."""

    wecom_keys: set[str] = field(default_factory=set)
    dingtalk_tokens: dict[str, str | None] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    #: the next N posts answer this instead of being checked: an HTTP status (500) or an errcode (45009 限流)
    faults: list[tuple[str, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, entry: Received) -> None:
        with self._lock:
            self.received.append(entry)

    def accepted(self, robot: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.accepted and (robot is None or r.robot == robot)]

    def next_fault(self) -> tuple[str, int] | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self.faults.clear()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)
