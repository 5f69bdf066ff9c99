"""Fault injection: what can go wrong between the hospital and the platform, on demand.

A :class:`FaultPlan` is an ordered list of :class:`FaultRule`. For each platform call (after the gateway
accepted it) the first rule whose ``infno`` matches (or that has none) is used and its ``times`` decremented;
a rule with ``times: null`` never runs out. A request header ``X-Sim-Fault: <kind>`` (optionally
``X-Sim-Fault-Delay: <seconds>`` for ``slow``) applies a fault to that request only, ahead of the plan.

Kinds, and whether the platform processed the request:

============== ========== ===========================================================================
kind           processed  answer
============== ========== ===========================================================================
http_500_before  no       HTTP 500, HTML body
http_502_after   yes      HTTP 502, HTML body (the "gateway" lost the answer)
slow             yes      the normal answer, ``delay_s`` seconds late (a client read timeout fires)
infcode_-1       no       ``infcode -1``, ``err_msg`` "系统繁忙，请稍后再试"
refused          no       ``infcode -1`` with the rule's ``err_msg`` (a business refusal: "该批次已对账，不允许删除")
malformed        yes      HTTP 200, a body that is not JSON (truncated envelope)
drop             yes      the connection is closed without a byte of answer
============== ========== ===========================================================================

JSON form (``POST /__admin__/faults``, ``--faults`` on the command line)::

    {"rules": [{"kind": "slow", "times": 1, "infno": "3505", "delay_s": 3.0}]}

A bare list of rules or a single rule object is accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulators.fault_plan import FaultSpecError, RulePlan
from simulators.fault_plan import parse_rules as _parse_rules

KINDS: tuple[str, ...] = ("http_500_before", "http_502_after", "slow", "infcode_-1", "refused", "malformed", "drop")
DEFAULT_REFUSAL = "该批次已对账，不允许删除"
#: kinds after which the request has been processed by the platform
PROCESSED: frozenset[str] = frozenset({"http_502_after", "slow", "malformed", "drop"})
DEFAULT_DELAY_S = 2.0


@dataclass
class FaultRule:
    kind: str
    times: int | None = 1  # None: every matching request
    infno: str | None = None
    delay_s: float = DEFAULT_DELAY_S
    err_msg: str | None = None  # the words of a ``refused`` fault

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultSpecError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.times is not None and (isinstance(self.times, bool) or not isinstance(self.times, int)):
            raise FaultSpecError(f"times must be a positive integer or null, got {self.times!r}")
        if self.times is not None and self.times < 1:
            raise FaultSpecError(f"times must be a positive integer or null, got {self.times!r}")
        if self.infno is not None and not isinstance(self.infno, str):
            raise FaultSpecError(f"infno must be a string, got {self.infno!r}")
        if isinstance(self.delay_s, bool) or not isinstance(self.delay_s, int | float) or self.delay_s < 0:
            raise FaultSpecError(f"delay_s must be a non-negative number, got {self.delay_s!r}")

    @classmethod
    def from_json(cls, data: Any) -> FaultRule:
        if not isinstance(data, Mapping):
            raise FaultSpecError(f"a fault rule is an object, got {data!r}")
        unknown = set(data) - {"kind", "times", "infno", "delay_s", "err_msg"}
        if unknown:
            raise FaultSpecError(f"unknown fault rule keys: {', '.join(sorted(unknown))}")
        if "kind" not in data:
            raise FaultSpecError("a fault rule needs a kind")
        return cls(
            kind=data["kind"],
            times=data.get("times", 1),
            infno=data.get("infno"),
            delay_s=data.get("delay_s", DEFAULT_DELAY_S),
            err_msg=data.get("err_msg"),
        )

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "times": self.times, "infno": self.infno, "delay_s": self.delay_s,
                "err_msg": self.err_msg}

    def matches(self, infno: str | None) -> bool:
        return self.infno is None or self.infno == infno


def parse_rules(payload: Any) -> list[FaultRule]:
    """Rules from ``{"rules": [...]}``, a bare list, or one rule object."""
    return _parse_rules(FaultRule, payload)


class FaultPlan(RulePlan):
    """Thread-safe, ordered fault rules consumed by matching requests."""

    rule_type = FaultRule

    def take(self, infno: str | None) -> FaultRule | None:
        """The fault for a request to ``infno`` (consuming one use of the rule), or ``None``."""
        return self._take(infno)

    @staticmethod
    def from_headers(headers: Mapping[str, str]) -> FaultRule | None:
        """The one-off fault a request asks for with ``X-Sim-Fault`` (and ``X-Sim-Fault-Delay``)."""
        kind = headers.get("x-sim-fault")
        if not kind:
            return None
        delay = headers.get("x-sim-fault-delay")
        try:
            delay_s = float(delay) if delay else DEFAULT_DELAY_S
        except ValueError as exc:
            raise FaultSpecError(f"X-Sim-Fault-Delay must be a number, got {delay!r}") from exc
        return FaultRule(kind=kind.strip(), delay_s=delay_s)
