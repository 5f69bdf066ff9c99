"""医保对账明细 (3202, hsa.md §4.6): the detail file the HIS uploads (9101), the result file it downloads (9102),
what each result row means, and a scope's outcome. One detail reconciliation covers an (agency, 清算类别) scope —
3202 has no 险种 — so its file lists every counted settlement of the scope, whatever the 险种.

Files: the upload is a ``.txt`` in a ``.zip`` whose bytes depend only on the lines and the period (a re-run finds
the same upload in the journal); columns in the declared order (:data:`DETAIL_FILE_COLUMNS`, single-source [1]),
separator configurable ([U], tab by default). The result rows are read by the declared :class:`DetailResultRow`
([C]); a line that cannot be read is reported, never skipped silently.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import ValidationError

from hisbridge.platforms.hsa.reconciliation_plan import (
    AMOUNTS,
    ZERO,
    HisSettlement,
    Kind,
    ReconConfig,
    ScopeKey,
    Totals,
    money,
    text_of,
)
from hisbridge.platforms.hsa.txns.reconciliation import DETAIL_FILE_COLUMNS, DetailResultRow

#: columns of the 3202 result file, in order (the declared result row, hsa.md §4.6 [C])
RESULT_COLUMNS = tuple(DetailResultRow.model_fields)
AMOUNT_NAMES = {"medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付总额", "acct_pay": "个人账户支付"}


# -- the 3202 files -----------------------------------------------------------------------------------------------
def detail_file_name(fixmedins_code: str, scope: ScopeKey, begin: date, end: date) -> str:
    """``<机构>_<经办机构>_<清算类别>_<开始>_<结束>`` (the ``.zip`` holds the same name as ``.txt``)."""
    return f"{fixmedins_code}_{scope[0]}_{scope[1]}_{begin:%Y%m%d}_{end:%Y%m%d}"


def detail_lines(rows: Sequence[HisSettlement], config: ReconConfig) -> str:
    """One line per settlement, columns in :data:`DETAIL_FILE_COLUMNS` order, amounts with two decimals."""
    sep, end = config.detail_file.separator, config.detail_file.line_end
    out = []
    for r in rows:
        values = {"setl_id": r.setl_id, "mdtrt_id": r.mdtrt_id, "psn_no": r.psn_no,
                  "medfee_sumamt": f"{r.medfee_sumamt:.2f}", "fund_pay_sumamt": f"{r.fund_pay_sumamt:.2f}",
                  "acct_pay": f"{r.acct_pay:.2f}", "refd_setl_flag": r.refd_setl_flag}  # fmt: skip
        out.append(sep.join(values[c] for c in DETAIL_FILE_COLUMNS) + end)
    return "".join(out)


def zipped(name: str, data: bytes, day: date) -> bytes:
    """``name`` in a zip whose bytes depend only on its content and ``day`` (the entry's pinned timestamp), so a
    re-run uploads — and finds in the journal — the very same file."""
    info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
    info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(info, data)
    return buf.getvalue()


def detail_file(rows: Sequence[HisSettlement], name: str, day: date, config: ReconConfig) -> bytes:
    return zipped(f"{name}.txt", detail_lines(rows, config).encode(config.detail_file.encoding), day)


def _unzipped_text(data: bytes) -> str:
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
            if not names:
                return ""
            data = zf.read(next((n for n in names if n.lower().endswith(".txt")), names[0]))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("结果文件编码无法识别（应为 UTF-8 或 GBK）")


@dataclass(frozen=True)
class ResultFile:
    rows: list[DetailResultRow]
    problems: list[str]  # lines that could not be read, with why (reported, never dropped silently)


def parse_result_file(data: bytes, config: ReconConfig) -> ResultFile:
    """The 3202 result file (a zip holding one ``.txt``, or the text): one :class:`DetailResultRow` per line."""
    rows: list[DetailResultRow] = []
    problems: list[str] = []
    try:
        content = _unzipped_text(data)
    except (zipfile.BadZipFile, ValueError) as exc:
        return ResultFile([], [f"结果文件无法读取：{exc}"])
    sep = config.detail_file.result_separator
    for no, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(sep)]
        if len(parts) != len(RESULT_COLUMNS):
            problems.append(f"第{no}行应为{len(RESULT_COLUMNS)}列，实际{len(parts)}列")
            continue
        try:
            rows.append(DetailResultRow.model_validate({c: (v or None) for c, v in zip(RESULT_COLUMNS, parts,
                                                                                        strict=True)}))
        except (ValidationError, InvalidOperation):
            problems.append(f"第{no}行金额无法识别")
    return ResultFile(rows, problems)


# -- classification ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One settlement of a 3202 scope as the result file (and the HIS) tell it."""

    kind: Kind
    scope: ScopeKey
    setl_id: str
    mdtrt_id: str
    psn_no: str
    his: HisSettlement | None
    platform: Mapping[str, Decimal] | None  # the platform's amounts (None: the platform has no such settlement)
    refd_setl_flag: str
    msgid: str  # the platform's record of the original request (hsa.md §5.1)
    differences: str
    memo: str


def _platform_amounts(row: DetailResultRow) -> dict[str, Decimal]:
    return {name: money(getattr(row, name)) for name in AMOUNTS}


def _differences(his: HisSettlement, row: DetailResultRow, platform: Mapping[str, Decimal]) -> str:
    found = [f"{AMOUNT_NAMES[n]}：HIS {his.amount(n):.2f}，平台 {platform[n]:.2f}"
             for n in AMOUNTS if his.amount(n) != platform[n]]
    for name, label in (("mdtrt_id", "就诊ID"), ("psn_no", "人员编号"), ("refd_setl_flag", "退费结算标志")):
        theirs = text_of(getattr(row, name))
        if theirs and theirs != getattr(his, name):
            found.append(f"{label}：HIS {getattr(his, name)}，平台 {theirs}")
    return "；".join(found)


def classify(scope: ScopeKey, his_rows: Sequence[HisSettlement], result: ResultFile, config: ReconConfig,
             elsewhere: Mapping[str, HisSettlement]) -> list[Finding]:
    """Every settlement of the scope, once: each result row by its ``stmt_rslt`` (unknown codes count as
    differing), and each HIS line the result file does not mention as HIS-only. ``elsewhere`` (all HIS rows of
    the window by ``setl_id``) explains a platform-only settlement the HIS holds under another agency, type or
    status."""
    mine = {r.setl_id: r for r in his_rows}
    findings: list[Finding] = []
    seen: set[str] = set()
    for row in result.rows:
        setl_id = text_of(row.setl_id)
        code = text_of(row.stmt_rslt)
        kind: Kind = config.result_codes.get(code, "differs")
        his = mine.get(setl_id) if kind != "platform_only" else None
        platform = None if kind == "his_only" else _platform_amounts(row)
        memo = text_of(row.memo)
        if code not in config.result_codes:
            memo = f"未知对账结果代码 {code}：{memo}"
        differences = ""
        if kind == "differs":
            differences = (_differences(his, row, platform) if his is not None and platform is not None else "") or memo
        if kind == "platform_only" and setl_id in elsewhere:
            other = elsewhere[setl_id]
            memo += (f"（HIS 有此结算ID：经办机构 {other.clr_optins}，险种 {other.insutype}，清算类别 "
                     f"{other.clr_type}，退费标志 {other.refd_setl_flag}，状态 {other.status}）")
        seen.add(setl_id)
        findings.append(Finding(kind, scope, setl_id, text_of(row.mdtrt_id), text_of(row.psn_no), his, platform,
                                text_of(row.refd_setl_flag), text_of(row.msgid), differences, memo))
    for r in his_rows:
        if r.setl_id not in seen:
            findings.append(Finding("his_only", scope, r.setl_id, r.mdtrt_id, r.psn_no, r, None, r.refd_setl_flag, "",
                                    "", "平台结果文件未列出该结算（视同中心无此结算记录，请核实）"))
    return sorted(findings, key=lambda f: (f.setl_id, f.kind))


# -- a scope's outcome ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScopeResult:
    """One 3202 chain (9101 → 3202 → 9102) of an (agency, 清算类别) with a 不平 group."""

    scope: ScopeKey
    totals: Totals
    outcome: Literal["done", "refused", "failed"]
    words: str = ""
    filename: str = ""
    findings: tuple[Finding, ...] = ()
    problems: tuple[str, ...] = ()

    def count(self, kind: Kind) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def platform_totals(self) -> dict[str, Decimal]:
        """The platform's side of the scope, from the result file (every row the platform has)."""
        sums = dict.fromkeys(AMOUNTS, ZERO)
        for f in self.findings:
            if f.platform is not None:
                for name in AMOUNTS:
                    sums[name] += f.platform[name]
        return sums
