"""Reusable field types of the 互认 platform's bodies, and the base classes every body and answer model shares.

Constraints live on these named types, never in comments (botocore's lesson): a code is at most 50 characters,
a name 100, a text 4000, a ``BusinessNo`` 64 without blanks; closed code sets are ``Literal``\\ s built from the
data in :mod:`~hisbridge.platforms.mutual.codes`.

**Input** (values usually come straight from a database row):

* text is stripped; blank text and ``None`` count as "no value": a required field without one is missing, an
  optional one is left out of the wire body (never sent as ``null``);
* numbers are accepted for text and code fields (``1`` → ``"1"``, ``Decimal("5.60")`` → ``"5.60"``, ``5.6`` →
  ``"5.6"``), booleans for flags (→ ``"1"`` / ``"0"``);
* ``Date`` accepts ``date``, ``datetime`` and text (``2026-03-02``, ``20260302``, ``2026-03-02 08:15:00``);
  ``DateTime`` accepts ``datetime``, ``date`` (midnight) and text (``2026-03-02 08:15:00``, ``…T08:15:00``,
  fractions, ``20260302081500``). Aware values are converted to Asia/Shanghai; the wire has whole seconds.

**Output**: ``model.model_dump(mode="json")`` *is* the wire body: dates ``yyyy-MM-dd``, date-times ``yyyy-MM-dd
HH:mm:ss`` (local time, no zone), fields without a value left out.

Validation errors name the field and the rule, never the value (it may be a patient's ID number).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


# -- conversions of database values ------------------------------------------------------------------------------


def as_text(value: object) -> object:
    """Numbers from numeric columns become text; anything else is left to the type to judge."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return str(int(value)) if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)  # the shortest text that reads back as the same number (a result as the DB keeps it)
    return value


def _local(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(SHANGHAI).replace(tzinfo=None)
    return value


def _date_in(value: object) -> object:
    if isinstance(value, datetime):
        return _local(value).date()
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 8 and text.isdigit():
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        if len(text) >= 10 and text[10:11] in ("", " ", "T"):
            try:
                return date.fromisoformat(text[:10])
            except ValueError:
                return value
    return value


def _datetime_in(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 14 and text.isdigit():
            text = f"{text[:4]}-{text[4:6]}-{text[6:8]} {text[8:10]}:{text[10:12]}:{text[12:]}"
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return value
    return value


def _datetime_norm(value: datetime) -> datetime:
    return _local(value).replace(microsecond=0)


# -- the named types -----------------------------------------------------------------------------------------------

_AS_TEXT = BeforeValidator(as_text)


def text_type(max_length: int, *, pattern: str | None = None) -> Any:
    """Text of at most ``max_length`` characters (numbers from the database accepted as text)."""
    # the conversion after the constraints: it still runs first, and the JSON schema (the docs) keeps the pattern
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length, pattern=pattern), _AS_TEXT]


def code_type(codes: Mapping[str, str]) -> Any:
    """One code of a closed code set (the set's codes, in order, as a ``Literal``)."""
    return Annotated[Literal[tuple(codes)], _AS_TEXT]  # type: ignore[valid-type]


#: 代码（≤ 50）
Code = text_type(50)
#: 名称（≤ 100）
Name = text_type(100)
#: 文本（≤ 4000）
Text = text_type(4000)
#: 业务流水号: the HIS primary key, unique per org and data set (≤ 64, no blanks)
BusinessKey = text_type(64, pattern=r"^\S+$")
#: a GUID the hospital makes for a record upload (the platform dedupes by it): 32 hex digits, hyphens allowed
Guid = text_type(36, pattern=r"^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}$")
#: 标志 ``0`` 否 / ``1`` 是
Flag = Annotated[Literal["0", "1"], _AS_TEXT]

#: 日期 ``yyyy-MM-dd``
Date = Annotated[
    date,
    BeforeValidator(_date_in),
    PlainSerializer(lambda d: d.strftime(DATE_FORMAT), return_type=str, when_used="json"),
]
#: 日期时间 ``yyyy-MM-dd HH:mm:ss`` (Asia/Shanghai local time, no zone on the wire)
DateTime = Annotated[
    datetime,
    BeforeValidator(_datetime_in),
    AfterValidator(_datetime_norm),
    PlainSerializer(lambda d: d.strftime(DATETIME_FORMAT), return_type=str, when_used="json"),
]


def new_guid() -> str:
    return str(uuid.uuid4())


def field(description: str, default: Any = ..., *, pii: bool = False, **kwargs: Any) -> Any:
    """A field with its Chinese name; ``default=...`` (the default) means required. ``pii`` flags a value that
    identifies a patient: masking and the sender's personal fields derive from the flag."""
    extra = {"pii": True} if pii else None
    return Field(default, description=description, json_schema_extra=extra, **kwargs)


# -- bases ---------------------------------------------------------------------------------------------------------


class MutualBody(BaseModel):
    """Base of every body we send: blank means missing, unknown keys are refused (a misspelt mapping must not
    silently drop a field), a coded field's empty ``…Name`` is filled from its code set."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    #: code field → (its name field, the code set): the name is filled in when the row leaves it empty
    named_codes: ClassVar[Mapping[str, tuple[str, Mapping[str, str]]]] = {}

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        clean: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
            if value is None:
                continue
            clean[key] = value
        for code_field, (name_field, codes) in cls.named_codes.items():
            code = as_text(clean.get(code_field))
            if name_field not in clean and isinstance(code, str) and code in codes:
                clean[name_field] = codes[code]
        return clean

    def wire(self) -> dict[str, Any]:
        """The JSON body the platform receives."""
        return self.model_dump(mode="json", exclude_none=True)


class MutualAnswer(BaseModel):
    """Base of what the platform answers: lenient (fields it adds are ignored, numbers accepted as text), so that
    a richer platform than the analogue does not break a doctor's reminder."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)


#: text in an answer (numbers the platform sends as JSON numbers accepted)
AnswerText = Annotated[str | None, _AS_TEXT]
#: required text in an answer (an id)
AnswerId = Annotated[str, _AS_TEXT]


def pii_fields(model: type[BaseModel] | BaseModel) -> tuple[str, ...]:
    """Wire names of the fields flagged as personal data, in declaration order."""
    fields = type(model).model_fields if isinstance(model, BaseModel) else model.model_fields
    return tuple(name for name, info in fields.items()
                 if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("pii"))


def wire_pii_values(model: type[BaseModel], rows: Any) -> set[str]:
    """The personal values in wire rows of ``model`` (to scrub them from the platform's words before a log)."""
    keys = pii_fields(model)
    return {str(v) for row in rows if isinstance(row, Mapping) for k in keys if (v := row.get(k)) not in (None, "")}
