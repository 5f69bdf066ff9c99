"""Fault injection: what can go wrong between the hospital and the city brain, on demand.

A :class:`FaultPlan` is an ordered list of :class:`FaultRule` plus standing settings. A call that passed the
signature checks takes the first rule matching it — by ``op`` (``notify``/``history``), ``event_type``,
``data_type``, ``batch_no``; an unset matcher matches anything. A rule with ``skip: n`` lets its first ``n``
matching calls through untouched (the call is then not faulted by any rule), then applies, ``times`` at most
(``null``: until cleared). A request header ``X-Sim-Fault: <kind>`` (with ``X-Sim-Fault-Delay-Ms``,
``X-Sim-Fault-Code``, ``X-Sim-Fault-Msg`` percent-encoded) applies a fault to that request only, ahead of the plan.

================= ========= ==========================================================================
kind              processed answer
================= ========= ==========================================================================
http_500_before   no        HTTP 500, HTML body (nothing kept; the nonce is not used up)
http_500_after    yes       HTTP 500, HTML body — kept: outcome unknown for the hospital
slow              yes       the normal answer ``delay_ms`` late (a read timeout fires first when it is
                            shorter); other calls are not held up
refuse            no        the envelope with the rule's ``code`` (default 5003) and ``msg``, at the code's
                            HTTP status (1007 → 429 + Retry-After, 5000 → 500, 5003 → 503, others 200)
drop              yes       the connection closed without a byte of answer (under uvicorn; elsewhere
                            HTTP 502 HTML) — kept: outcome unknown
================= ========= ==========================================================================

Standing settings: ``latency_ms`` (every answer of notify/history leaves that much later) and ``down`` with
``down_mode`` ``hang`` (no answer for ``down_delay_ms``, default 30000, then 503) / ``503`` / ``drop`` — nothing
is checked or kept while down; admin routes still answer.

JSON form (``POST /admin/faults``, ``--faults``)::

    {"rules": [{"kind": "http_500_before", "op": "history", "data_type": "bill", "skip": 2}],
     "latency_ms": 0, "down": false, "down_mode": "hang", "down_delay_ms": 30000}

A bare list of rules or one rule object is accepted too (settings unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import unquote

from simulators.city_brain import spec
from simulators.city_brain.receive import OPERATIONS
from simulators.fault_plan import FaultSpecError, StandingRulePlan, non_negative
from simulators.fault_plan import parse_rules as _parse_rules

KINDS: tuple[str, ...] = ("http_500_before", "http_500_after", "slow", "refuse", "drop")
PROCESSED: frozenset[str] = frozenset({"http_500_after", "slow", "drop"})
DEFAULT_DELAY_MS = 2000
DEFAULT_REFUSE_CODE = spec.UNAVAILABLE
DEFAULT_REFUSE_MSG = "城市大脑暂不可用，请稍后重试"
_KEYS = {"kind", "times", "skip", "op", "event_type", "data_type", "batch_no", "delay_ms", "code", "msg"}

__all__ = ["FaultPlan", "FaultRule", "FaultSpecError", "parse_rules", "KINDS", "PROCESSED"]



@dataclass
class FaultRule:
    kind: str
    times: int | None = 1  # None: every matching request
    skip: int = 0  # matching calls let through before the rule applies
    op: str | None = None  # notify | history; None: any
    event_type: str | None = None  # notify: REGISTERED, CHARGED …
    data_type: str | None = None  # history: visit, bill, prescription, report
    batch_no: str | None = None  # history
    delay_ms: float = DEFAULT_DELAY_MS  # slow
    code: str | None = None  # refuse: the answer code (default 5003)
    msg: str | None = None  # refuse: the answer message

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultSpecError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.times is not None and (isinstance(self.times, bool) or not isinstance(self.times, int)
                                       or self.times < 1):  # fmt: skip
            raise FaultSpecError(f"times must be a positive integer or null, got {self.times!r}")
        if isinstance(self.skip, bool) or not isinstance(self.skip, int) or self.skip < 0:
            raise FaultSpecError(f"skip must be a non-negative integer, got {self.skip!r}")
        for name, allowed in (("op", OPERATIONS), ("event_type", spec.EVENT_TYPES), ("data_type", spec.DATA_TYPES)):
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise FaultSpecError(f"unknown {name} {value!r}; expected one of {', '.join(allowed)}")
        non_negative("delay_ms", self.delay_ms)
        for name in ("code", "msg", "batch_no"):
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

    def matches(self, op: str, biz: Mapping[str, Any]) -> bool:
        return ((self.op is None or self.op == op)
                and (self.event_type is None or biz.get("eventType") == self.event_type)
                and (self.data_type is None or biz.get("dataType") == self.data_type)
                and (self.batch_no is None or biz.get("batchNo") == self.batch_no))  # fmt: skip


def parse_rules(payload: Any) -> list[FaultRule]:
    """Rules from ``{"rules": [...]}``, a bare list, or one rule object."""
    return _parse_rules(FaultRule, payload)


class FaultPlan(StandingRulePlan):
    """Thread-safe, ordered fault rules consumed by matching calls, plus ``latency_ms`` and ``down``."""

    rule_type = FaultRule

    def take(self, op: str, biz: Mapping[str, Any]) -> FaultRule | None:
        """The fault for one call (consuming one use of the rule, or one of its skips), or ``None``."""
        with self._lock:
            for i, rule in enumerate(self._rules):
                if not rule.matches(op, biz):
                    continue
                if rule.skip:
                    rule.skip -= 1
                    return None
                if rule.times is not None:
                    if rule.times <= 1:
                        del self._rules[i]
                    else:
                        rule.times -= 1
                return FaultRule.from_json({**rule.to_json(), "times": 1, "skip": 0})
            return None

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
