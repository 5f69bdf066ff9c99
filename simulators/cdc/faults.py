"""Fault injection: what can go wrong between the hospital and the front-end, on demand.

A :class:`FaultPlan` is an ordered list of :class:`FaultRule`. For each push (``POST``/``DELETE`` to a known
entity) the first rule matching its entity and method (a rule without them matches all) is used and its
``times`` decremented; a rule with ``times: null`` never runs out. A request header ``X-Sim-Fault: <kind>``
(with ``X-Sim-Fault-Delay: <seconds>`` for ``slow``, ``X-Sim-Fault-Error: <percent-encoded text>`` for
``refuse``) applies a fault to that request only, ahead of the plan.

Kinds, and whether the front-end processed the request (stored / deleted the record):

================= ========= ==========================================================================
kind              processed answer
================= ========= ==========================================================================
http_500_before   no        HTTP 500, HTML body
http_500_after    yes       HTTP 500, HTML body — the record is stored: outcome unknown for the client
slow              yes       the normal answer, ``delay_s`` seconds late (a client read timeout fires first
                            when ``delay_s`` is longer than it)
refuse            no        HTTP 200 ``result false`` with the rule's ``error_name`` (and ``error_code``)
================= ========= ==========================================================================

JSON form (``POST /__admin__/faults``, ``--faults`` on the command line)::

    {"rules": [{"kind": "slow", "times": 1, "entity": "emrExLabItem", "delay_s": 3.0}]}

A bare list of rules or a single rule object is accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import unquote

from simulators.fault_plan import FaultSpecError, RulePlan
from simulators.fault_plan import parse_rules as _parse_rules

KINDS: tuple[str, ...] = ("http_500_before", "http_500_after", "slow", "refuse")
#: kinds after which the request has been processed by the front-end
PROCESSED: frozenset[str] = frozenset({"http_500_after", "slow"})
METHODS: tuple[str, ...] = ("POST", "DELETE")
DEFAULT_DELAY_S = 2.0
DEFAULT_ERROR_NAME = "前置软件拒绝接收: 数据上报通道已关闭"
DEFAULT_ERROR_CODE = "REFUSED"
_KEYS = {"kind", "times", "entity", "method", "delay_s", "error_name", "error_code"}


@dataclass
class FaultRule:
    kind: str
    times: int | None = 1  # None: every matching request
    entity: str | None = None  # camelCase entity (emrExLabItem); None: any
    method: str | None = None  # POST or DELETE; None: both
    delay_s: float = DEFAULT_DELAY_S  # slow
    error_name: str | None = None  # refuse: the errorName answered (default DEFAULT_ERROR_NAME)
    error_code: str | None = None  # refuse: the errorCode answered (default REFUSED)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultSpecError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.times is not None and (isinstance(self.times, bool) or not isinstance(self.times, int)
                                       or self.times < 1):  # fmt: skip
            raise FaultSpecError(f"times must be a positive integer or null, got {self.times!r}")
        if self.entity is not None and not isinstance(self.entity, str):
            raise FaultSpecError(f"entity must be a string, got {self.entity!r}")
        if self.method is not None:
            if not isinstance(self.method, str) or self.method.upper() not in METHODS:
                raise FaultSpecError(f"method must be POST or DELETE, got {self.method!r}")
            self.method = self.method.upper()
        if isinstance(self.delay_s, bool) or not isinstance(self.delay_s, int | float) or self.delay_s < 0:
            raise FaultSpecError(f"delay_s must be a non-negative number, got {self.delay_s!r}")
        for name in ("error_name", "error_code"):
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

    def matches(self, entity: str, method: str) -> bool:
        return (self.entity is None or self.entity == entity) and (
            self.method is None or self.method == method
        )


def parse_rules(payload: Any) -> list[FaultRule]:
    """Rules from ``{"rules": [...]}``, a bare list, or one rule object."""
    return _parse_rules(FaultRule, payload)


class FaultPlan(RulePlan):
    """Thread-safe, ordered fault rules consumed by matching requests."""

    rule_type = FaultRule

    def take(self, entity: str, method: str) -> FaultRule | None:
        """The fault for one push (consuming one use of the rule), or ``None``."""
        return self._take(entity, method)

    @staticmethod
    def from_headers(headers: Mapping[str, str]) -> FaultRule | None:
        """The one-off fault a request asks for with ``X-Sim-Fault`` (and its ``-Delay`` / ``-Error``)."""
        kind = headers.get("x-sim-fault")
        if not kind:
            return None
        delay = headers.get("x-sim-fault-delay")
        try:
            delay_s = float(delay) if delay else DEFAULT_DELAY_S
        except ValueError as exc:
            raise FaultSpecError(f"X-Sim-Fault-Delay must be a number, got {delay!r}") from exc
        error = headers.get("x-sim-fault-error")  # percent-encoded UTF-8: headers carry latin-1 only
        return FaultRule(kind=kind.strip(), delay_s=delay_s, error_name=unquote(error) if error else None)
