"""The demo HIS and one delivery of a group of mutual_* feeds to the in-process platform simulator, shared by the
test_feeds_*.py modules.

The HIS (one PostgreSQL database per module) holds the outpatient, 医保, EMR/LIS/PACS and 互认 demo data of day-1
and day, with the planted changes of day (demo.his.emr and demo.his.mutual) rewound: it starts as it stood at
the end of day-1. A delivery, on a fresh PostgreSQL ledger and a fresh simulator: the day-1 window, the day's
changes replayed, the day window, then both windows again — each window running the feeds in the order their DAG
runs its tasks (dags/mutual_*.py), through the same ``run_feed`` the ``FeedOperator`` calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine

from demo.his.emr import EmrSummary, generate_emr, replay_day_changes, rewind_day_changes
from demo.his.generate import generate
from demo.his.insurance import generate_insurance
from demo.his.mutual import MutualSummary, generate_mutual, replay_mutual_changes, rewind_mutual_changes
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.mutual.client import MutualClient
from hisbridge.platforms.mutual.sender import MutualSender
from hisbridge.platforms.mutual.settings import MutualSettings
from simulators.mutual.server import MutualSimulatorServer
from simulators.mutual.state import Row
from tests.conftest import _create_database, _drop_database

DAY = date(2026, 11, 24)
PREV = DAY - timedelta(days=1)
ORG = "360102001"
#: the quarantine reason of a child whose report the platform does not hold yet
NOT_YET = "尚未上报省检查检验结果互认平台"

#: dags/mutual_lab_reports.py: the children once to withdraw those of a withdrawn report, the report, the children
LAB_PASSES = (
    ("mutual_microbe_suscept", "mutual_microbe_suscept:voids"),
    ("mutual_microbe_bacteria", "mutual_microbe_bacteria:voids"),
    ("mutual_lab_indicator", "mutual_lab_indicator:voids"),
    ("mutual_lab_report", "mutual_lab_report"),
    ("mutual_lab_indicator", "mutual_lab_indicator"),
    ("mutual_microbe_bacteria", "mutual_microbe_bacteria"),
    ("mutual_microbe_suscept", "mutual_microbe_suscept"),
)
EXAM_PASSES = (("mutual_exam_report", "mutual_exam_report"),)
VISIT_PASSES = (("mutual_appointment", "mutual_appointment"), ("mutual_registration", "mutual_registration"))
#: feed → the platform's data type
DATA_TYPES = {
    "mutual_lab_report": "labReport", "mutual_lab_indicator": "labIndicator",
    "mutual_microbe_bacteria": "microbeBacteria", "mutual_microbe_suscept": "microbeSuscept",
    "mutual_exam_report": "examReport", "mutual_appointment": "appointment", "mutual_registration": "registration",
}  # fmt: skip


def window(d: date) -> tuple[datetime, datetime]:
    start = datetime.combine(d, time())
    return start, start + timedelta(days=1)


@dataclass
class His:
    engine: Engine
    emr: EmrSummary
    mutual: MutualSummary

    def as_of_prev(self) -> None:
        """The HIS at the end of day-1."""
        rewind_day_changes(self.engine, self.emr)
        rewind_mutual_changes(self.engine, self.mutual)

    def as_of_day(self) -> None:
        replay_day_changes(self.engine, self.emr)
        replay_mutual_changes(self.engine, self.mutual)


@contextmanager
def demo_his(url: str) -> Iterator[His]:
    engine = make_engine(url)
    try:
        generate(engine, DAY, 300)
        generate_insurance(engine, DAY)
        emr = generate_emr(engine, DAY)
        his = His(engine, emr, generate_mutual(engine, DAY))
        his.as_of_prev()
        yield his
    finally:
        engine.dispose()


def run_window(his: Engine, ledger: Ledger, sender: MutualSender, passes: Sequence[tuple[str, str]], d: date,
               tag: str) -> dict[str, FeedSummary]:  # fmt: skip
    """One window as the DAG runs it; the summaries by pass name."""
    out: dict[str, FeedSummary] = {}
    for feed, name in passes:
        summary = run_feed(load_feed_spec(feed), his, ledger, sender, window(d), RunSettings(run_id=f"{tag}-{name}"))
        assert summary.balanced() and summary.halted is None, summary
        out[name] = summary
    return out


@dataclass
class Delivery:
    """One delivery of a group of feeds over the demo days and what it left in the ledger and on the platform."""

    his: His
    ledger: Ledger
    sim: MutualSimulatorServer
    prev: dict[str, FeedSummary] = field(default_factory=dict)
    day: dict[str, FeedSummary] = field(default_factory=dict)
    rerun: dict[str, FeedSummary] = field(default_factory=dict)

    def state(self, feed: str, key: str) -> tuple[str, str | None]:
        rec = self.ledger.lookup(feed, [key])[key]
        return rec.state, rec.reason

    def acknowledged(self, feed: str) -> set[str]:
        return {r.business_key for r in self.ledger.records(feed, states=[ls.ACKNOWLEDGED], limit=100_000)}

    def row(self, feed: str, key: str) -> Row | None:
        """The platform's row (live or withdrawn), None if it never arrived."""
        return self.sim.state.get_row(ORG, DATA_TYPES[feed], key)

    def live(self, feed: str) -> set[str]:
        with self.sim.state.lock:
            rows = self.sim.state.rows.get((ORG, DATA_TYPES[feed]), {})
            return {k for k, r in rows.items() if not r.deleted}


@contextmanager
def deliver(his: His, passes: Sequence[tuple[str, str]]) -> Iterator[Delivery]:
    ledger_url = _create_database()
    engine = make_engine(ledger_url)
    try:
        ledger = Ledger(engine)
        ledger.ensure_schema()
        with MutualSimulatorServer() as sim:
            sender = MutualSender(MutualClient(MutualSettings(base_url=sim.url)))
            out = Delivery(his, ledger, sim)
            try:
                his.as_of_prev()
                out.prev = run_window(his.engine, ledger, sender, passes, PREV, "prev")
                his.as_of_day()
                out.day = run_window(his.engine, ledger, sender, passes, DAY, "day")
                for d, tag in ((PREV, "prev"), (DAY, "day")):
                    again = run_window(his.engine, ledger, sender, passes, d, "again")
                    out.rerun |= {f"{tag} {k}": v for k, v in again.items()}
                yield out
            finally:
                sender.close()
                his.as_of_prev()  # the next delivery of the module starts from day-1 again
    finally:
        engine.dispose()
        _drop_database(ledger_url)
