"""Fault injection: what can go wrong between the hospital and the platform, on demand.

A :class:`FaultPlan` is an ordered list of :class:`FaultRule` plus two standing settings. For each platform call
the first rule matching its operation (a rule without ``op`` matches every operation) is used and its ``times``
decremented; ``times: null`` never runs out. A request header ``X-Sim-Fault: <kind>`` (with
``X-Sim-Fault-Delay-Ms``, ``X-Sim-Fault-Code``, ``X-Sim-Fault-Msg`` percent-encoded) applies a fault to that request
only, ahead of the plan.

================= ========= ==========================================================================
kind              processed answer
================= ========= ==========================================================================
http_500_before   no        HTTP 500, HTML body (nothing stored)
http_500_after    yes       HTTP 500, HTML body — stored: outcome unknown for the client
slow              yes       the normal answer ``delay_ms`` late (a client read timeout fires first when
                            ``delay_ms`` is longer than it); other calls are not held up
refuse            no        HTTP 200 envelope with the rule's ``code`` (default A0400) and ``msg``
drop              yes       the connection is closed without a byte of answer (under uvicorn; elsewhere
                            HTTP 502 HTML) — stored: outcome unknown
================= ========= ==========================================================================

Standing settings:

* ``latency_ms`` — every answer of a query (``queryReminders``, ``getReport``) leaves that much later: a
  benchmark makes the platform answer reminders in 50 ms.
* ``down`` — the platform is unreachable for every operation (admin routes still answer). A refused connection
  cannot be had in-process (the listening socket belongs to the server), so ``down_mode`` says what a client
  sees instead: ``hang`` (default) — no answer for ``down_delay_ms`` (default 30000), then HTTP 503, as behind
  a dead upstream: a client with a shorter read timeout gives up first; ``503`` — HTTP 503 at once, as a load
  balancer with no upstream; ``drop`` — the connection closed at once without an answer (the nearest thing to a
  refused connection, though a client sees it after sending). Nothing is processed while down.

JSON form (``POST /admin/faults``, ``--faults`` on the command line)::

    {"rules": [{"kind": "slow", "times": 1, "op": "queryReminders", "delay_ms": 3000}],
     "latency_ms": 50, "down": false, "down_mode": "hang", "down_delay_ms": 30000}

A bare list of rules or a single rule object is accepted too (settings unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import unquote

from simulators.fault_plan import FaultSpecError, StandingRulePlan, non_negative
from simulators.fault_plan import parse_rules as _parse_rules
from simulators.mutual import spec

KINDS: tuple[str, ...] = ("http_500_before", "http_500_after", "slow", "refuse", "drop")
#: kinds after which the request has been processed (stored) by the platform
PROCESSED: frozenset[str] = frozenset({"http_500_after", "slow", "drop"})
DEFAULT_DELAY_MS = 2000
DEFAULT_REFUSE_CODE = spec.REFUSED
DEFAULT_REFUSE_MSG = "平台拒绝: 数据接收通道维护中"
_KEYS = {"kind", "times", "op", "delay_ms", "code", "msg"}

__all__ = ["FaultPlan", "FaultRule", "FaultSpecError", "parse_rules", "KINDS", "PROCESSED"]



@dataclass
class FaultRule:
    kind: str
    times: int | None = 1  # None: every matching request
    op: str | None = None  # an operation name (uploadLabReport, queryReminders …); None: any
    delay_ms: float = DEFAULT_DELAY_MS  # slow
    code: str | None = None  # refuse: the answer code (default A0400)
    msg: str | None = None  # refuse: the answer msg

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultSpecError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.times is not None and (isinstance(self.times, bool) or not isinstance(self.times, int)
                                       or self.times < 1):  # fmt: skip
            raise FaultSpecError(f"times must be a positive integer or null, got {self.times!r}")
        if self.op is not None and self.op not in spec.BY_OP:
            raise FaultSpecError(f"unknown operation {self.op!r}; expected one of {', '.join(spec.OPERATIONS)}")
        non_negative("delay_ms", self.delay_ms)
        for name in ("code", "msg"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise FaultSpecError(f"{name} must be a string, got {value!r}")

    @classmethod
    def from_json(cls, data: Any) -> FaultRule:
        if not isinstance(data, Mapping):
            raise FaultSpecError(f"a fault rule is an object, got {data!r}")
        unknown = set(data) - _KEYS
        if unknown:
            raise FaultSpecError(f"unknown fault rule keys: {', '.join(sorted(unknown))}")
        if "kind" not in data:
            raise FaultSpecError("a fault rule needs a kind")
        return cls(**{k: data[k] for k in _KEYS if k in data})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def matches(self, op: str) -> bool:
        return self.op is None or self.op == op


def parse_rules(payload: Any) -> list[FaultRule]:
    """Rules from ``{"rules": [...]}``, a bare list, or one rule object."""
    return _parse_rules(FaultRule, payload)


class FaultPlan(StandingRulePlan):
    """Thread-safe, ordered fault rules consumed by matching requests, plus ``latency_ms`` and ``down``."""

    rule_type = FaultRule

    def take(self, op: str) -> FaultRule | None:
        """The fault for one call (consuming one use of the rule), or ``None``."""
        return self._take(op)

    @staticmethod
    def from_headers(headers: Mapping[str, str]) -> FaultRule | None:
        """The one-off fault a request asks for with ``X-Sim-Fault`` (and its ``-Delay-Ms``/``-Code``/``-Msg``)."""
        kind = headers.get("x-sim-fault")
        if not kind:
            return None
        delay = headers.get("x-sim-fault-delay-ms")
        try:
            delay_ms = float(delay) if delay else DEFAULT_DELAY_MS
        except ValueError as exc:
            raise FaultSpecError(f"X-Sim-Fault-Delay-Ms must be a number, got {delay!r}") from exc
        msg = headers.get("x-sim-fault-msg")  # percent-encoded UTF-8: headers carry latin-1 only
        return FaultRule(kind=kind.strip(), delay_ms=delay_ms, code=headers.get("x-sim-fault-code"),
                         msg=unquote(msg) if msg else None)  # fmt: skip
