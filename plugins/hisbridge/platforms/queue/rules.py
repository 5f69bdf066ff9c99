"""The queue's own rules on the rows of its views, run by :func:`hisbridge.contracts.check.check`.

* ``ADD_STATE`` is 2 (valid) or 0 (invalid) in every view, never NULL (tender 6.7);
* the view with a ``visit_date`` column (``hx_queue``) holds only the database's today (ADR 0006);
* patient names are masked (unless the site's ``mask_rule`` is ``none``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hisbridge.contracts.check import RowRule, Rows
from hisbridge.contracts.model import Table, View
from hisbridge.platforms.queue.declaration import QueueContract, ViewSpec
from hisbridge.platforms.queue.today import is_today

ADD_STATE_VALID = 2
ADD_STATE_INVALID = 0


class QueueCode(StrEnum):
    """Finding codes of the queue's rules (next to :class:`hisbridge.contracts.findings.Code`)."""

    ADD_STATE_VALUE = "add_state_value"
    ROWS_NOT_TODAY = "rows_not_today"
    NAME_NOT_MASKED = "name_not_masked"


@dataclass(frozen=True)
class _QueueRule:
    contract: QueueContract

    def spec(self, obj: View | Table) -> ViewSpec | None:
        return self.contract.views.get(obj.name)  # type: ignore[call-overload]

    def nulls_reported(self, obj: View | Table) -> frozenset[str]:
        return frozenset()


class AddStateIsTwoOrZero(_QueueRule):
    """Counts valid/invalid rows per view (a note) and reports any other value, NULL included."""

    def nulls_reported(self, obj: View | Table) -> frozenset[str]:
        spec = self.spec(obj)
        return frozenset({spec.add_state_column.name}) if spec else frozenset()

    def check(self, rows: Rows) -> None:
        spec = self.spec(rows.obj)
        if spec is None or spec.add_state_column.name not in rows.present:
            return
        state = spec.add_state_column.name
        total, valid, invalid = (
            int(n or 0)
            for n in rows.one(
                f"SELECT COUNT(*), SUM(CASE WHEN {state} = {ADD_STATE_VALID} THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN {state} = {ADD_STATE_INVALID} THEN 1 ELSE 0 END) FROM {rows.qualified}"
            )
        )
        rows.report.notes.append(
            f"{rows.obj.name}：{total} 行（ADD_STATE=2 有效 {valid}，=0 无效 {invalid}）"
        )
        bad = total - valid - invalid
        if bad:
            rows.report.add(
                QueueCode.ADD_STATE_VALUE,
                f"{rows.obj.name}.{state}",
                f"{bad} 行的 ADD_STATE 不是 0 或 2（含 NULL）",
            )


class OnlyToday(_QueueRule):
    """The view with a ``visit_date`` column holds only rows of the database's today."""

    def check(self, rows: Rows) -> None:
        spec = self.spec(rows.obj)
        date_col = spec.by_source("visit_date") if spec else None
        if date_col is None or date_col.name not in rows.present:
            return
        today = is_today(rows.dialect, self.contract.settings, date_col.name)
        n = rows.count(
            f"SELECT COUNT(*) FROM {rows.qualified} WHERE {date_col.name} IS NULL OR NOT ({today})"
        )
        if n:
            rows.report.add(
                QueueCode.ROWS_NOT_TODAY,
                f"{rows.obj.name}.{date_col.name}",
                f"{n} 行的就诊日期不是数据库当天（契约只提供当天数据）",
            )


class NamesAreMasked(_QueueRule):
    """A name of two characters or more carries a ``*`` (what every mask rule but ``none`` leaves)."""

    def check(self, rows: Rows) -> None:
        spec = self.spec(rows.obj)
        masked = spec.by_source("patient_name_masked") if spec else None
        rule = self.contract.settings.mask_rule
        if masked is None or masked.name not in rows.present or rule == "none":
            return
        length = "char_length" if rows.dialect == "postgresql" else "LENGTH"
        n = rows.count(
            f"SELECT COUNT(*) FROM {rows.qualified} WHERE {length}({masked.name}) >= 2 AND {masked.name} NOT LIKE :p",
            {"p": "%*%"},
        )
        if n:
            rows.report.add(
                QueueCode.NAME_NOT_MASKED,
                f"{rows.obj.name}.{masked.name}",
                f"{n} 行姓名未脱敏（规则 {rule}）",
            )


def queue_rules(contract: QueueContract) -> tuple[RowRule, ...]:
    return (AddStateIsTwoOrZero(contract), OnlyToday(contract), NamesAreMasked(contract))
