"""医院数据推送通知 over one data window: the seven event feeds, in a visit's journey order, cut into slices so that
the events of one visit reach the city brain in the order they happened.

Each event type is a feed of its own (``include/mappings/city_brain_push_<event>.yaml``): one ordered stream per
type, one event in flight. Run one after another over a window — 挂号 → 退号 → 签到 → 开单 → 报告已出 → 收费 →
退费, the order of a visit's journey — they keep a visit's events in time order, *except* when two events of one
visit fall in the same window the other way round: a self-paid 诊察费 charged seconds before the patient signs in,
a report issued a minute before the doctor's next prescription. The city brain keeps a visit's events in arrival
order and marks one that happened before an event it already holds (``late``); a reminder shown out of turn is
what the patient would see.

So the window is cut into slices (:func:`journey_slices`): walking the window's events in time order, a slice
ends just before an event whose visit already has, in the slice, an earlier event of a type later in the journey
order. Within a slice the journey order and the time order agree for every visit; slices run one after another,
each running the seven feeds in journey order (:func:`push_window`). A normal 2-minute window is one slice; the
cuts cost one more read of the window per feed (the events' times and visits) and one ``run_feed`` per feed per
extra slice.

Each slice is an ordinary ``run_feed`` over a sub-window (the ledger records it as the run's window); the feeds'
``reread_s`` makes each extraction start a window earlier, which re-reads what was delivered (skipped by content)
and picks up an event that waited for its visit's REGISTERED a window ago.

**Events that waited longer for their REGISTERED** (quarantined with the reason "父记录 挂号事件 id=REGISTERED:<visit>
尚未上报城市大脑" — a registration booked before go-live, one refused or quarantined for its own data, an event
the HIS dates before its registration) go by themselves once it is there: after the slices, each child feed's
records waiting for a REGISTERED the ledger now holds acknowledged are re-queued and their windows run again
(:func:`retry_waiting`; at most :data:`RETRY_WINDOWS` windows per feed and run, oldest first). Events whose order
cannot be fixed here — one that waited, one written to the HIS after its window was read — arrive when they can,
possibly marked ``late`` by the city brain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from hisbridge.ledger.schema import ACKNOWLEDGED, QUARANTINED
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.extract import extract_records
from hisbridge.pipeline.platform import Sender
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import FeedSpec, load_feed_spec

log = logging.getLogger(__name__)

#: the push feeds in a visit's journey order (the order they run within a slice) and their Chinese names
PUSH_FEEDS: dict[str, str] = {
    "city_brain_push_registered": "挂号",
    "city_brain_push_registration_cancelled": "退号",
    "city_brain_push_checked_in": "签到",
    "city_brain_push_ordered": "开单",
    "city_brain_push_report_ready": "报告已出",
    "city_brain_push_charged": "收费",
    "city_brain_push_refunded": "退费",
}
#: the SQL columns every push feed returns: when the event happened and the visit it belongs to
TIME_COLUMN, VISIT_COLUMN = "occurred_at", "visit_id"
PARENT_FEED = "city_brain_push_registered"
#: windows run again per child feed and run for events that waited for their REGISTERED (the oldest first)
RETRY_WINDOWS = 20
#: quarantined records of a child feed looked at per run for a REGISTERED that has arrived since
RETRY_SCAN = 5000


@dataclass(frozen=True, order=True)
class Event:
    """An event as the slicing sees it: when, its feed's place in the journey order, and its visit."""

    at: datetime
    rank: int
    visit: str


def journey_slices(events: Iterable[Event], window: tuple[datetime, datetime]) -> list[tuple[datetime, datetime]]:
    """Cut ``window`` so that, in every slice, no visit has an event of a later journey rank that happened strictly
    before one of an earlier rank (pure: the events of the window, any order)."""
    start, end = window
    cuts: list[datetime] = []
    seen: dict[str, list[Event]] = {}  # the current slice's events, per visit
    for event in sorted(e for e in events if start <= e.at < end):
        earlier = seen.get(event.visit, ())
        if any(e.rank > event.rank and e.at < event.at for e in earlier):
            cuts.append(event.at)
            # the new slice starts at this instant: events of the same instant already seen belong to it
            seen = {v: same for v, evs in seen.items() if (same := [e for e in evs if e.at == event.at])}
        seen.setdefault(event.visit, []).append(event)
    bounds = [start, *cuts, end]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


def window_events(his: Engine, specs: Sequence[FeedSpec], window: tuple[datetime, datetime]) -> list[Event]:
    """The events the feeds select in ``window`` (their own SQL; only the time and the visit are kept)."""
    found: list[Event] = []
    for rank, spec in enumerate(specs):
        for chunk in extract_records(his, spec, *window):
            for record in chunk:
                at, visit = record.values.get(TIME_COLUMN), record.values.get(VISIT_COLUMN)
                if isinstance(at, str):  # SQLite hands text() columns back as text
                    at = datetime.fromisoformat(at)
                if isinstance(at, datetime) and visit is not None:
                    found.append(Event(at, rank, str(visit)))
    return found


@dataclass
class PushSummary:
    """What one window's push did: the slices and, per feed, the summed counts of its runs."""

    window_start: str
    window_end: str
    slices: int
    feeds: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"window_start": self.window_start, "window_end": self.window_end, "slices": self.slices,
                "feeds": self.feeds}


def push_window(his: Engine, ledger: Ledger, sender: Sender, window: tuple[datetime, datetime],
                settings: Callable[[str, str], RunSettings], feeds: Sequence[str] = tuple(PUSH_FEEDS),
                specs: Sequence[FeedSpec] | None = None) -> PushSummary:
    """Push the events of ``window``: its slices one after another, each running ``feeds`` in journey order.

    :param settings: the run settings of one feed run, from the feed's id and a tag naming the run within the
        window (``""`` for the first slice, ``slice2`` …, ``retry1`` … for a window run again): its run id.
    :raises DeliveryHalted | DeliveryMisconfigured: as :func:`~hisbridge.pipeline.run.run_feed`, after the ledger
        holds everything the runs touched; the feeds and slices after it are not run (the retry runs them).
    """
    specs = list(specs) if specs is not None else [load_feed_spec(f) for f in feeds]
    slices = journey_slices(window_events(his, specs, window), window)
    if len(slices) > 1:
        log.info("城市大脑推送 %s → %s：同一就诊的事件在窗口内先后交错，分 %d 段按就诊顺序推送", window[0], window[1],
                 len(slices))
    totals: dict[str, dict[str, Any]] = {}
    for n, piece in enumerate(slices, start=1):
        for spec in specs:
            summary = run_feed(spec, his, ledger, sender, piece, settings(spec.feed, "" if n == 1 else f"slice{n}"))
            _add(totals.setdefault(spec.feed, {}), summary)
    retried = retry_waiting(his, ledger, sender, specs, settings)
    for feed, summaries in retried.items():
        for summary in summaries:
            _add(totals.setdefault(feed, {}), summary)
        totals[feed]["windows_retried"] = len(summaries)
    return PushSummary(window[0].isoformat(sep=" "), window[1].isoformat(sep=" "), len(slices), totals)


def waiting(ledger: Ledger, feed: str) -> dict[tuple[datetime, datetime], list[int]]:
    """The records of ``feed`` waiting (quarantined) for a REGISTERED the ledger now holds acknowledged, by the window
    that quarantined them, oldest first. The parent of an outpatient event is ``REGISTERED:<its visitId>``."""
    quarantined = [r for r in ledger.records(feed, states=[QUARANTINED], limit=RETRY_SCAN)
                   if r.reason and "id=REGISTERED:" in r.reason]
    parents: dict[int, str] = {}
    for record in quarantined:
        visit = record.payload_dict().get("visitId")
        if visit and f"id=REGISTERED:{visit} " in f"{record.reason} ":
            parents[record.id] = f"REGISTERED:{visit}"
    if not parents:
        return {}
    held = {k for k, p in ledger.priors(PARENT_FEED, set(parents.values())).items() if p.state == ACKNOWLEDGED}
    ready = [rid for rid, parent in parents.items() if parent in held]
    out: dict[tuple[datetime, datetime], list[int]] = {}
    for rid in ready:  # one look-up per record: few wait at a time
        (window,) = ledger.record_windows([rid]) or [{}]
        if window.get("window_start") is not None and window.get("window_end") is not None:
            out.setdefault((window["window_start"], window["window_end"]), []).append(rid)
    return dict(sorted(out.items())[:RETRY_WINDOWS])


def retry_waiting(his: Engine, ledger: Ledger, sender: Sender, specs: Sequence[FeedSpec],
                  settings: Callable[[str, str], RunSettings]) -> dict[str, list[FeedSummary]]:
    """Events whose REGISTERED has arrived since they were quarantined for it: re-queued (``pending``, with the
    reason in their history) and their windows run again. One that the re-run no longer selects (the HIS changed
    it meanwhile) stays pending — counted by the health check as unsent, never retried in a loop."""
    out: dict[str, list[FeedSummary]] = {}
    for spec in specs:
        if not spec.parents:
            continue
        for n, (window, ids) in enumerate(waiting(ledger, spec.feed).items(), start=1):
            log.info("%s：窗口 %s → %s 中 %d 个事件等待的挂号事件已送达，重新排队并重跑该窗口", spec.feed, *window, len(ids))
            ledger.requeue(ids, actor="city_brain_push", reason="其挂号事件已送达城市大脑")
            summary = run_feed(spec, his, ledger, sender, window, settings(spec.feed, f"retry{n}"))
            out.setdefault(spec.feed, []).append(summary)
    return out


def _add(total: dict[str, Any], summary: FeedSummary) -> None:
    for key, value in summary.as_dict().items():
        if isinstance(value, bool) or key in ("feed", "window_start", "window_end", "mode"):
            continue
        if isinstance(value, int | float):
            total[key] = round(total.get(key, 0) + value, 3)
        elif key == "reasons":
            reasons = total.setdefault("reasons", {})
            for reason, n in value.items():
                reasons[reason] = reasons.get(reason, 0) + n
