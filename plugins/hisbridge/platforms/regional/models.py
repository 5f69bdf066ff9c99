"""Row models of the 前置库 tables, built from the column declarations of ``regional_datasets.yaml``.

**Input** (a feed's mapped values, as the HIS returns them): text is stripped and a blank counts as no value,
numbers become text in a ``varchar`` column; ``datetime`` takes a ``datetime``, a ``date`` (midnight) or text
(``2026-11-24 08:15:00``, ``…T08:15:00``, ``2026-11-24``); ``date`` takes a ``date``, a ``datetime`` (its day) or
text; ``int`` takes an integer or its text. A ``key`` or ``required`` column must hold a value; ``varchar(n)``
allows at most *n* characters. Unknown fields are refused, so a misspelt mapping cannot silently drop a column.

**Output**: ``model_dump(mode="json", exclude_none=True)`` is the stored payload (date-times as
``yyyy-MM-dd HH:mm:ss``); :func:`db_row` turns it back into typed values for the 前置库.

Reasons name the column and the rule, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, create_model

from hisbridge.platforms.regional.datasets import ColumnDecl, Dataset

WIRE_DATETIME = "%Y-%m-%d %H:%M:%S"
_DATETIME_TEXT = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | Decimal):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    return value


def _moment(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        for fmt in _DATETIME_TEXT:
            try:
                return datetime.strptime(text[:19], fmt)
            except ValueError:
                continue
        return value  # refused by the type, naming the column
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


def _day(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        return date.fromisoformat(text[:10]) if text else None
    return value


def _whole(value: Any) -> Any:
    if isinstance(value, str):
        return int(value.strip()) if value.strip() else None
    if isinstance(value, Decimal):
        return int(value)
    return value


Moment = Annotated[datetime, BeforeValidator(_moment), PlainSerializer(lambda v: v.strftime(WIRE_DATETIME),
                                                                       return_type=str, when_used="json")]
Day = Annotated[date, BeforeValidator(_day)]
Whole = Annotated[int, BeforeValidator(_whole)]


def _annotation(c: ColumnDecl) -> Any:
    if c.kind == "varchar":
        return Annotated[str, BeforeValidator(_text), Field(max_length=c.length)]
    return {"datetime": Moment, "date": Day, "int": Whole}[c.kind]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@cache
def model_for(d: Dataset) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for c in d.columns:
        kind = _annotation(c)
        fields[c.name] = (kind, Field(description=c.name)) if c.required else (kind | None, None)
    return create_model(f"Regional_{d.name}", __base__=_Row, **fields)


def db_row(d: Dataset, body: Mapping[str, Any]) -> dict[str, Any]:
    """A stored payload as a 前置库 row: every declared column (``None`` where the body has none, so a re-send
    replaces the whole row), date-times and dates as Python values."""
    row: dict[str, Any] = {}
    for c in d.columns:
        value = body.get(c.name)
        if isinstance(value, str) and c.kind == "datetime":
            value = datetime.strptime(value, WIRE_DATETIME)
        elif isinstance(value, str) and c.kind == "date":
            value = date.fromisoformat(value)
        row[c.name] = value
    return row


def pii_columns(d: Dataset) -> tuple[str, ...]:
    return tuple(c.name for c in d.columns if c.pii)
