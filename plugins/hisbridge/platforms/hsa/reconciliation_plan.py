"""医保对账 without the platform: the configuration, the HIS's settlements, the 3201 groups and their totals, the
3202 bodies. Plain functions over plain data (tested as tables of cases); the 3202 files are in
:mod:`~hisbridge.platforms.hsa.reconciliation_detail`, and :mod:`hisbridge.platforms.hsa.reconciliation` sends
what these build.

Granularity (hsa.md §5.4): one 3201 per (结算经办机构 ``setl_optins`` = the settlement's ``clr_optins``, 险种,
清算类别) and period. 3202 has no 险种 (§4.6): one detail reconciliation per (``setl_optins``, 清算类别) covers every
险种 of that agency and clearing type, so a 不平 group sends the file of its whole (agency, clearing type) scope.

Which settlements count is the configured 退费结算标志 rule (``refd_setl_flag``, see the YAML): ``"1"`` every
row of the period (originals, also those cancelled since, and the negative cancellation rows, each counted once,
amounts summed with their sign); ``"0"`` only originals still valid. The same rule picks the 3202 file's lines,
as the simulator picks its side.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, text

from hisbridge import MAPPINGS_DIR, SQL_DIR
from hisbridge.pipeline.spec import read_yaml

CONFIG_FILE = MAPPINGS_DIR / "hsa_reconciliation.yaml"
SQL_FILE = SQL_DIR / "hsa_reconciliation.sql"
ZERO = Decimal(0)
CENT = Decimal("0.01")
AMOUNTS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")

Kind = Literal["match", "differs", "his_only", "platform_only"]


# -- configuration ------------------------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pair(_Strict):
    insutype: str = Field(min_length=1, max_length=6)
    clr_type: str = Field(min_length=1, max_length=6)


class DetailFile(_Strict):
    separator: str = Field("\t", min_length=1)
    encoding: str = "utf-8"
    line_end: str = "\n"
    result_separator: str = Field("\t", min_length=1)


class Advice(_Strict):
    his_only: str
    platform_only: str
    differs: str
    refused: str
    totals_only: str
    not_reconciled: str
    unbalanced_day: str


class ReconConfig(_Strict):
    """``include/mappings/hsa_reconciliation.yaml`` (its comments say what each key means)."""

    setl_optins: tuple[str, ...] = ("360100",)
    always: tuple[Pair, ...] = ()
    refd_setl_flag: Literal["0", "1"] = "1"
    send_refd_setl_flag: bool = True
    cancelled_statuses: tuple[str, ...] = ("cancelled",)
    send_3202_clr_type: bool = True
    balanced_codes: tuple[str, ...] = ("0",)
    result_codes: dict[str, Kind] = Field(
        default_factory=lambda: {"0": "match", "1": "differs", "2": "his_only", "3": "platform_only"})
    detail_file: DetailFile = DetailFile()
    advice: Advice


@cache
def _config_data(path: Path) -> dict[str, Any]:
    return dict(read_yaml(path) or {})


def load_config(overrides: Mapping[str, Any] | None = None, path: Path = CONFIG_FILE) -> ReconConfig:
    """The YAML, with a run's ``config`` parameters laid over its top-level keys."""
    return ReconConfig.model_validate({**_config_data(path), **dict(overrides or {})})


# -- the HIS's settlements -----------------------------------------------------------------------------------------
def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Any) -> Decimal:
    if value is None:
        return ZERO
    return q2(value if isinstance(value, Decimal) else Decimal(str(value)))


def text_of(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class HisSettlement:
    setl_id: str
    mdtrt_id: str
    psn_no: str
    insutype: str
    clr_type: str
    clr_optins: str
    setl_time: datetime
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    refd_setl_flag: str
    status: str
    cancel_of: str = ""
    msgid: str = ""

    def amount(self, name: str) -> Decimal:
        return getattr(self, name)


def read_settlements(his: Engine, start: datetime, end: datetime) -> list[HisSettlement]:
    """The HIS's settlements with ``start <= setl_time < end`` (naive local times), ordered by ``setl_id``."""
    with his.connect() as conn:
        rows = conn.execute(text(SQL_FILE.read_text(encoding="utf-8")), {"window_start": start, "window_end": end})
        return [HisSettlement(
            setl_id=text_of(r.setl_id), mdtrt_id=text_of(r.mdtrt_id), psn_no=text_of(r.psn_no),
            insutype=text_of(r.insutype), clr_type=text_of(r.clr_type), clr_optins=text_of(r.clr_optins),
            setl_time=moment(r.setl_time),
            medfee_sumamt=money(r.medfee_sumamt), fund_pay_sumamt=money(r.fund_pay_sumamt),
            acct_pay=money(r.acct_pay), psn_cash_pay=money(r.psn_cash_pay),
            refd_setl_flag=text_of(r.refd_setl_flag) or "0", status=text_of(r.status),
            cancel_of=text_of(r.cancel_of), msgid=text_of(r.msgid)) for r in rows]


def moment(value: datetime | str) -> datetime:
    """A DATETIME column as read: SQLite (the demo's HIS) hands text SQL its stored text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def counts(row: HisSettlement, config: ReconConfig) -> bool:
    """Whether ``row`` is counted (and listed in the 3202 file) under the 退费结算标志 rule."""
    if config.refd_setl_flag == "1":
        return True
    return row.refd_setl_flag != "1" and row.status not in config.cancelled_statuses


@dataclass(frozen=True)
class Totals:
    count: int = 0
    medfee_sumamt: Decimal = ZERO
    fund_pay_sumamt: Decimal = ZERO
    acct_pay: Decimal = ZERO
    cash_payamt: Decimal = ZERO

    @classmethod
    def of(cls, rows: Iterable[HisSettlement]) -> Totals:
        n, medfee, fund, acct, cash = 0, ZERO, ZERO, ZERO, ZERO
        for r in rows:
            n, medfee, fund, acct, cash = (n + 1, medfee + r.medfee_sumamt, fund + r.fund_pay_sumamt,
                                           acct + r.acct_pay, cash + r.psn_cash_pay)
        return cls(n, medfee, fund, acct, cash)

    def amount(self, name: str) -> Decimal:
        return getattr(self, name)


GroupKey = tuple[str, str, str]  # (setl_optins, insutype, clr_type)
ScopeKey = tuple[str, str]  # (setl_optins, clr_type): what one 3202 covers


def plan_groups(rows: Sequence[HisSettlement], config: ReconConfig) -> dict[GroupKey, list[HisSettlement]]:
    """The 3201 groups, sorted: every (agency, 险种, 清算类别) the counted rows have, plus the configured pairs
    for every configured agency (empty when the HIS has nothing for them)."""
    groups: dict[GroupKey, list[HisSettlement]] = defaultdict(list)
    for optins in config.setl_optins:
        for pair in config.always:
            groups[(optins, pair.insutype, pair.clr_type)]  # noqa: B018 - present even when empty
    for r in rows:
        if counts(r, config):
            groups[(r.clr_optins, r.insutype, r.clr_type)].append(r)
    return {key: groups[key] for key in sorted(groups)}


def scope_rows(rows: Sequence[HisSettlement], scope: ScopeKey, config: ReconConfig) -> list[HisSettlement]:
    """The counted rows of one (agency, 清算类别): the lines of its 3202 file, ordered by ``setl_id``."""
    optins, clr_type = scope
    return sorted((r for r in rows if r.clr_optins == optins and r.clr_type == clr_type and counts(r, config)),
                  key=lambda r: r.setl_id)


# -- message bodies ---------------------------------------------------------------------------------------------
def totals_body(key: GroupKey, begin: date, end: date, totals: Totals, config: ReconConfig) -> dict[str, Any]:
    """3201 ``data``: the HIS's totals of one group over ``[begin, end]`` (dates inclusive)."""
    optins, insutype, clr_type = key
    body: dict[str, Any] = {
        "insutype": insutype, "clr_type": clr_type, "setl_optins": optins, "stmt_begndate": begin.isoformat(),
        "stmt_enddate": end.isoformat(), "medfee_sumamt": totals.medfee_sumamt,
        "fund_pay_sumamt": totals.fund_pay_sumamt, "acct_pay": totals.acct_pay, "fixmedins_setl_cnt": totals.count,
    }
    if config.send_refd_setl_flag:
        body["refd_setl_flag"] = config.refd_setl_flag
    return body


def detail_body(scope: ScopeKey, file_qury_no: str, begin: date, end: date, totals: Totals,
                config: ReconConfig) -> dict[str, Any]:
    """3202 ``data``: the scope's totals again and the ``file_qury_no`` of its uploaded detail file."""
    optins, clr_type = scope
    body: dict[str, Any] = {
        "setl_optins": optins, "file_qury_no": file_qury_no, "stmt_begndate": begin.isoformat(),
        "stmt_enddate": end.isoformat(), "medfee_sumamt": totals.medfee_sumamt,
        "fund_pay_sumamt": totals.fund_pay_sumamt, "cash_payamt": totals.cash_payamt,
        "fixmedins_setl_cnt": totals.count,
    }
    if config.send_3202_clr_type:
        body["clr_type"] = clr_type
    if config.send_refd_setl_flag:
        body["refd_setl_flag"] = config.refd_setl_flag
    return body


# -- outcomes (what the executor learnt; what the reports show) ------------------------------------------------
Outcome = Literal["balanced", "unbalanced", "refused", "failed"]
OUTCOME_NAMES = {"balanced": "平", "unbalanced": "不平", "refused": "平台拒绝", "failed": "未完成（平台不可达）"}


@dataclass(frozen=True)
class GroupResult:
    """One 3201: the HIS's totals and the platform's verdict (or its refusal, or why it could not be asked)."""

    key: GroupKey
    totals: Totals
    outcome: Outcome
    words: str = ""  # stmt_rslt_dscr, the refusal, or the fault
