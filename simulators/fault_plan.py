"""What every simulator's fault injection shares: rules from JSON, and a thread-safe ordered plan whose matching
rules are consumed one use per request. Each simulator declares its own rule (kinds, what it matches on)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Protocol, Self


class FaultSpecError(ValueError):
    """A fault rule that cannot be understood."""


class Rule(Protocol):
    times: int | None  # uses left; None: every matching request

    @classmethod
    def from_json(cls, data: Any) -> Self: ...

    def to_json(self) -> dict[str, Any]: ...

    def matches(self, *request: Any) -> bool: ...


def parse_rules(rule_type: type[Rule], payload: Any) -> list[Any]:
    """Rules from ``{"rules": [...]}``, a bare list, or one rule object."""
    if isinstance(payload, Mapping) and "rules" in payload:
        payload = payload["rules"]
    if isinstance(payload, Mapping):
        payload = [payload]
    if not isinstance(payload, list):
        raise FaultSpecError('expected {"rules": [...]}, a list of rules or one rule')
    return [rule_type.from_json(item) for item in payload]


class RulePlan:
    """Thread-safe, ordered fault rules consumed by matching requests (``rule_type`` set by the subclass)."""

    rule_type: ClassVar[type[Rule]]

    def __init__(self, rules: Iterable[Any] = ()) -> None:
        self._lock = threading.Lock()
        self._rules: list[Any] = list(rules)

    @classmethod
    def from_json(cls, payload: Any) -> Self:
        return cls(parse_rules(cls.rule_type, payload))

    def add(self, *rules: Any) -> None:
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[Any]:
        with self._lock:
            return [self.rule_type.from_json(r.to_json()) for r in self._rules]

    def to_json(self) -> dict[str, Any]:
        return {"rules": [r.to_json() for r in self.rules()]}

    def _take(self, *request: Any) -> Any | None:
        """The first rule matching ``request`` as a one-use copy (consuming one use of it), or ``None``."""
        with self._lock:
            for i, rule in enumerate(self._rules):
                if rule.matches(*request):
                    if rule.times is not None:
                        if rule.times <= 1:
                            del self._rules[i]
                        else:
                            rule.times -= 1
                    return self.rule_type.from_json({**rule.to_json(), "times": 1})
            return None
