"""Pydantic models of the CDC tables, derived from the declarations in :mod:`~hisbridge.platforms.cdc.tables`.

Nothing here is written per table: :func:`model_for` builds (once per process) a model whose fields are the
table's columns.

**Input** (what a feed's mapping hands over: the feed YAML's ``fields`` are snake_case column names):

* text: stripped; a blank string counts as "no value"; integers and ``Decimal`` are accepted (``3`` → ``"3"``),
  ``True/False`` → ``"1"/"0"``; ``varchar(n)`` allows at most *n* characters (as PostgreSQL's varchar counts);
* date-times: ``datetime``, ``date`` (midnight) or text (``2026-03-02 08:15:00``, ``…T08:15:00``, fractions,
  ``2026-03-02``, ``20260302081500``, ``20260302``); aware values are converted to Asia/Shanghai, seconds are
  the finest unit the wire carries;
* a coded column must hold a code of its set (a closed set lists every code; an open one checks the shape);
  when the row leaves a coded column's ``*_name`` empty, the code set's name is filled in;
* a required column (the key, and what public material marks NOT NULL / 必填) must have a value; the rest are
  optional — the national required-field matrix is not public;
* unknown fields are refused (a misspelt mapping cannot silently drop a column).

**Output**: ``model.model_dump(mode="json", exclude_none=True)`` *is* the wire body: camelCase keys of the
column names, date-times as ``yyyy-MM-dd HH:mm:ss``, columns without a value left out.

Reasons name the column and the rule; only code values are quoted (a national code is not personal data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hisbridge.platforms.cdc.codes import code_set
from hisbridge.platforms.cdc.tables import CdcTable, Col, table

SHANGHAI = ZoneInfo("Asia/Shanghai")
WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"
_TEXT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d%H%M%S", "%Y%m%d")


# ----------------------------------------------------------------------------------------------- value types


def _text(value: Any) -> Any:
    """Python values of a database row as text; blank → ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return value  # anything else is refused by the str type, naming the column


def _moment(value: Any) -> Any:
    """A date-time as the wire carries it: naive Asia/Shanghai, whole seconds."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if "." in text[19:20]:  # fractions of a second: the wire has none
            text = text[:19]
        for fmt in _TEXT_FORMATS:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise PydanticCustomError("datetime_text", "日期时间格式应为 yyyy-MM-dd HH:mm:ss")
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(SHANGHAI).replace(tzinfo=None)
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, time())
    return value


def _not_blank(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("required_empty", "必填项，不能为空")
    return value


Moment = Annotated[datetime, PlainSerializer(lambda v: v.strftime(WIRE_FORMAT), return_type=str, when_used="always")]


def _field(col: Col) -> tuple[Any, Any]:
    """The annotation and ``Field`` of one column."""
    extra: dict[str, Any] = {"column_type": col.type}
    if col.pii:
        extra["pii"] = True
    if col.parent:
        extra["parent"] = col.parent
    if col.kind == "timestamp":
        inner: Any = Moment
        before = BeforeValidator(_moment)
    else:
        metadata: list[Any] = [StringConstraints(max_length=col.length)] if col.length else []
        if col.codes:
            codes = code_set(col.codes)
            metadata.append(AfterValidator(codes.check))
            extra["codes"] = codes.name
            extra["enum" if codes.closed else "known"] = list(codes.codes)
            if codes.pattern:
                extra["code_pattern"] = codes.pattern
        inner = Annotated[str, *metadata] if metadata else str
        before = BeforeValidator(_text)
    if col.required:
        return (Annotated[inner, BeforeValidator(_not_blank), before],
                Field(alias=col.camel, description=col.title, json_schema_extra=extra))
    return (Annotated[inner | None, before],
            Field(None, alias=col.camel, description=col.title, json_schema_extra=extra))


# ----------------------------------------------------------------------------------------------------- models


class CdcRecord(BaseModel):
    """Base of every derived table model (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True,
                              serialize_by_alias=True, loc_by_alias=False)

    cdc_table: ClassVar[CdcTable]

    @model_validator(mode="before")
    @classmethod
    def _fill_names(cls, data: Any) -> Any:
        """A coded column's ``*_name`` left empty gets the code set's name for the code."""
        if not isinstance(data, Mapping):
            return data
        filled: dict[str, Any] | None = None
        for code_col, name_col in named_pairs(cls.cdc_table):
            code = data.get(code_col.name, data.get(code_col.camel))
            name = data.get(name_col.name, data.get(name_col.camel))
            code = _text(code)
            if not isinstance(code, str) or _text(name) is not None:
                continue
            known = code_set(code_col.codes or "").name_of(code)
            if known is not None:
                filled = dict(data) if filled is None else filled
                filled.pop(name_col.camel, None)
                filled[name_col.name] = known
        return data if filled is None else filled


@cache
def named_pairs(t: CdcTable) -> tuple[tuple[Col, Col], ...]:
    """(coded column, its name column) pairs: ``x_code`` with a code set and a sibling ``x_name``."""
    out = []
    for col in t.columns:
        if col.codes and col.name.endswith("_code") and t.has(col.name[:-5] + "_name"):
            out.append((col, t.column(col.name[:-5] + "_name")))
    return tuple(out)


@cache
def model_for(table_name: str) -> type[CdcRecord]:
    """The model of one declared table (built once per process)."""
    t = table(table_name)
    fields = {col.name: _field(col) for col in t.columns}
    model = create_model(t.model_name, __base__=CdcRecord, __module__=__name__,
                         __doc__=f"{t.title}（{t.name}）。{t.note}".rstrip("。") + "。", **fields)
    model.cdc_table = t
    return model


def to_wire(record: BaseModel) -> dict[str, Any]:
    """The JSON body the front-end receives."""
    return record.model_dump(mode="json", exclude_none=True)


def from_wire(table_name: str, body: Mapping[str, Any]) -> CdcRecord:
    """A wire body (camelCase keys) read back into its model (tests, the ledger's stored payloads)."""
    return model_for(table_name).model_validate(dict(body))


def db_row(t: CdcTable, body: Mapping[str, Any]) -> dict[str, Any]:
    """A validated wire body as a front-end database row: every column by its snake_case name (``None`` where
    the body has no value, so that a re-send replaces the whole row), date-times as ``datetime``."""
    row: dict[str, Any] = {}
    for col in t.columns:
        value = body.get(col.camel)
        if value is not None and col.kind == "timestamp" and isinstance(value, str):
            value = datetime.strptime(value, WIRE_FORMAT)
        row[col.name] = value
    return row


def pii_fields(t: CdcTable) -> tuple[str, ...]:
    """Columns that identify a person (their values are masked in logs)."""
    return tuple(c.name for c in t.columns if c.pii)


def wire_pii_values(t: CdcTable, bodies: Iterable[Mapping[str, Any]]) -> set[str]:
    """The personal values in wire bodies (to scrub them from a platform's words before they reach a log)."""
    keys = [c.camel for c in t.columns if c.pii]
    return {str(v) for body in bodies for k in keys if (v := body.get(k)) not in (None, "")}
