"""The wire types every endpoint's models share: declared once, so that a date, a time or an amount looks the same
in every answer and in every request the city brain sends.

=====================  ==========================================================================================
``WireModel``          base of every model: attributes in snake_case (= the SQL's column aliases), wire names in
                       camelCase (``alias_generator=to_camel``); both accepted on input, camelCase on output
``DateParam``          a request date, exactly ``yyyy-MM-dd`` (nothing else is accepted: no timestamps, no ``/``)
``DateTimeText``       an answer time, written ``yyyy-MM-dd HH:mm:ss`` (Asia/Shanghai wall clock, as the HIS keeps it)
``DateText``           an answer date, written ``yyyy-MM-dd``
``Money``              an amount, written as a string with 2 decimals (``"12.50"``): no binary float on the wire
``Paging``             ``pageNo`` (from 1) and ``pageSize`` (default 50, at most 200) of a list endpoint
``DateRange``          ``startDate`` and ``endDate`` (inclusive); the executor binds them as ``:start_time`` (start
                       date 00:00) and ``:end_time`` (the day after the end date, 00:00)
``PII``                ``json_schema_extra`` of a personal field (name, ID number, phone, address): masked in the
                       journal, flagged in the docs
=====================  ==========================================================================================

Every field carries its Chinese name as ``description`` (a test checks it).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel

#: ``json_schema_extra`` of a field holding personal data
PII: dict[str, Any] = {"pii": True}
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CENT = Decimal("0.01")


class WireModel(BaseModel):
    """Snake-case attributes, camelCase on the wire; unknown keys ignored (the city brain may send more)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


def _request_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("日期格式须为 yyyy-MM-dd")
    return value


def _answer_time(value: Any) -> Any:
    # SQLite hands text() columns back as text: "2026-11-24 08:00:00.000000"
    if isinstance(value, str) and len(value) > 19 and value[19] == ".":
        return value[:19]
    return value


def _amount(value: Any) -> Any:
    if isinstance(value, float):  # SQLite's REAL: through its shortest text, not its binary expansion
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError("金额须为数字") from None
    return value


def _write_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _write_date(value: date) -> str:
    return value.strftime("%Y-%m-%d")


def _write_amount(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


DateParam = Annotated[
    date, BeforeValidator(_request_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _DATE.pattern, "examples": ["2026-11-24"]}),
]
DateTimeText = Annotated[
    datetime, BeforeValidator(_answer_time), PlainSerializer(_write_time, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$",
                    "examples": ["2026-11-24 08:30:00"]}),
]
DateText = Annotated[
    date, PlainSerializer(_write_date, return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-11-24"]}),
]
Money = Annotated[
    Decimal, BeforeValidator(_amount), PlainSerializer(_write_amount, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["12.50"]}),
]


class Paging(WireModel):
    """The page of a list endpoint (``data = {total, pageNo, pageSize, list}``)."""

    page_no: int = Field(1, ge=1, description="页码，从 1 开始")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE,
                           description=f"每页条数，默认 {DEFAULT_PAGE_SIZE}，最多 {MAX_PAGE_SIZE}")


class DateRange(WireModel):
    """A date range, both ends inclusive; its length is limited per endpoint (answer code 2002)."""

    start_date: DateParam = Field(description="开始日期 yyyy-MM-dd（含）")
    end_date: DateParam = Field(description="结束日期 yyyy-MM-dd（含）")

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end_date < self.start_date:
            raise ValueError("endDate 不能早于 startDate")
        return self
