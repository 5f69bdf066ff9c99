"""What a check found: typed findings with a stable code, collected in a report that renders for operators.

Codes are stable (tests and alert routing use them); a platform adds its own codes for its own rules. Messages
are in Chinese for the operator and carry counts and names of objects, never row contents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """The codes of the generic checks (a platform's rules bring their own)."""

    DEFINITION_BROKEN = "definition_broken"
    VIEW_MISSING = "view_missing"
    VIEW_INVALID = "view_invalid"
    TABLE_MISSING = "table_missing"
    COLUMN_MISSING = "column_missing"
    COLUMN_UNEXPECTED = "column_unexpected"
    COLUMN_TYPE = "column_type"
    QUERY_FAILED = "query_failed"
    NULL_VALUE = "null_value"
    DUPLICATE_KEY = "duplicate_key"
    READER_MISSING = "reader_missing"
    READER_ATTRIBUTE = "reader_attribute"
    READER_EXTRA_PRIVILEGE = "reader_extra_privilege"
    READER_NOT_TESTED = "reader_not_tested"
    READER_LOGIN_FAILED = "reader_login_failed"
    READER_CANNOT_SELECT = "reader_cannot_select"
    READER_READS_BASE_TABLE = "reader_reads_base_table"
    READER_CAN_WRITE = "reader_can_write"
    READER_CAN_CREATE = "reader_can_create"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    subject: str
    message: str

    def __str__(self) -> str:
        mark = "ERROR" if self.severity is Severity.ERROR else "WARN "
        return f"{mark} [{self.code}] {self.subject}: {self.message}"


@dataclass
class CheckReport:
    """The findings and notes of one check of one database against one contract."""

    dialect: str
    site: str | None
    title: str = "数据库契约"
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def passed(self) -> bool:
        return not self.errors

    def codes(self) -> set[str]:
        return {str(f.code) for f in self.findings}

    def add(self, code: str, subject: str, message: str, severity: Severity = Severity.ERROR) -> None:
        self.findings.append(Finding(code, severity, subject, message))

    def render(self) -> str:
        verdict = "通过" if self.passed else "不通过"
        head = (
            f"{self.title}检查：{verdict}（错误 {len(self.errors)}，警告 {len(self.warnings)}）"
            f" — {self.dialect}，站点 {self.site or '默认'}"
        )
        lines = [head, *(f"  {f}" for f in self.findings)]
        if self.notes:
            lines.append("已检查：")
            lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    def summary(self) -> dict[str, object]:
        """Counts for XCom or a log line (never row contents)."""
        return {
            "passed": self.passed,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "codes": sorted(self.codes()),
        }
