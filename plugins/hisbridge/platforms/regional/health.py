"""The daily upload-health check of the 市区卫平台: per data set and day, rows in the HIS vs rows uploaded into the
前置库 vs rows the platform took — a gap alerted and closed by sending the missing rows again.

For one data set and day (``[day 00:00, day+1 00:00)`` local time):

1. **Count.** The HIS figure is the data set's count SQL; the HIS records themselves are the keys the feed's
   extraction SQL selects for the day (less voided ones). The 前置库 figures are its rows dated that day (the
   data set's day column), by upload flag: 已上传 (acknowledged), 失败 (failed), 待上传 (waiting).
   :func:`gap_figures` is the arithmetic, a pure function.
2. **Failed rows** (flag 失败) are listed with the platform's words and recorded in the ledger as ``rejected``
   with those words (once: a record already rejected is left as it is). They are **not** sent again on their own:
   someone fixes the data (a changed record is sent again by the next run) or re-queues them (ledger page or
   ``python -m hisbridge ledger requeue``), and the next check sends them.
3. **Missing rows** (HIS records of the day the 前置库 does not hold — deleted there, lost, or never delivered)
   are re-queued in the ledger (``acknowledged`` → ``pending``, with the reason), then the data set's feed runs
   over the day through the same pipeline: only what is pending or new is written, everything acknowledged and
   unchanged is skipped, so nothing is sent twice. A missing record the ledger holds as quarantined or rejected
   stays so (its reason says why) and is counted as still missing.
4. **Figures** are stored (``regional_upload_health``: ``first``, then ``after_resend`` when something was sent)
   and a gap calls :func:`alert` (a clear Chinese warning naming the data set, the day and the counts).

Rows still 待上传 on a day at least ``waiting_grace_days`` before the run's own day are alerted too (the platform
has stopped taking rows); sending them again cannot help, so they are only reported.

A data set whose receipt is ``ack_api`` is refused (:class:`ReceiptNotSupported`): the API is declared in the
data sets but no client exists yet.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import DateTime, Engine, bindparam, func, select, text

from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger, LedgerItem, RunContext
from hisbridge.logging import mask_text
from hisbridge.pipeline.extract import extract_records
from hisbridge.pipeline.run import RunSettings, run_feed
from hisbridge.pipeline.spec import FeedSpec, load_feed_spec
from hisbridge.platforms.regional.datasets import Dataset, FrontDbReceipt
from hisbridge.platforms.regional.frontdb import FrontDbReader, FrontDbSender, HeldRow
from hisbridge.platforms.regional.state import AFTER_RESEND, FIRST, Figures, HealthStore

log = logging.getLogger("hisbridge.regional.health")

REQUEUE_REASON = "市区卫平台对账：前置库缺少此记录（{day}），重新排队补传"
REFUSED_REASON = "市区卫平台拒收（前置库上传标志=失败）：{words}"


class ReceiptNotSupported(RuntimeError):
    """The data set's receipt cannot be read by this version (``ack_api``: declared, no client yet)."""


# -- the arithmetic (pure) -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    figures: Figures
    missing: tuple[str, ...]
    failed: dict[str, str]  # key → the platform's words
    waiting: tuple[str, ...]
    surplus: tuple[str, ...]


def gap_figures(his_count: int, his_keys: Iterable[str], held: Mapping[str, HeldRow], receipt: FrontDbReceipt) -> Gap:
    """The day's figures from the HIS's valid keys and the 前置库's rows of the day.

    ``uploaded`` counts every row of the day the 前置库 holds, ``acknowledged`` / ``failed`` / ``waiting`` split
    them by flag (a flag of none of the declared values counts as waiting: the platform has not said it took the
    row), ``missing`` are HIS keys without a row (the gap), ``surplus`` rows without a valid HIS record (voided or
    re-dated in the HIS after delivery)."""
    keys = list(dict.fromkeys(his_keys))
    wanted = set(keys)
    missing = tuple(k for k in keys if k not in held)
    failed = {k: (r.error or "").strip() or "平台未给出原因" for k, r in held.items() if r.flag == receipt.failed}
    acknowledged = sum(1 for r in held.values() if r.flag == receipt.uploaded)
    waiting = tuple(k for k, r in held.items() if r.flag not in (receipt.uploaded, receipt.failed))
    surplus = tuple(k for k in held if k not in wanted)
    figures = Figures(his_count=his_count, uploaded=len(held), acknowledged=acknowledged, failed=len(failed),
                      waiting=len(waiting), missing=len(missing), surplus=len(surplus))
    return Gap(figures, missing, failed, waiting, surplus)


# -- the alert hook ----------------------------------------------------------------------------------------------------


def alert(*, dataset: str, title: str, day: date, missing: int, failed: int = 0, waiting: int = 0, resent: int = 0,
          remaining: int = 0, reasons: Mapping[str, int] | None = None, logger: logging.Logger = log,
          alerter: Any = None) -> str:
    """Say that a data set's day has a gap: a warning in the task log (its text is returned for the task summary)
    and one incident per data set and day through :mod:`hisbridge.ops.alerts` (企业微信/钉钉 robot, e-mail),
    recovered when a later check finds the day whole (:func:`gap_closed`).

    :param dataset: the data set's name (``outpatient_visit``)
    :param title: its Chinese title (``门急诊就诊``)
    :param day: the day the rows count in
    :param missing: HIS records the 前置库 did not hold when checked
    :param failed: rows the platform flagged 失败
    :param waiting: rows still 待上传 past the grace period
    :param resent: records the check sent again
    :param remaining: HIS records still missing after the re-send
    :param reasons: the platform's words for failed rows, with their counts (masked before logging)
    """
    parts = [f"市区卫平台上传缺口：{title}（{dataset}）{day.isoformat()}"]
    if missing:
        parts.append(f"前置库缺少 {missing} 条，已补传 {resent} 条，仍缺 {remaining} 条")
    if failed:
        why = "；".join(f"{mask_text(w)} ×{n}" for w, n in (reasons or {}).items())
        parts.append(f"平台拒收 {failed} 条（{why}）——已登记为拒收，更正数据或重新排队后下次检查补传")
    if waiting:
        parts.append(f"平台尚未取走 {waiting} 条（检查平台抽取任务）")
    message = "，".join(parts)
    logger.warning("%s", message)
    from hisbridge.ops.alerts import alert as notify

    notify("regional_upload_gap", f"市区卫平台上传缺口：{title}（{dataset}）{day.isoformat()}", message,
           key=_incident(dataset, day), alerter=alerter,
           fix=f"台账页面 /hisbridge/ledger/regional 查看；拒收记录更正后 python -m hisbridge ledger requeue "
               f"--feed regional_{dataset} --state rejected --by <姓名> --reason <原因>，下次检查补传")
    return message


def gap_closed(dataset: str, day: date, alerter: Any = None) -> None:
    """The day of ``dataset`` was found whole: its incident (if one is open) is resolved, with a recovery message."""
    from hisbridge.ops.alerts import resolve

    resolve(_incident(dataset, day), by="regional_upload_health", alerter=alerter)


def _ledger_alerter(ledger: Ledger) -> Any:
    from hisbridge.ops.alerts.config import cached_config
    from hisbridge.ops.alerts.dispatch import Alerter
    from hisbridge.ops.alerts.state import IncidentStore

    return Alerter(IncidentStore(ledger.engine), cached_config())


def _incident(dataset: str, day: date) -> str:
    return f"regional_upload_gap:{dataset}:{day.isoformat()}"


# -- the check ---------------------------------------------------------------------------------------------------------


@dataclass
class DayResult:
    dataset: str
    day: str
    first: Figures
    after: Figures | None = None
    resent: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    requeued: int = 0
    rejected_now: int = 0
    still_missing_reasons: dict[str, int] = field(default_factory=dict)
    alert: str | None = None
    note: str | None = None

    @property
    def final(self) -> Figures:
        return self.after or self.first

    def as_dict(self) -> dict[str, Any]:
        """For XCom and the task log: counts and ids only (keys are HIS business ids, never personal data)."""
        return {"dataset": self.dataset, "day": self.day, "first": self.first.as_dict(),
                "after_resend": self.after.as_dict() if self.after else None, "resent": self.resent,
                "requeued": self.requeued, "rejected_now": self.rejected_now,
                "failed": {k: mask_text(v) for k, v in sorted(self.failed.items())[:50]},
                "still_missing_reasons": self.still_missing_reasons, "alert": self.alert, "note": self.note}


@dataclass(frozen=True)
class CheckSettings:
    run_id: str
    actor: str = "hisbridge"
    #: send the missing rows again (False: count and alert only)
    resend: bool = True
    #: rows still 待上传 on a day at least this many days before the run's day are alerted
    waiting_grace_days: int = 1
    batch_size: int = 200


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time())
    return start, start + timedelta(days=1)


def his_count(his: Engine, d: Dataset, day: date) -> int:
    start, end = day_window(day)
    stmt = text(d.count_sql_text()).bindparams(bindparam("window_start", type_=DateTime()),
                                               bindparam("window_end", type_=DateTime()))
    with his.connect() as conn:
        return int(conn.execute(stmt, {"window_start": start, "window_end": end}).scalar_one())


def his_keys(his: Engine, spec: FeedSpec, day: date) -> list[str]:
    """The keys of the day's valid HIS records, as the feed selects them (the ledger's keys)."""
    start, end = day_window(day)
    return [r.key for chunk in extract_records(his, spec, start, end) for r in chunk if not r.voided]


class HealthCheck:
    """The check of one data set, over any days (the operator, the demo and the tests call it).

    :param d: the data set
    :param his: the HIS database
    :param ledger: the delivery ledger (its engine also holds ``regional_upload_health``)
    :param frontdb: the 前置库 (read for flags, written through the feed's sender on a re-send)
    :param schema: the 前置库's schema / owner of the tables (default: the login's own)
    """

    def __init__(self, d: Dataset, his: Engine, ledger: Ledger, frontdb: Engine, *, schema: str | None = None,
                 sender: FrontDbSender | None = None, alerter: Any = None) -> None:
        if d.receipt != "frontdb" or d.frontdb is None:
            raise ReceiptNotSupported(
                f"数据集 {d.title}（{d.name}）的回执方式为 {d.receipt}：确认接口尚无客户端实现，无法核对；"
                "见 regional_datasets.yaml 的 ack_api 说明")
        self.d, self.his, self.ledger = d, his, ledger
        # incidents in this check's own ledger; channels from Airflow's connections (absent: skipped, recorded)
        self.alerter = alerter if alerter is not None else _ledger_alerter(ledger)
        self.receipt: FrontDbReceipt = d.frontdb
        self.reader = FrontDbReader(frontdb, schema=schema)
        self.sender = sender or FrontDbSender(frontdb, schema=schema)
        self.store = HealthStore(ledger.engine)
        self.spec = load_feed_spec(d.feed)

    def measure(self, day: date) -> Gap:
        start, end = day_window(day)
        return gap_figures(his_count(self.his, self.d, day), his_keys(self.his, self.spec, day),
                           self.reader.day_rows(self.d, start, end), self.receipt)

    def check(self, day: date, settings: CheckSettings, run_day: date | None = None) -> DayResult:
        """Check ``day`` (``run_day``: the run's own day, for the waiting grace; default ``day``)."""
        gap = self.measure(day)
        result = DayResult(self.d.name, day.isoformat(), gap.figures, failed=dict(gap.failed))
        notes = []
        if gap.figures.his_count != gap.figures.missing + gap.figures.uploaded - gap.figures.surplus:
            notes.append(f"计数 SQL 为 {gap.figures.his_count} 条，抽取 SQL 为 "
                         f"{gap.figures.missing + gap.figures.uploaded - gap.figures.surplus} 条：两者口径不一致")
        run = RunContext(run_id=settings.run_id, window_start=day_window(day)[0], window_end=day_window(day)[1],
                         actor=settings.actor)
        result.rejected_now = self._record_refusals(gap.failed, run)
        if gap.missing:
            result.requeued = self._requeue(gap.missing, day, run)
        self.store.save(dataset=self.d.name, day=day, check_name=FIRST, receipt=self.d.receipt, figures=gap.figures,
                        note="；".join(notes) or None, run_id=settings.run_id)
        # a re-run of the day sends the re-queued and the never delivered; a failed row only once someone
        # re-queued it (pending) or the HIS changed it: both are decided by the ledger, not here
        if settings.resend and (gap.missing or gap.failed):
            summary_run = f"{settings.run_id}__regional_resend__{self.d.name}__{day:%Y%m%d}"
            run_feed(self.spec, self.his, self.ledger, self.sender, day_window(day), RunSettings(
                run_id=summary_run, actor=settings.actor, batch_size=settings.batch_size))
            result.resent = sent_in_run(self.ledger.engine, self.spec.feed, summary_run)
            if result.resent or gap.missing:
                after = self.measure(day)
                result.after = after.figures
                if after.missing:
                    result.still_missing_reasons = self._why_missing(after.missing)
                    notes.append("仍缺：" + "；".join(f"{w} ×{n}" for w, n in result.still_missing_reasons.items()))
                self.store.save(dataset=self.d.name, day=day, check_name=AFTER_RESEND, receipt=self.d.receipt,
                                figures=after.figures, resent=result.resent, note="；".join(notes) or None,
                                run_id=settings.run_id)
        if result.after is None:  # nothing sent this time: an earlier run's figures after its re-send are stale
            self.store.forget(dataset=self.d.name, day=day, check_name=AFTER_RESEND)
        stale = gap.figures.waiting if (run_day or day) - day >= timedelta(days=settings.waiting_grace_days) else 0
        if gap.missing or gap.failed or stale:
            reasons = Counter(gap.failed.values())
            result.alert = alert(dataset=self.d.name, title=self.d.title, day=day, missing=gap.figures.missing,
                                 failed=gap.figures.failed, waiting=stale, resent=result.resent,
                                 remaining=result.final.missing, reasons=dict(reasons.most_common(10)),
                                 alerter=self.alerter)
        else:
            gap_closed(self.d.name, day, self.alerter)
        result.note = "；".join(notes) or None
        return result

    # -- the ledger ------------------------------------------------------------------------------------------------
    def _record_refusals(self, failed: Mapping[str, str], run: RunContext) -> int:
        """Failed rows the ledger still holds as acknowledged become ``rejected`` with the platform's words."""
        if not failed:
            return 0
        held = self.ledger.lookup(self.spec.feed, failed)
        items = [LedgerItem(k, r.content_hash, r.payload, r.correction_key, REFUSED_REASON.format(words=failed[k]))
                 for k, r in held.items() if r.state == ls.ACKNOWLEDGED]
        self.ledger.settle(self.spec.feed, self.spec.platform, items, ls.REJECTED, run)
        return len(items)

    def _requeue(self, missing: Iterable[str], day: date, run: RunContext) -> int:
        """Missing records the ledger believes delivered go back to ``pending`` (with the reason)."""
        held = self.ledger.lookup(self.spec.feed, missing)
        reason = REQUEUE_REASON.format(day=day.isoformat())
        items = [LedgerItem(k, r.content_hash, r.payload, r.correction_key, reason)
                 for k, r in held.items() if r.state == ls.ACKNOWLEDGED]
        self.ledger.settle(self.spec.feed, self.spec.platform, items, ls.PENDING, run)
        return len(items)

    def _why_missing(self, missing: Iterable[str]) -> dict[str, int]:
        keys = list(missing)
        held = self.ledger.lookup(self.spec.feed, keys)
        why: Counter[str] = Counter()
        for k in keys:
            r = held.get(k)
            if r is None:
                why["台账无记录"] += 1
            elif r.state in (ls.QUARANTINED, ls.REJECTED):
                why[f"{'已隔离' if r.state == ls.QUARANTINED else '平台拒收'}：{mask_text(r.reason or '')}"] += 1
            else:
                why[f"台账状态 {r.state}"] += 1
        return dict(why.most_common(10))


def sent_in_run(engine: Engine, feed: str, run_id: str) -> int:
    """Records a run wrote into the 前置库 (upload messages, whatever their answer): the records the run kept as
    rejected or skipped never left, so the run's summary cannot say this."""
    m = ls.delivery_message
    q = select(func.coalesce(func.sum(m.c.record_count), 0)).where(m.c.feed == feed, m.c.run_id == run_id,
                                                                    m.c.purpose == "upload")
    with engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


def check_days(check: HealthCheck, run_day: date, lookback_days: int, settings: CheckSettings) -> list[DayResult]:
    """``run_day`` and the ``lookback_days`` days before it, oldest first."""
    days = [run_day - timedelta(days=n) for n in range(lookback_days, -1, -1)]
    return [check.check(day, settings, run_day=run_day) for day in days]
