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


#: how a simulator that is ``down`` answers: no answer for ``down_delay_ms`` (then 503), 503 at once, or a cut line
DOWN_MODES: tuple[str, ...] = ("hang", "503", "drop")
DEFAULT_DOWN_DELAY_MS = 30_000
SETTINGS = frozenset({"latency_ms", "down", "down_mode", "down_delay_ms"})


def non_negative(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FaultSpecError(f"{name} must be a non-negative number, got {value!r}")


class StandingRulePlan(RulePlan):
    """A :class:`RulePlan` plus standing settings: ``latency_ms`` on every query, and ``down`` (``down_mode``,
    ``down_delay_ms``). JSON payloads may carry rules and settings together."""

    def __init__(self, rules: Any = (), *, latency_ms: float = 0, down: bool = False, down_mode: str = "hang",
                 down_delay_ms: float = DEFAULT_DOWN_DELAY_MS) -> None:  # fmt: skip
        super().__init__(rules)
        self._settings_lock = threading.Lock()
        self.latency_ms = 0.0
        self.down = False
        self.down_mode = "hang"
        self.down_delay_ms = float(DEFAULT_DOWN_DELAY_MS)
        self.configure(latency_ms=latency_ms, down=down, down_mode=down_mode, down_delay_ms=down_delay_ms)

    def configure(self, **settings: Any) -> None:
        """Change standing settings (``latency_ms``, ``down``, ``down_mode``, ``down_delay_ms``)."""
        unknown = set(settings) - SETTINGS
        if unknown:
            raise FaultSpecError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        for name in ("latency_ms", "down_delay_ms"):
            if name in settings:
                non_negative(name, settings[name])
        if "down" in settings and not isinstance(settings["down"], bool):
            raise FaultSpecError(f"down must be true or false, got {settings['down']!r}")
        if "down_mode" in settings and settings["down_mode"] not in DOWN_MODES:
            raise FaultSpecError(f"down_mode must be one of {', '.join(DOWN_MODES)}, got {settings['down_mode']!r}")
        with self._settings_lock:
            for name, value in settings.items():
                setattr(self, name, float(value) if name.endswith("_ms") else value)

    def settings(self) -> dict[str, Any]:
        with self._settings_lock:
            return {"latency_ms": self.latency_ms, "down": self.down, "down_mode": self.down_mode,
                    "down_delay_ms": self.down_delay_ms}  # fmt: skip

    @classmethod
    def from_json(cls, payload: Any) -> Self:
        plan = cls()
        plan.apply_json(payload)
        return plan

    def apply_json(self, payload: Any) -> None:
        """Add the rules and set the settings of a JSON payload (all checked before anything changes)."""
        if isinstance(payload, Mapping) and "kind" not in payload:
            unknown = set(payload) - SETTINGS - {"rules"}
            if unknown:
                raise FaultSpecError(f"unknown keys: {', '.join(sorted(unknown))}")
            rules = parse_rules(self.rule_type, payload.get("rules", []))
            settings = {k: payload[k] for k in SETTINGS if k in payload}
            type(self)().configure(**settings)  # validate before changing anything
            self.configure(**settings)
        else:
            rules = parse_rules(self.rule_type, payload)
        self.add(*rules)

    def clear(self) -> None:
        """Drop every rule and go back to no latency, not down."""
        super().clear()
        self.configure(latency_ms=0, down=False, down_mode="hang", down_delay_ms=DEFAULT_DOWN_DELAY_MS)

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), **self.settings()}

