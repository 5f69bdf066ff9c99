"""Pydantic validation errors in Chinese, for the people who act on them.

Two readers, one translation:

* **operators** reading a quarantined record (:func:`quarantine_reasons`, used by
  :func:`hisbridge.pipeline.validate.model_errors`): which field — its Chinese name from the model's
  ``description`` and its wire name —, what was wrong, and what to do about it, e.g.
  ``药品追溯码（drugtracinfo[0].drug_trac_codg）：不能超过 100 个字符，请在 HIS 中更正``;
* **a platform calling us** (the city-brain API's 2001 answer, :func:`brief`): the wire name and what was wrong,
  ``startDate 日期格式须为 yyyy-MM-dd``.

Pydantic's own text is English and, through ``str(exc)``, echoes the input — which may be a patient's ID number.
Here only the error's type, location and context (limits, allowed values, patterns) are used, never the input.
Errors a model raises itself (``PydanticCustomError`` with Chinese words, a ``ValueError`` in a validator) keep
their own words. Models that re-raise errors without their context (the 医保 bodies do when a required field is
blank) still get their limits: they are read back from pydantic's message.

Pure functions of pydantic data: no Airflow, no database (the pipeline and the served APIs both import this).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

#: what to do, by kind of problem (the operator's next step; the ledger page explains re-queueing)
FIX_DATA = "请在 HIS 中更正"
FIX_MISSING = "请在 HIS 中补录"
FIX_CODE = "请在 HIS 中更正，或核对接口的代码对照（include/mappings）"
FIX_MAPPING = "接口映射与平台模型不符，请联系数据工程师核对 include/mappings"
FIX_LIST = "请核对 HIS 明细是否重复；确需超过上限时联系数据工程师分批上报"

DATE, DATETIME = "yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss"

# type → (what was wrong, what to do); words with {placeholders} take the error's context
_KINDS: dict[str, tuple[str, str]] = {
    "missing": ("缺少", FIX_MISSING),
    "required_empty": ("必填项为空", FIX_MISSING),
    "string_type": ("须为文本", FIX_MAPPING),
    "string_too_long": ("不能超过 {max_length} 个字符", FIX_DATA),
    "string_too_short": ("不能少于 {min_length} 个字符", FIX_DATA),
    "string_pattern_mismatch": ("格式不符", FIX_DATA),
    "too_long": ("不能超过 {max_length} 项", FIX_LIST),  # a list; a string's is told apart in _words
    "too_short": ("至少须有 {min_length} 项", FIX_MISSING),
    "int_type": ("须为整数", FIX_DATA),
    "int_parsing": ("须为整数", FIX_DATA),
    "int_from_float": ("须为整数", FIX_DATA),
    "float_type": ("须为数字", FIX_DATA),
    "float_parsing": ("须为数字", FIX_DATA),
    "decimal_type": ("须为数字", FIX_DATA),
    "decimal_parsing": ("须为数字", FIX_DATA),
    "decimal_max_digits": ("数字总位数不能超过 {max_digits} 位", FIX_DATA),
    "decimal_max_places": ("小数不能超过 {decimal_places} 位", FIX_DATA),
    "decimal_whole_digits": ("整数部分不能超过 {whole_digits} 位", FIX_DATA),
    "finite_number": ("须为有限的数字", FIX_DATA),
    "bool_type": ("须为布尔值", FIX_DATA),
    "bool_parsing": ("须为布尔值", FIX_DATA),
    "literal_error": ("取值不在允许范围内", FIX_CODE),
    "enum": ("取值不在允许范围内", FIX_CODE),
    "date_type": (f"日期格式须为 {DATE}", FIX_DATA),
    "date_parsing": (f"日期格式须为 {DATE}", FIX_DATA),
    "date_from_datetime_parsing": (f"日期格式须为 {DATE}", FIX_DATA),
    "date_from_datetime_inexact": (f"日期格式须为 {DATE}", FIX_DATA),
    "datetime_type": (f"日期时间格式须为 {DATETIME}", FIX_DATA),
    "datetime_parsing": (f"日期时间格式须为 {DATETIME}", FIX_DATA),
    "datetime_from_date_parsing": (f"日期时间格式须为 {DATETIME}", FIX_DATA),
    "datetime_object_invalid": (f"日期时间格式须为 {DATETIME}", FIX_DATA),
    "time_type": ("时间格式须为 HH:mm:ss", FIX_DATA),
    "time_parsing": ("时间格式须为 HH:mm:ss", FIX_DATA),
    "greater_than": ("须大于 {gt}", FIX_DATA),
    "greater_than_equal": ("不能小于 {ge}", FIX_DATA),
    "less_than": ("须小于 {lt}", FIX_DATA),
    "less_than_equal": ("不能大于 {le}", FIX_DATA),
    "multiple_of": ("须为 {multiple_of} 的整数倍", FIX_DATA),
    "list_type": ("须为数组", FIX_MAPPING),
    "tuple_type": ("须为数组", FIX_MAPPING),
    "set_type": ("须为数组", FIX_MAPPING),
    "dict_type": ("须为对象", FIX_MAPPING),
    "model_type": ("须为对象", FIX_MAPPING),
    "model_attributes_type": ("须为对象", FIX_MAPPING),
    "extra_forbidden": ("不是平台接口定义的字段", FIX_MAPPING),
    "none_required": ("须为空", FIX_MAPPING),
    "union_tag_invalid": ("取值不在允许范围内", FIX_CODE),
    "uuid_parsing": ("须为 UUID", FIX_DATA),
    "url_parsing": ("须为网址", FIX_DATA),
}
#: the context key each placeholder reads, and where pydantic's English message says the same number
_COLLECTIONS = ("List", "Tuple", "Set", "Frozenset", "Dictionary", "Dict")
#: where an operator needs fuller words than a calling system
_OPERATOR_WORDS = {"missing": "必填项没有值"}
_FROM_MESSAGE = re.compile(r"(-?\d+(?:\.\d+)?)")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Problem:
    """One validation error, in words.

    ``where`` is the wire path (``drugtracinfo[0].drug_trac_codg``; empty for the whole record), ``field`` its
    first step (the top-level field), ``label`` the Chinese names along the path (empty when the model has none),
    ``words`` what was wrong, ``detail`` more of it (allowed values, a pattern) and ``fix`` what to do."""

    kind: str
    where: str
    field: str
    label: str
    words: str
    detail: str = ""
    fix: str = FIX_DATA

    @property
    def subject(self) -> str:
        """The field as an operator reads it: ``药品追溯码（drug_trac_codg）``, or the wire name alone."""
        if not self.where:
            return "整条记录"
        return f"{self.label}（{self.where}）" if self.label else self.where

    def for_operator(self) -> str:
        """``subject：what was wrong（detail），what to do`` — a quarantine reason."""
        detail = f"（{self.detail}）" if self.detail else ""
        return f"{self.subject}：{_OPERATOR_WORDS.get(self.kind, self.words)}{detail}，{self.fix}"

    def for_caller(self) -> str:
        """``where words`` — an answer to a system calling us (it knows the wire names, not our Chinese ones)."""
        return f"{self.where} {self.words}" if self.where else self.words


def problems(exc: ValidationError, model: type[BaseModel] | None = None) -> list[Problem]:
    """Every error of ``exc`` as a :class:`Problem`; with ``model`` (the class validated), fields are named by
    their Chinese ``description`` too."""
    # the input is looked at only to tell "no value" from "a value of the wrong type"; it is never kept
    return [_problem(_no_value(e), model) for e in exc.errors(include_url=False)]


def quarantine_reasons(exc: ValidationError, model: type[BaseModel] | None = None) -> list[str]:
    """One reason per error, for a quarantined record (see :meth:`Problem.for_operator`)."""
    return [p.for_operator() for p in problems(exc, model)]


def brief(exc: ValidationError, limit: int = 5) -> str:
    """The first ``limit`` problems for a caller, ``；``-separated (see :meth:`Problem.for_caller`)."""
    return "；".join(p.for_caller() for p in problems(exc)[:limit])


def _no_value(error: Mapping[str, Any]) -> dict[str, Any]:
    """The error without its input; a type error on ``None`` (a blank column) becomes ``missing``."""
    out = {k: v for k, v in error.items() if k != "input"}
    if "input" in error and error["input"] is None and str(error["type"]).endswith("_type"):
        out["type"] = "missing"
    return out


# -- one error -----------------------------------------------------------------------------------------------
def _problem(error: Mapping[str, Any], model: type[BaseModel] | None) -> Problem:
    loc = tuple(error.get("loc") or ())
    where, label = _path(model, loc)
    kind, ctx, msg = error["type"], dict(error.get("ctx") or {}), str(error.get("msg", ""))
    words, fix, detail = _words(kind, ctx, msg)
    first = next((str(p) for p in loc if isinstance(p, str)), "")
    return Problem(kind=kind, where=where, field=first, label=label, words=words, detail=detail, fix=fix)


def _words(kind: str, ctx: dict[str, Any], msg: str) -> tuple[str, str, str]:
    """(what was wrong, what to do, detail) for one error type."""
    if kind in ("value_error", "assertion_error"):
        # a validator's own words (ours are Chinese); pydantic prefixes them with "Value error, "
        text = str(ctx.get("error") or msg).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return text, FIX_DATA, ""
    # pydantic names what had the length (List, Value …): in the context, or first in its message when a model
    # re-raised the error without the context
    if kind in ("too_long", "too_short") and (ctx.get("field_type") or msg.split(" ")[0]) not in _COLLECTIONS:
        # a length constraint pydantic applied after a validator to a string: "Value should have at most N items"
        limit = _fill("{max_length}" if kind == "too_long" else "{min_length}", ctx, msg)
        actual = ctx.get("actual_length")
        detail = f"本条 {actual} 个字符" if actual is not None else ""
        return f"不能{'超过' if kind == 'too_long' else '少于'} {limit} 个字符", FIX_DATA, detail
    if kind in _KINDS:
        template, fix = _KINDS[kind]
        words = _fill(template, ctx, msg)
        detail = ""
        if kind == "literal_error" and ctx.get("expected"):
            detail = f"可用：{_expected(str(ctx['expected']))}"
        elif kind == "enum" and ctx.get("expected"):
            detail = f"可用：{_expected(str(ctx['expected']))}"
        elif kind == "string_pattern_mismatch" and ctx.get("pattern"):
            detail = f"应匹配 {ctx['pattern']}"
        elif kind == "too_long" and ctx.get("actual_length") is not None:
            detail = f"本条 {ctx['actual_length']} 项"
        return words, fix, detail
    if _CJK.search(msg):  # a model's own PydanticCustomError, already in Chinese
        return msg, FIX_DATA, ""
    return f"不符合平台接口定义（{kind}）", FIX_MAPPING, ""


def _fill(template: str, ctx: dict[str, Any], msg: str) -> str:
    """``template`` with the error's limits; from pydantic's message when a model dropped the context."""
    names = re.findall(r"{(\w+)}", template)
    if not names:
        return template
    values = {n: ctx[n] for n in names if n in ctx}
    if len(values) < len(names):
        numbers = _FROM_MESSAGE.findall(msg)
        for n in names:
            values.setdefault(n, numbers[0] if numbers else "?")
    return template.format(**{n: _plain(v) for n, v in values.items()})


def _plain(value: Any) -> str:
    text = str(value)
    return text[:-2] if text.endswith(".0") else text


def _expected(text: str) -> str:
    """pydantic's ``'1', '2' or '3'`` as ``1、2、3``."""
    parts = re.split(r", | or ", text)
    return "、".join(p.strip().strip("'\"") for p in parts if p.strip())


# -- naming a field ------------------------------------------------------------------------------------------
def _path(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> tuple[str, str]:
    """The wire path of ``loc`` and the Chinese names along it (``溯源码节点信息第1项·药品追溯码``)."""
    wire: list[str] = []
    names: list[str] = []
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            if wire:
                wire[-1] += f"[{part}]"
            if names:
                names[-1] += f"第{part + 1}项"
            current = _item_type(current)
            continue
        name = str(part)
        fields = _fields(current)
        if fields is None:
            if current is None and not names:  # no model to consult: the location as pydantic gives it
                wire.append(name)
            continue  # a union member's or a validator's tag, not a field
        info, key = _field(fields, name)
        if info is None:
            wire.append(name)  # an extra field, or a key of a dict
            current = None
            continue
        wire.append(name)
        described = _name_of(info.description)
        if described and described != key and described != name:
            names.append(described)
        current = info.annotation
    return ".".join(wire), "·".join(names)


def _name_of(description: str | None) -> str:
    """A field's Chinese name: its description up to any remark (``医疗机构代码（9 位）`` → ``医疗机构代码``)."""
    text = (description or "").strip()
    head = re.split(r"[（(，,。；;：:\n]", text, maxsplit=1)[0].strip()
    return head if len(head) >= 2 else text


def _fields(tp: Any) -> dict[str, Any] | None:
    """The ``model_fields`` of ``tp`` when it is (or wraps exactly one) pydantic model."""
    model = _model_in(tp)
    return dict(model.model_fields) if model is not None else None


def _field(fields: dict[str, Any], name: str) -> tuple[Any, str]:
    if name in fields:
        return fields[name], name
    for key, info in fields.items():
        if name in (info.alias, info.validation_alias if isinstance(info.validation_alias, str) else None):
            return info, key
    return None, name


def _model_in(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    inner = [m for a in _unwrap(tp) if (m := _model_in(a)) is not None] if _is_wrapper(tp) else []
    return inner[0] if len(inner) == 1 else None


def _item_type(tp: Any) -> Any:
    """The element type of ``list[X]`` (through ``Optional`` and ``Annotated``); ``None`` for anything else."""
    if get_origin(tp) in (list, tuple, set, frozenset):
        args = get_args(tp)
        return args[0] if args else None
    if _is_wrapper(tp):
        found = [x for a in _unwrap(tp) if (x := _item_type(a)) is not None]
        return found[0] if len(found) == 1 else None
    return None


def _is_wrapper(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType, Annotated)


def _unwrap(tp: Any) -> Iterable[Any]:
    args = get_args(tp)
    if get_origin(tp) is Annotated:
        return args[:1]
    return [a for a in args if a is not type(None)]
