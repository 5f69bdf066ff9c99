"""What to alert on and whom to tell, as data: ``include/mappings/alerts.yaml`` (thresholds, channels, routes) and
the per-feed SLA (``include/mappings/feed_sla.yaml``, shared with the health page).

Addresses and secrets are never here: a channel names an Airflow connection (``hisbridge_alert_webhook``,
``hisbridge_alert_smtp``). Durations are written ``90s``, ``5m``, ``4h`` or ``1d``.

**SLA.** The health page's ``feed_sla.yaml`` is the one place a feed's allowed lag is declared (``sla_by_cadence``
by the feed's ``window``, ``sla`` per feed, ``disabled`` feeds not watched, ``dags`` where a feed runs in a DAG of
another id); the alerts read the same file, so the page turns red when the alert fires. Without the file,
:func:`default_sla` derives one from the window: twice the window plus 15 minutes, at least 30 minutes (6 hours
for a daily feed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from hisbridge import MAPPINGS_DIR
from hisbridge.pipeline.spec import read_yaml

ALERTS_YAML = MAPPINGS_DIR / "alerts.yaml"
FEED_SLA_YAML = MAPPINGS_DIR / "feed_sla.yaml"

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: object) -> timedelta:
    """``5m`` → 5 minutes; a timedelta or a number of seconds passes through."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a duration: write 90s, 5m, 4h or 1d")
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Channel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["webhook", "email"]
    conn_id: str = Field(min_length=1, description="the Airflow connection holding the address and secrets")


class AckNotice(BaseModel):
    """What the group is told when someone acknowledges (认领) an incident: by default one short "已由 X 认领" to
    the chat robots the incident's alerts went to — so the group knows it is taken, and nobody else starts on it
    — and nothing to the mailbox (an e-mail per acknowledgement would bury the alerts in it)."""

    model_config = ConfigDict(extra="forbid")
    notify: bool = Field(default=True, description="认领时是否通知")
    channel_types: list[Literal["webhook", "email"]] = Field(
        default_factory=lambda: ["webhook"], description="认领通知发往告警路由中这些类型的渠道")


class AlertsConfig(BaseModel):
    """``alerts.yaml``, validated."""

    model_config = ConfigDict(extra="forbid")
    renotify_after: Duration = Field(default=timedelta(hours=4), description="提醒间隔：事件未恢复时再次通知")
    ui_base_url: str = Field(default="http://localhost:8080", description="告警链接前缀")
    channels: dict[str, Channel] = Field(default_factory=dict)
    routes: dict[str, list[str]] = Field(default_factory=lambda: {"default": []})
    backlog: dict[Literal["quarantined", "rejected", "unknown"], int] = Field(default_factory=dict)
    backlog_per_feed: dict[str, dict[Literal["quarantined", "rejected", "unknown"], int]] = Field(
        default_factory=dict)
    connections: list[str] = Field(default_factory=lambda: ["his_db", "hisbridge_db"])
    ack: AckNotice = Field(default_factory=AckNotice, description="认领告警时的通知")

    @model_validator(mode="after")
    def _routes_name_channels(self) -> AlertsConfig:
        if "default" not in self.routes:
            raise ValueError("routes needs a 'default' entry")
        unknown = sorted({c for names in self.routes.values() for c in names} - set(self.channels))
        if unknown:
            raise ValueError(f"routes name channels that are not declared: {', '.join(unknown)}")
        for mapping in (self.backlog, *self.backlog_per_feed.values()):
            if any(v < 1 for v in mapping.values()):
                raise ValueError("a backlog threshold is a count of at least 1")
        return self

    def channels_for(self, kind: str) -> list[tuple[str, Channel]]:
        """The channels an alert of ``kind`` goes to (its route, else the default route)."""
        names = self.routes.get(kind, self.routes["default"])
        return [(name, self.channels[name]) for name in names]

    def ack_channels_for(self, kind: str) -> list[tuple[str, Channel]]:
        """The channels told that an incident of ``kind`` was acknowledged: those of its route, of the types
        ``ack.channel_types`` names; none when ``ack.notify`` is off."""
        if not self.ack.notify:
            return []
        return [(name, ch) for name, ch in self.channels_for(kind) if ch.type in self.ack.channel_types]

    def threshold(self, feed: str, state: str) -> int | None:
        """The backlog threshold of ``state`` for ``feed`` (``None``: not watched)."""
        return self.backlog_per_feed.get(feed, {}).get(state, self.backlog.get(state))  # type: ignore[call-overload]


def load_config(path: Path = ALERTS_YAML) -> AlertsConfig:
    return AlertsConfig.model_validate(read_yaml(path) or {})


@lru_cache(maxsize=1)
def cached_config() -> AlertsConfig:
    """The deployed ``alerts.yaml``, read once per process (callbacks run in many tasks)."""
    return load_config()


# -- feed SLA ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedSla:
    """A watched feed: its DAG, its window's period (``None``: a cron) and the lag it may have."""

    feed: str
    dag_id: str
    period: timedelta | None
    sla: timedelta


def window_period(window: str) -> timedelta | None:
    """A feed's ``window`` as a period (``5m``, ``2h``, ``daily``, ``continuous``); ``None`` for a cron."""
    if window == "daily":
        return timedelta(days=1)
    if window == "continuous":
        return None
    try:
        return parse_duration(window)
    except ValueError:
        return None


def default_sla(window: str) -> timedelta:
    """Our own default (no ``feed_sla.yaml``): twice the window plus 15 minutes, at least 30 minutes; a daily
    feed 6 hours after its day closed; a cron or continuous feed 6 hours."""
    period = window_period(window)
    if period is None:
        return timedelta(minutes=30) if window == "continuous" else timedelta(hours=6)
    if period >= timedelta(days=1):
        return timedelta(hours=6)
    return max(2 * period + timedelta(minutes=15), timedelta(minutes=30))


def feed_windows(mappings: Path = MAPPINGS_DIR) -> dict[str, str]:
    """Every feed that runs on a window: feed id → its ``window`` (plain YAML, no validation)."""
    out: dict[str, str] = {}
    for path in sorted(mappings.glob("*.yaml")):
        data = read_yaml(path)
        if isinstance(data, dict) and data.get("window") and data.get("platform"):
            out[path.stem] = str(data["window"]).strip()
    return out


def feed_slas(sla_yaml: Path = FEED_SLA_YAML, mappings: Path = MAPPINGS_DIR) -> list[FeedSla]:
    """Every watched feed with its DAG and SLA, from ``feed_sla.yaml`` (``sla_by_cadence`` by the feed's window,
    ``sla`` per feed, ``disabled`` not watched, ``dags`` where a feed's DAG has another id) — or, without it,
    :func:`default_sla`."""
    declared = read_yaml(sla_yaml) if sla_yaml.exists() else None
    declared = declared if isinstance(declared, dict) else {}
    by_cadence = {str(k): parse_duration(v) for k, v in (declared.get("sla_by_cadence") or {}).items()}
    per_feed = {str(k): parse_duration(v) for k, v in (declared.get("sla") or {}).items()}
    disabled = set(declared.get("disabled") or ())
    dag_of = {feed: dag for dag, feeds in (declared.get("dags") or {}).items() for feed in feeds or ()}
    out = []
    for feed, window in feed_windows(mappings).items():
        if feed in disabled:
            continue
        sla = per_feed.get(feed) or by_cadence.get(window) or by_cadence.get("default") or default_sla(window)
        out.append(FeedSla(feed, dag_of.get(feed, feed), window_period(window), sla))
    return out
