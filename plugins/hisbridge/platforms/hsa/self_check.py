"""医保基金自查: rules over the window's settled fee lines that flag what the fund's inspectors (医保检查, 飞检)
flag — a gender- or age-restricted item on the wrong patient, a once-a-day item billed twice, more than the
daily limit, charges after discharge, outpatient charges during a stay, a drug outside its insured indication —
so the hospital finds them first. No platform call: the job reads the HIS and writes a report.

The rules are data, ``include/mappings/hsa_fund_self_check.yaml`` (validated by :class:`SelfCheckSpec`). A rule is

* **pandas**: ``where`` (which lines are flagged) and ``amount_at_risk`` (how much of each), Python expressions
  over the columns of the shared frame (:data:`FRAME_COLUMNS`): the window's lines as
  ``include/sql/hsa_fund_self_check.sql`` selects them, plus columns worked out here once for every rule (age at
  the fee, the fee's day, the line's rank and running quantity among the patient's lines of the item that day,
  the visit's diagnoses, the patient's other stay covering the day). Ages and days are computed in Python
  because portable SQL has no date functions;
* **sql**: one portable SELECT (a file ``include/sql/hsa_fund_self_check_*.sql`` or inline) binding
  ``:window_start``/``:window_end`` and returning the finding columns (:data:`FINDING_COLUMNS`).

The population is the same for both: lines not refunded, of settlements whose ``setl_time`` is in the window,
settled and still valid (``refd_setl_flag`` 0, ``status`` normal).

A finding's ``amount_at_risk`` is money in cents (Decimal); the report's total counts a fee line once even when
several rules flag it (the largest amount), so it is what the hospital could have to pay back, not a sum of
overlapping rules. A rule that fails to run is listed in the report and fails the task after the report is
written. Logs carry counts and amounts only; patient ids (internal, no names) appear in the report.
"""

from __future__ import annotations

import ast
import difflib
import logging
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import DateTime, Engine, bindparam, text

from hisbridge import MAPPINGS_DIR, SQL_DIR
from hisbridge.reports import Column, Report, Sheet, write_report

if TYPE_CHECKING:
    import pandas as pd

    from hisbridge.platforms.hsa.jobs import JobContext

log = logging.getLogger(__name__)

SPEC_FILE = MAPPINGS_DIR / "hsa_fund_self_check.yaml"
FRAME_SQL = "hsa_fund_self_check.sql"
DIAG_SQL = "hsa_fund_self_check_diag.sql"
STAYS_SQL = "hsa_fund_self_check_stays.sql"
RULE_SQL_PREFIX = "hsa_fund_self_check_"
REPORT_KIND = "hsa_fund_self_check"
CENT = Decimal("0.01")

#: what a rule returns per finding (an SQL rule's columns; a pandas rule's are taken from the frame)
FINDING_COLUMNS = ("setl_id", "mdtrt_id", "patient_id", "fee_id", "item_code", "item_name", "fee_time",
                   "amount_at_risk", "detail")

#: the columns of include/sql/hsa_fund_self_check.sql, in order (a unit test keeps the two equal)
SQL_COLUMNS: dict[str, str] = {
    "fee_id": "费用明细流水号", "setl_id": "结算ID", "mdtrt_id": "就诊ID", "patient_id": "患者ID",
    "visit_kind": "门诊 O / 住院 I", "item_kind": "drug 药品 / item 项目 / material 耗材", "item_code": "项目编码",
    "item_name": "项目名称", "fee_time": "计费时间", "qty": "数量", "unit_price": "单价", "amount": "金额",
    "dept_code": "开单科室", "doctor_code": "开单医生", "setl_time": "结算时间", "adm_id": "结算所属住院号",
    "main_diag_code": "结算主诊断", "gender": "患者性别 1 男 / 2 女", "gender_name": "患者性别（男/女/未知）",
    "birth_date": "出生日期", "gender_limit": "限定性别 1 男 / 2 女", "gender_limit_name": "限男性/限女性",
    "min_age": "限定最小年龄（含）", "max_age": "限定最大年龄（含）", "daily_max_qty": "每日限量",
    "indication_diag": "限定诊断（ICD-10 前缀，逗号分隔）", "limit_note": "限制使用范围原文",
    "chrgitm_type": "医疗收费项目类别（项目/耗材）", "adm_time": "本次住院入院时间", "dscg_time": "本次住院出院时间",
}
#: the columns worked out for every rule from the SQL columns, the diagnoses and the patient's stays
DERIVED_COLUMNS: dict[str, str] = {
    "age": "计费当天的周岁年龄（出生日期未登记为空）",
    "fee_day": "计费日期",
    "once_per_day": "每日限收一次的项目（once_per_day 配置或每日限量为 1）",
    "day_seq": "当天同一患者同一项目的第几条（按计费时间）",
    "day_lines": "当天同一患者同一项目的条数",
    "day_qty": "当天同一患者同一项目的累计数量",
    "day_qty_before": "本条之前当天同一患者同一项目的累计数量",
    "day_qty_running": "当天同一患者同一项目累计到本条（含）的数量",
    "diag_codes": "本次结算的诊断编码（主诊断及住院诊断）",
    "diag_text": "诊断编码，以顿号分隔（无则为“无”）",
    "covering_stay_id": "覆盖计费日期的该患者另一次住院的住院号（入院日至出院日，含当天）",
    "covering_adm_time": "该次住院的入院时间",
    "covering_dscg_time": "该次住院的出院时间（未出院为空）",
}
FRAME_COLUMNS: dict[str, str] = {**SQL_COLUMNS, **DERIVED_COLUMNS}
NUMERIC_COLUMNS = ("qty", "unit_price", "amount", "min_age", "max_age", "daily_max_qty")
SEVERITY_NAMES = {"high": "高", "medium": "中", "low": "低"}
_DAY_KEY = ["patient_id", "item_kind", "item_code", "fee_day"]


class SelfCheckSpecError(ValueError):
    """The rules file is not valid; the message names the file, the rule and the field."""


# -- the rules file ----------------------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def starts_with_any(codes: pd.Series, prefixes: pd.Series) -> pd.Series:
    """Per row: does any code (a tuple of ICD-10 codes) start with any prefix of a comma-separated list?

    A row without prefixes is False. Case and spaces are ignored; Chinese commas and semicolons separate too.
    """
    import pandas as pd

    def one(row_codes: Any, row_prefixes: Any) -> bool:
        if not isinstance(row_prefixes, str):
            return False
        wanted = tuple(p.strip().upper() for p in row_prefixes.replace("，", ",").replace(";", ",")
                       .replace("；", ",").split(",") if p.strip())
        return any(str(c).strip().upper().startswith(wanted) for c in (row_codes or ()) if wanted)

    return pd.Series([one(c, p) for c, p in zip(codes, prefixes, strict=True)], index=codes.index, dtype=bool)


#: functions a rule's expressions may call besides the columns' own (pandas Series) methods
HELPERS = {"starts_with_any": starts_with_any}


def _expression_problem(expr: str) -> str | None:
    """Why ``expr`` is not a usable rule expression, or None."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        return f"not a Python expression ({exc.msg}): {expr!r}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in FRAME_COLUMNS and node.id not in HELPERS:
            close = difflib.get_close_matches(node.id, [*FRAME_COLUMNS, *HELPERS], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return (f"unknown name {node.id!r}{hint}: use a frame column ({', '.join(FRAME_COLUMNS)}) "
                    f"or a helper ({', '.join(HELPERS)})")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            return f"private attribute {node.attr!r} is not allowed"
    return None


def _template_fields(template: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"detail is not a format string ({exc}): {template!r}") from None
    fields = []
    for _, name, _, _ in parsed:
        if name is None:
            continue
        base = name.split(".", 1)[0].split("[", 1)[0]
        if not base:
            raise ValueError(f"detail: name every field ({{column}}), not {{}}: {template!r}")
        fields.append(base)
    return fields


class PandasCheck(_Strict):
    where: str  # a boolean per line: the flagged lines
    amount_at_risk: str = "amount"  # the money in question per flagged line

    @field_validator("where", "amount_at_risk")
    @classmethod
    def _usable(cls, expr: str) -> str:
        problem = _expression_problem(expr)
        if problem:
            raise ValueError(problem)
        return expr.strip()


class ItemRef(_Strict):
    item_kind: Literal["drug", "item", "material"]
    item_code: str = Field(min_length=1)


class OncePerDay(_Strict):
    charge_types: list[str] = Field(default_factory=list)  # 医疗收费项目类别, e.g. "01" 床位费
    items: list[ItemRef] = Field(default_factory=list)


RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,29}$")]
ChineseText = Annotated[str, Field(min_length=2, pattern=r"[\u4e00-\u9fff]")]


class Rule(_Strict):
    id: RuleId
    title: ChineseText
    severity: Literal["high", "medium", "low"]
    description: ChineseText  # what the rule finds, for the report and the docs
    what_to_check: ChineseText  # what the 医保办 should look at for each finding
    pandas: PandasCheck | None = None
    sql_file: str | None = None  # include/sql/hsa_fund_self_check_<…>.sql
    sql: str | None = None  # the query inline
    detail: str | None = None  # format string over the finding row's columns

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        given = [k for k in ("pandas", "sql_file", "sql") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of pandas, sql_file, sql (got {', '.join(given) or 'none'})")
        if self.sql_file is not None:
            if not (self.sql_file.startswith(RULE_SQL_PREFIX) and self.sql_file.endswith(".sql")
                    and "/" not in self.sql_file):
                raise ValueError(f"sql_file must be a file {RULE_SQL_PREFIX}<name>.sql in include/sql, "
                                 f"not {self.sql_file!r}")
            if not (SQL_DIR / self.sql_file).is_file():
                raise ValueError(f"sql_file {self.sql_file!r} does not exist in {SQL_DIR}")
        if self.sql is not None and not self.sql.strip().upper().startswith(("SELECT", "WITH")):
            raise ValueError("sql must be one SELECT query")
        if self.pandas is None:
            extra = sorted(set(text(self.query()).compile().params) - {"window_start", "window_end"})
            if extra:
                raise ValueError(f"the query binds {[f':{n}' for n in extra]}; only :window_start and :window_end "
                                 "are bound (compute other values in the query or use a pandas rule)")
        if self.detail is not None:
            fields = _template_fields(self.detail)
            if self.pandas is not None:
                unknown = [f for f in fields if f not in FRAME_COLUMNS]
                if unknown:
                    raise ValueError(f"detail names unknown column(s) {unknown}: a pandas rule's detail can use "
                                     f"the frame columns ({', '.join(FRAME_COLUMNS)})")
        return self

    @property
    def kind(self) -> str:
        return "pandas" if self.pandas is not None else "sql"

    def query(self) -> str:
        if self.sql_file is not None:
            return (SQL_DIR / self.sql_file).read_text(encoding="utf-8")
        return self.sql or ""


class SelfCheckSpec(_Strict):
    check: Literal["hsa_fund_self_check"]
    title: ChineseText
    once_per_day: OncePerDay = Field(default_factory=OncePerDay)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> SelfCheckSpec:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self


def parse_spec(data: Any, source: str = "hsa_fund_self_check.yaml") -> SelfCheckSpec:
    """Validate parsed YAML; every problem in one message, each naming the rule by position and id."""
    try:
        return SelfCheckSpec.model_validate(data)
    except ValidationError as exc:
        rules = data.get("rules") if isinstance(data, dict) else None
        lines = []
        for err in exc.errors(include_input=False):
            loc = list(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
                rule_id = rules[loc[1]].get("id") if isinstance(rules, list) and isinstance(
                    rules[loc[1]], dict) else None
                rest = ".".join(str(p) for p in loc[2:])
                where = f"rules[{loc[1]}] ({rule_id or 'no id'})" + (f".{rest}" if rest else "")
            lines.append(f"  {where}: {err['msg'].removeprefix('Value error, ')}")
        raise SelfCheckSpecError(f"{source}: {len(lines)} problem(s)\n" + "\n".join(lines)) from None


def load_spec(path: Path = SPEC_FILE) -> SelfCheckSpec:
    from hisbridge.pipeline.spec import read_yaml

    return parse_spec(read_yaml(path), source=path.name)


# -- the shared frame --------------------------------------------------------------------------------------------
def _bound(sql: str):
    """The query with the window bounds it uses bound as times (SQLite compares them as text)."""
    stmt = text(sql)
    used = stmt.compile().params
    return stmt.bindparams(*(bindparam(name, type_=DateTime()) for name in ("window_start", "window_end")
                             if name in used))


def _query(his: Engine, sql: str, window: tuple[datetime, datetime]) -> pd.DataFrame:
    import pandas as pd

    with his.connect() as conn:
        result = conn.execute(_bound(sql), {"window_start": window[0], "window_end": window[1]})
        columns = list(result.keys())
        frame = pd.DataFrame.from_records([tuple(row) for row in result], columns=columns)
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Times, dates and numbers as pandas types, whatever the database returned (SQLite: text)."""
    import pandas as pd

    for name in frame.columns:
        if name.endswith(("_time", "_date")):
            frame[name] = pd.to_datetime(frame[name], format="ISO8601", errors="coerce")
        elif name in NUMERIC_COLUMNS:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return frame


def load_frame(his: Engine, spec: SelfCheckSpec, window: tuple[datetime, datetime]) -> pd.DataFrame:
    """The window's settled lines with every column of :data:`FRAME_COLUMNS`."""
    fees = _query(his, (SQL_DIR / FRAME_SQL).read_text(encoding="utf-8"), window)
    diags = _query(his, (SQL_DIR / DIAG_SQL).read_text(encoding="utf-8"), window)
    stays = _query(his, (SQL_DIR / STAYS_SQL).read_text(encoding="utf-8"), window)
    return enrich(fees, diags, stays, spec)


def enrich(fees: pd.DataFrame, diags: pd.DataFrame, stays: pd.DataFrame, spec: SelfCheckSpec) -> pd.DataFrame:
    """Add :data:`DERIVED_COLUMNS` to the lines (pure: the three extracts in, the frame out)."""
    import pandas as pd

    missing = [c for c in SQL_COLUMNS if c not in fees.columns]
    if missing:
        raise ValueError(f"{FRAME_SQL} does not return columns {missing}")
    frame = fees.sort_values(["patient_id", "item_kind", "item_code", "fee_time", "fee_id"]).reset_index(drop=True)
    born, at = frame["birth_date"], frame["fee_time"]
    before_birthday = (at.dt.month * 100 + at.dt.day) < (born.dt.month * 100 + born.dt.day)
    frame["age"] = (at.dt.year - born.dt.year - before_birthday.astype(int)).astype(float)
    frame["fee_day"] = at.dt.normalize()

    listed = {(i.item_kind, i.item_code) for i in spec.once_per_day.items}
    frame["once_per_day"] = (
        (frame["daily_max_qty"] == 1)
        | frame["chrgitm_type"].isin(spec.once_per_day.charge_types)
        | pd.Series([(k, c) in listed for k, c in zip(frame["item_kind"], frame["item_code"], strict=True)],
                    index=frame.index, dtype=bool)
    )
    day = frame.groupby(_DAY_KEY, sort=False, dropna=False)
    frame["day_seq"] = day.cumcount() + 1
    frame["day_lines"] = day["fee_id"].transform("size")
    # sums rounded (the HIS keeps 4 decimals of quantity), so that 0.1 + 0.2 is not "more than 0.3"
    frame["day_qty"] = day["qty"].transform("sum").round(6)
    frame["day_qty_running"] = day["qty"].cumsum().round(6)
    frame["day_qty_before"] = (frame["day_qty_running"] - frame["qty"]).round(6)

    by_setl: dict[str, list[str]] = {}
    for setl_id, code in zip(diags.get("setl_id", ()), diags.get("diag_code", ()), strict=True):
        by_setl.setdefault(setl_id, []).append(code)
    codes = [tuple(dict.fromkeys(c for c in ([main] if isinstance(main, str) and main else [])
                                 + by_setl.get(setl, []) if c))
             for setl, main in zip(frame["setl_id"], frame["main_diag_code"], strict=True)]
    frame["diag_codes"] = pd.Series(codes, index=frame.index, dtype=object)
    frame["diag_text"] = ["、".join(c) if c else "无" for c in codes]
    return _covering_stays(frame, stays)


def _covering_stays(frame: pd.DataFrame, stays: pd.DataFrame) -> pd.DataFrame:
    """For each line, the patient's first stay (other than the line's own) whose days include the fee's day."""
    import pandas as pd

    frame["covering_stay_id"] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    frame["covering_adm_time"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    frame["covering_dscg_time"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if frame.empty or stays.empty:
        return frame
    lines = frame[["patient_id", "fee_day", "adm_id"]].rename(columns={"adm_id": "own_adm_id"})
    lines = lines.reset_index(names="line")
    pairs = lines.merge(stays, on="patient_id")
    adm_day, dscg_day = pairs["adm_time"].dt.normalize(), pairs["dscg_time"].dt.normalize()
    inside = (adm_day <= pairs["fee_day"]) & (dscg_day.isna() | (pairs["fee_day"] <= dscg_day))
    pairs = pairs[inside & (pairs["adm_id"] != pairs["own_adm_id"].fillna(""))]
    first = pairs.sort_values(["line", "adm_time", "adm_id"]).drop_duplicates("line").set_index("line")
    frame.loc[first.index, "covering_stay_id"] = first["adm_id"].astype(object)
    frame.loc[first.index, "covering_adm_time"] = first["adm_time"]
    frame.loc[first.index, "covering_dscg_time"] = first["dscg_time"]
    return frame


# -- running the rules -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    rule_id: str
    setl_id: str | None
    mdtrt_id: str | None
    patient_id: str | None
    fee_id: str | None
    item_code: str | None
    item_name: str | None
    fee_time: datetime | None
    amount_at_risk: Decimal
    detail: str


@dataclass
class RuleOutcome:
    rule: Rule
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None

    @property
    def amount(self) -> Decimal:
        return sum((f.amount_at_risk for f in self.findings), Decimal("0.00"))


@dataclass
class SelfCheckResult:
    spec: SelfCheckSpec
    window: tuple[datetime, datetime]
    fee_lines: int
    settlements: int
    outcomes: list[RuleOutcome]

    @property
    def findings(self) -> list[Finding]:
        return [f for o in self.outcomes for f in o.findings]

    @property
    def amount_at_risk(self) -> Decimal:
        """Per fee line the largest amount any rule puts at risk, summed: a line flagged twice counts once."""
        per_line: dict[str, Decimal] = {}
        loose = Decimal("0.00")
        for f in self.findings:
            if f.fee_id is None:
                loose += f.amount_at_risk
            else:
                per_line[f.fee_id] = max(per_line.get(f.fee_id, Decimal("0.00")), f.amount_at_risk)
        return sum(per_line.values(), loose)

    @property
    def errors(self) -> dict[str, str]:
        return {o.rule.id: o.error for o in self.outcomes if o.error}


def _plain(value: Any) -> Any:
    """A frame or database value as a plain Python value (None for every kind of missing)."""
    import pandas as pd

    if value is None or (not isinstance(value, (str, tuple, list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if type(value).__module__ == "numpy":
        return value.item()
    return value


def money(value: Any) -> Decimal:
    """An amount as Decimal cents, half up; floats through their shortest repr (2×3.335 → 6.67, not 6.66)."""
    value = _plain(value)
    if value is None:
        return Decimal("0.00")
    if not isinstance(value, Decimal):
        value = Decimal(repr(float(value)))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class _Blank:
    """An empty value in a detail text: prints as — whatever the format."""

    def __format__(self, spec: str) -> str:
        return "—"

    def __str__(self) -> str:
        return "—"


def _shown(value: Any) -> Any:
    value = _plain(value)
    if value is None or value == "":
        return _Blank()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):
        return "、".join(map(str, value)) or "无"
    return value


def render_detail(template: str, row: Mapping[str, Any]) -> str:
    return template.format_map({k: _shown(v) for k, v in row.items()})


def _evaluate(expr: str, frame: pd.DataFrame) -> Any:
    namespace: dict[str, Any] = {name: frame[name] for name in frame.columns if name in FRAME_COLUMNS}
    namespace.update(HELPERS)
    return eval(compile(expr, "<rule>", "eval"), {"__builtins__": {}}, namespace)  # noqa: S307 - checked names


def _pandas_findings(rule: Rule, frame: pd.DataFrame) -> list[Finding]:
    import pandas as pd

    assert rule.pandas is not None
    mask = _evaluate(rule.pandas.where, frame)
    if not isinstance(mask, pd.Series) or len(mask) != len(frame):
        raise ValueError(f"where must give one true/false per line, not {type(mask).__name__}")
    flagged = frame[mask.fillna(False).astype(bool)]
    if flagged.empty:
        return []
    amounts = _evaluate(rule.pandas.amount_at_risk, flagged)
    if not isinstance(amounts, pd.Series):
        amounts = pd.Series([amounts] * len(flagged), index=flagged.index)
    findings = []
    for (_, row), amount in zip(flagged.iterrows(), amounts, strict=True):
        values = row.to_dict()
        findings.append(_finding(rule, values, money(amount)))
    return findings


def _sql_findings(rule: Rule, his: Engine, window: tuple[datetime, datetime]) -> list[Finding]:
    rows = _query(his, rule.query(), window)
    needed = [c for c in FINDING_COLUMNS if c != "detail" or rule.detail is None]
    missing = [c for c in needed if c not in rows.columns]
    if missing:
        raise ValueError(f"the query does not return column(s) {missing}")
    return [_finding(rule, values, money(values["amount_at_risk"])) for values in rows.to_dict("records")]


def _finding(rule: Rule, values: Mapping[str, Any], amount: Decimal) -> Finding:
    try:
        detail = render_detail(rule.detail, values) if rule.detail else str(_plain(values.get("detail")) or "")
    except KeyError as exc:
        raise ValueError(f"detail names column {exc.args[0]!r}, which the rule's rows do not have") from None
    plain = {c: _plain(values.get(c)) for c in FINDING_COLUMNS}
    return Finding(rule_id=rule.id, setl_id=plain["setl_id"], mdtrt_id=plain["mdtrt_id"],
                   patient_id=plain["patient_id"], fee_id=plain["fee_id"], item_code=plain["item_code"],
                   item_name=plain["item_name"], fee_time=plain["fee_time"], amount_at_risk=amount, detail=detail)


def _order(f: Finding) -> tuple:
    return (f.setl_id or "", f.fee_time or datetime.min, f.fee_id or "", f.detail)


def run_checks(his: Engine, window: tuple[datetime, datetime], spec: SelfCheckSpec | None = None) -> SelfCheckResult:
    """Every rule over ``[start, end)`` (naive Asia/Shanghai, as the HIS keeps times)."""
    spec = spec or load_spec()
    frame = load_frame(his, spec, window)
    outcomes = []
    for rule in spec.rules:
        outcome = RuleOutcome(rule)
        try:
            found = _pandas_findings(rule, frame) if rule.pandas is not None else _sql_findings(rule, his, window)
            outcome.findings = sorted(found, key=_order)
        except Exception as exc:  # noqa: BLE001 - one broken rule must not hide the others' findings
            outcome.error = f"{type(exc).__name__}: {exc}"
            log.error("self-check rule %s could not run: %s", rule.id, outcome.error)
        outcomes.append(outcome)
    return SelfCheckResult(spec=spec, window=window, fee_lines=len(frame),
                           settlements=int(frame["setl_id"].nunique()) if len(frame) else 0, outcomes=outcomes)


# -- the report and the job --------------------------------------------------------------------------------------
def period_of(window: tuple[datetime, datetime]) -> str:
    """``2026-11-24`` for a calendar day, else ``20261124T0000-20261126T0000``."""
    start, end = window
    if end - start == timedelta(days=1) and start.time() == datetime.min.time():
        return f"{start:%Y-%m-%d}"
    return f"{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}"


FINDING_SHEET = (
    Column("rule", "规则"), Column("setl_id", "结算ID"), Column("mdtrt_id", "就诊ID"), Column("patient_id", "患者ID"),
    Column("fee_id", "费用明细流水号"), Column("item_code", "项目编码"), Column("item_name", "项目名称"),
    Column("fee_time", "计费时间"), Column("amount_at_risk", "涉及金额"), Column("detail", "问题说明"),
    Column("what_to_check", "核查要点"),
)


def build_report(result: SelfCheckResult) -> Report:
    period = period_of(result.window)
    start, end = result.window
    summary: list[tuple[str, Any]] = [
        ("结算时间范围", f"{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}（北京时间，不含结束时刻）"),
        ("检查的费用明细（条）", result.fee_lines),
        ("涉及结算（笔）", result.settlements),
        ("问题明细（条）", len(result.findings)),
        ("涉及金额合计（元，同一明细只计一次）", result.amount_at_risk),
    ]
    overview = []
    for o in result.outcomes:
        summary.append((f"{o.rule.title}（{SEVERITY_NAMES[o.rule.severity]}）",
                        f"执行失败：{o.error}" if o.error else f"{len(o.findings)} 条，{o.amount:,.2f} 元"))
        overview.append({"id": o.rule.id, "title": o.rule.title, "severity": SEVERITY_NAMES[o.rule.severity],
                         "findings": len(o.findings), "amount": o.amount,
                         "status": f"执行失败：{o.error}" if o.error else "已执行",
                         "description": o.rule.description})
    sheets = [Sheet("规则一览", (Column("id", "规则编号"), Column("title", "规则"), Column("severity", "严重程度"),
                                 Column("findings", "问题明细（条）"), Column("amount", "涉及金额（元）"),
                                 Column("status", "执行情况"), Column("description", "规则说明")),
                    overview, note="每条规则一张表；涉及金额为各规则自身的合计，同一费用明细可能被多条规则列出。")]
    for o in result.outcomes:
        rows = [{"rule": o.rule.title, "setl_id": f.setl_id, "mdtrt_id": f.mdtrt_id, "patient_id": f.patient_id,
                 "fee_id": f.fee_id, "item_code": f.item_code, "item_name": f.item_name, "fee_time": f.fee_time,
                 "amount_at_risk": f.amount_at_risk, "detail": f.detail, "what_to_check": o.rule.what_to_check}
                for f in o.findings]
        note = o.rule.description + (f" 【本规则执行失败：{o.error}】" if o.error else "")
        sheets.append(Sheet(o.rule.title, FINDING_SHEET, rows, note=note))
    return Report(kind=REPORT_KIND, period=period, title=f"{result.spec.title}（{period}）", summary=summary,
                  sheets=sheets)


def summary_of(result: SelfCheckResult) -> dict[str, Any]:
    """Counts and amounts only: what the task logs and returns to XCom."""
    out: dict[str, Any] = {
        "window": period_of(result.window),
        "fee_lines": result.fee_lines,
        "settlements": result.settlements,
        "findings": {o.rule.id: len(o.findings) for o in result.outcomes},
        "amount_at_risk": str(result.amount_at_risk),
        "amount_by_rule": {o.rule.id: str(o.amount) for o in result.outcomes},
    }
    if result.errors:
        out["rule_errors"] = result.errors
    return out


def run(ctx: JobContext) -> dict[str, Any]:
    """The job (``hisbridge.platforms.hsa.self_check:run``): check the window, write the report, summarise. A rule
    that cannot run fails the task without retry (the YAML or the HIS must change first)."""
    from hisbridge.platforms.hsa.jobs import JobRefused

    result = run_checks(ctx.his, ctx.window)
    files = write_report(build_report(result), ctx.reports_dir)
    summary = summary_of(result) | {"report": str(files.html)}
    log.info("fund self-check %s: %d lines, findings %s, amount at risk %s", summary["window"],
             result.fee_lines, summary["findings"], summary["amount_at_risk"])
    if result.errors:
        raise JobRefused(f"fund self-check {summary['window']}: rule(s) {sorted(result.errors)} could not run "
                           f"(listed in the report {files.html}): {result.errors}")
    return summary


