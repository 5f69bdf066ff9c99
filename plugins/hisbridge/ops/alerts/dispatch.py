"""From "this is broken" to a message in the right places, once per incident: :class:`Alerter`, and the two calls
the rest of hisbridge makes, :func:`alert` and :func:`resolve`.

``alert(kind, subject, detail, fix)`` opens (or touches) the incident of its ``key`` (default ``<kind>:<subject>``)
in the ledger and, when :func:`hisbridge.ops.alerts.state.decide` says so, sends the notice to the channels that
``alerts.yaml`` routes ``kind`` to. ``resolve(key)`` closes it and sends the recovery. Neither ever raises: an
alert that cannot be delivered is logged (and recorded as failed where the ledger is reachable); the work that
called it goes on.

:meth:`Alerter.acknowledge` is an operator taking an incident (the alert page's form, ``python -m hisbridge alerts
ack``): no more reminders, and a short "已由 X 认领" to the channels ``alerts.yaml`` ``ack`` names.

**The ledger down.** Incidents live in the ledger; when it cannot be reached the alerter still sends (an alert
about the ledger must not depend on the ledger) and keeps that one incident in a small fallback state instead —
in Airflow, a Variable (``hisbridge_alert_fallback``) in Airflow's own database — so the check that runs every 5
minutes does not repeat it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Engine

from hisbridge.ops.alerts.channels import ChannelNotConfigured, DeliveryFailed, Sender, sender_for
from hisbridge.ops.alerts.config import AlertsConfig, Channel, cached_config
from hisbridge.ops.alerts.message import Alert, Event, Notice
from hisbridge.ops.alerts.state import (
    ACKED,
    FAILED,
    SENT,
    SKIPPED,
    AckResult,
    Claim,
    IncidentStore,
    decide,
    utc_now,
)

log = logging.getLogger("hisbridge.alerts")

FALLBACK_VARIABLE = "hisbridge_alert_fallback"
LEDGER_CONN_ID = "hisbridge_db"


@dataclass
class Alerter:
    """Incidents in ``store`` (``None``: the ledger is unreachable), channels from ``config``.

    :param senders: builds the sender of a channel (default: from its Airflow connection).
    :param fallback: where incidents are kept while ``store`` is ``None`` (key → JSON text).
    """

    store: IncidentStore | None
    config: AlertsConfig
    senders: Callable[[str, Channel], Sender] = field(default=lambda name, ch: sender_for(ch.type, ch.conn_id))
    fallback: MutableMapping[str, str] | None = None
    clock: Callable[[], datetime] = utc_now

    def fire(self, alert: Alert) -> Event | None:
        """``alert`` holds now: the notice sent (``opened`` / ``reminder``), or ``None`` if none was due."""
        if self.store is None:
            return self.fire_fallback(alert)
        claim = self.store.raise_alert(alert, self.config.renotify_after)
        if claim is None:
            return None
        alert = Alert(**{**alert.__dict__, "since": claim.incident.since})  # the incident's start, not this sighting
        outcomes = self.tell(Notice(alert, claim.event, claim.at, claim.incident.notify_count + 1))
        return claim.event if self.store.delivered(claim, outcomes) else None

    def clear(self, key: str, by: str) -> bool:
        """The fault of ``key`` is gone: close its incident; ``True`` if a recovery message went out."""
        if self.store is None:
            return self.clear_fallback(key)
        claim = self.store.resolve(key, by)
        if claim is None:
            return False
        return self.store.delivered(claim, self.tell(self._recovery(claim)))

    def acknowledge(self, incident_id: int, by: str, note: str | None = None) -> AckResult:
        """``by`` takes the open incident ``incident_id``: it gets no more reminders, and the channels of
        ``alerts.yaml`` ``ack`` hear who took it (``told``). Refusals are in the result's ``status`` (``unknown``,
        ``resolved``, ``taken``); a channel that fails does not undo the acknowledgement (it is recorded)."""
        if self.store is None:
            raise RuntimeError("acknowledging needs the ledger (alert_incident)")
        result = self.store.acknowledge(incident_id, by, note)
        if result.status != ACKED or result.claim is None:
            return result
        claim = result.claim
        channels = self.config.ack_channels_for(claim.incident.kind)
        if not channels:  # acknowledgements are not told (alerts.yaml ack.notify: false, or no such channel)
            return result
        from hisbridge.ops.alerts.checks import ui_base_url  # checks imports this module

        page = f"{ui_base_url(self.config)}/hisbridge-alerts/{claim.incident.id}"
        alert = replace(claim.incident.as_alert(), links=(("告警详情", page),))
        notice = Notice(alert, "acknowledged", claim.at, claim.incident.notify_count, ack=claim.incident.ack)
        told = self.tell(notice, channels)
        self.store.delivered(claim, told)
        return replace(result, told=told)

    def open_keys(self, prefix: str) -> list[str]:
        if self.store is None:
            return [k for k in self.fallback_keys() if k.startswith(prefix)]
        return [i.key for i in self.store.open_incidents(prefix)]

    def tell(self, notice: Notice,
             channels: list[tuple[str, Channel]] | None = None) -> dict[str, tuple[str, str | None]]:
        """Send ``notice`` to ``channels`` (default: every channel its kind is routed to): channel →
        (sent|failed|skipped, error)."""
        outcomes: dict[str, tuple[str, str | None]] = {}
        for name, channel in self.config.channels_for(notice.alert.kind) if channels is None else channels:
            try:
                self.senders(name, channel).send(notice)
            except ChannelNotConfigured as exc:
                outcomes[name] = (SKIPPED, str(exc))
                log.warning("alert channel %s skipped: %s", name, exc)
            except (DeliveryFailed, ValueError) as exc:
                outcomes[name] = (FAILED, str(exc)[:500])
                log.warning("alert channel %s failed for %s: %s", name, notice.alert.key, exc)
            except Exception as exc:  # noqa: BLE001 - a broken channel must not stop the others
                outcomes[name] = (FAILED, f"{type(exc).__name__}: {str(exc)[:300]}")
                log.warning("alert channel %s failed for %s: %s", name, notice.alert.key, type(exc).__name__)
            else:
                outcomes[name] = (SENT, None)
                log.info("alert %s (%s) sent to %s", notice.event, notice.alert.key, name)
        return outcomes

    @staticmethod
    def _recovery(claim: Claim) -> Notice:
        return Notice(claim.incident.as_alert(), "recovered", claim.at, claim.incident.notify_count,
                      ack=claim.incident.ack)

    # -- without the ledger ------------------------------------------------------------------------------------
    def fallback_keys(self) -> dict[str, dict]:
        """Incidents kept outside the ledger (while it was down): key → what was told."""
        if self.fallback is None:
            return {}
        try:
            return json.loads(self.fallback.get(FALLBACK_VARIABLE) or "{}")
        except (ValueError, TypeError):
            return {}

    def _save_fallback(self, state: Mapping[str, dict]) -> None:
        if self.fallback is not None:
            self.fallback[FALLBACK_VARIABLE] = json.dumps(state, ensure_ascii=False)

    def fire_fallback(self, alert: Alert) -> Event | None:
        """:meth:`fire` with the incident kept in the fallback state (the ledger is down)."""
        now = self.clock()
        state = self.fallback_keys()
        held = state.get(alert.key)
        if held:
            notified = datetime.fromisoformat(held["notified_at"]) if held.get("notified_at") else None
            since = datetime.fromisoformat(held["since"])
            if notified is not None and now - notified < self.config.renotify_after:
                return None
            event: Event = "reminder" if notified is not None else "opened"
            count = held.get("count", 0) + 1
        else:
            since, event, count = alert.since, "opened", 1
        notice = Notice(Alert(**{**alert.__dict__, "since": since}), event, now, count)
        ok = any(o == SENT for o, _ in self.tell(notice).values())
        state[alert.key] = {"kind": alert.kind, "subject": alert.subject, "detail": alert.detail, "fix": alert.fix,
                            "since": since.isoformat(), "count": count if ok else count - 1,
                            "notified_at": now.isoformat() if ok else (held or {}).get("notified_at")}  # fmt: skip
        self._save_fallback(state)
        return event if ok else None

    def clear_fallback(self, key: str) -> bool:
        """Close an incident kept outside the ledger (the ledger was down); ``True`` if a recovery went out."""
        state = self.fallback_keys()
        held = state.pop(key, None)
        if held is None:
            return False
        self._save_fallback(state)
        if not held.get("count"):
            return False
        alert = Alert(kind=held["kind"], key=key, subject=held["subject"], detail=held.get("detail") or "",
                      fix=held.get("fix") or "", since=datetime.fromisoformat(held["since"]))  # fmt: skip
        outcomes = self.tell(Notice(alert, "recovered", self.clock(), held["count"]))
        return any(o == SENT for o, _ in outcomes.values())


class VariableStore(MutableMapping[str, str]):
    """Airflow Variables as a mapping (only the keys this module uses)."""

    def __getitem__(self, key: str) -> str:
        from airflow.sdk import Variable

        value = Variable.get(key, default=None)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default
        except Exception as exc:  # noqa: BLE001 - outside a task there is no Variable API: no fallback state
            log.warning("alert fallback state unreadable: %s", type(exc).__name__)
            return default

    def __setitem__(self, key: str, value: str) -> None:
        from airflow.sdk import Variable

        try:
            Variable.set(key, value, description="hisbridge 告警：台账不可达时的事件状态（自动维护）")
        except Exception as exc:  # noqa: BLE001
            log.warning("alert fallback state not saved: %s", type(exc).__name__)

    def __delitem__(self, key: str) -> None:
        self[key] = "{}"

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


@lru_cache(maxsize=4)
def _engine_of(conn_id: str, uri: str) -> Engine:
    from hisbridge.hooks import engine_for

    return engine_for(conn_id)


def _ledger_engine(conn_id: str) -> Engine:
    """The ledger's engine, cached by the connection's current URI: a connection changed in the meantime (another
    database) gets an engine of its own instead of the stale one."""
    from airflow.sdk import BaseHook

    return _engine_of(conn_id, BaseHook.get_connection(conn_id).get_uri())


def ledger_store(conn_id: str = LEDGER_CONN_ID) -> IncidentStore | None:
    """The incident store on the ledger of connection ``conn_id``; ``None`` if the ledger cannot be reached."""
    for attempt in (1, 2):  # a pooled connection the server closed fails once: the second try opens a new one
        try:
            engine = _ledger_engine(conn_id)
            with engine.connect():
                pass
            return IncidentStore(engine)
        except Exception as exc:  # noqa: BLE001 - unreachable for whatever reason: alert without the ledger
            _engine_of.cache_clear()
            if attempt == 2:
                log.warning("ledger %s unreachable for alerts: %s", conn_id, type(exc).__name__)
    return None


def default_alerter(ledger_conn_id: str = LEDGER_CONN_ID, config: AlertsConfig | None = None) -> Alerter:
    """The alerter a task uses: incidents in the ledger, channels from Airflow connections."""
    return Alerter(ledger_store(ledger_conn_id), config or cached_config(), fallback=VariableStore())


def alert(kind: str, subject: str, detail: str = "", fix: str = "", *, key: str | None = None,
          since: datetime | None = None, links: tuple[tuple[str, str], ...] = (),
          alerter: Alerter | None = None) -> Event | None:  # fmt: skip
    """Tell ops that something is broken (once per incident; see the module docstring). Never raises.

    :param kind: the alert type, also its route in alerts.yaml (``regional_upload_gap``, ``task_failure`` …)
    :param subject: what broke, one line (no personal data; masked anyway)
    :param detail: counts, reasons, the window
    :param fix: the command to run or the page to open
    :param key: the incident's identity (default ``<kind>:<subject>``): the same key is one incident
    :param since: when it broke (default: now, at the first sighting)
    """
    try:
        notice = Alert.create(kind=kind, key=key or f"{kind}:{subject}", subject=subject, detail=detail, fix=fix,
                              since=since or datetime.now(UTC), links=links)  # fmt: skip
        return (alerter or default_alerter()).fire(notice)
    except Exception:  # noqa: BLE001 - alerting must never break the work that called it
        log.exception("alert %s could not be processed", kind)
        return None


def resolve(key: str, by: str = "hisbridge", *, alerter: Alerter | None = None) -> bool:
    """The fault of ``key`` cleared: close its incident and send the recovery message. Never raises."""
    try:
        return (alerter or default_alerter()).clear(key, by)
    except Exception:  # noqa: BLE001
        log.exception("recovery of %s could not be processed", key)
        return False


__all__ = ["Alerter", "alert", "decide", "default_alerter", "ledger_store", "resolve"]
