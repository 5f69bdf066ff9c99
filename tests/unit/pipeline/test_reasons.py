"""Quarantine reasons in Chinese (hisbridge.ops.reasons): which field — its Chinese name and wire name —, what was
wrong, what to do; never the value. The same translation answers the city brain's 2001 by wire name."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from hisbridge.ops.reasons import brief, problems, quarantine_reasons
from hisbridge.pipeline.validate import model_errors
from hisbridge.platforms.hsa.models import Sale

SECRET_VALUE = "36010219800101001X"


class Code(BaseModel):
    drug_trac_codg: str = Field(max_length=20, pattern=r"^\d{20}$", description="药品追溯码")


class Body(BaseModel):
    model_config = {"extra": "forbid"}

    name: str = Field(max_length=5, description="药品名称")
    memo: Annotated[str, BeforeValidator(lambda v: v), Field(max_length=5)] | None = Field(None, description="备注")
    price: Decimal = Field(max_digits=6, decimal_places=2, description="单价（元）")
    count: int = Field(gt=0, le=99, description="数量")
    flag: Literal["0", "1"] = Field(description="拆零标志")
    day: date = Field(description="生产日期")
    at: datetime = Field(description="销售时间")
    codes: list[Code] = Field(max_length=2, description="溯源码节点信息")
    cert: str = Field(alias="certNo", description="证件号码")

    @field_validator("cert")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not value[:17].isdigit():
            raise ValueError("证件号码前 17 位须为数字")
        return value


GOOD = {"name": "阿莫西林", "price": "12.50", "count": 2, "flag": "0", "day": "2026-01-01",
        "at": "2026-11-24 09:30:00", "codes": [{"drug_trac_codg": "8" * 20}], "certNo": "360102198001010012"}


def reasons(**change) -> list[str]:
    row = {**GOOD, **change}
    for key in [k for k, v in change.items() if v is ...]:
        del row[key]
    with pytest.raises(ValidationError) as caught:
        Body.model_validate(row)
    return quarantine_reasons(caught.value, Body)


@pytest.mark.parametrize(("change", "reason"), [
    ({"name": "阿莫西林胶囊剂"}, "药品名称（name）：不能超过 5 个字符，请在 HIS 中更正"),
    ({"name": ...}, "药品名称（name）：必填项没有值，请在 HIS 中补录"),
    ({"name": None}, "药品名称（name）：必填项没有值，请在 HIS 中补录"),
    ({"memo": "很长的备注内容"}, "备注（memo）：不能超过 5 个字符（本条 7 个字符），请在 HIS 中更正"),
    ({"price": "12,50"}, "单价（price）：须为数字，请在 HIS 中更正"),
    ({"price": "12.505"}, "单价（price）：小数不能超过 2 位，请在 HIS 中更正"),
    ({"price": "123456.5"}, "单价（price）：数字总位数不能超过 6 位，请在 HIS 中更正"),
    ({"count": 0}, "数量（count）：须大于 0，请在 HIS 中更正"),
    ({"count": 100}, "数量（count）：不能大于 99，请在 HIS 中更正"),
    ({"count": "两盒"}, "数量（count）：须为整数，请在 HIS 中更正"),
    ({"flag": "Y"}, "拆零标志（flag）：取值不在允许范围内（可用：0、1），请在 HIS 中更正，或核对接口的代码对照（include/mappings）"),
    ({"day": "2026/01/01"}, "生产日期（day）：日期格式须为 yyyy-MM-dd，请在 HIS 中更正"),
    ({"at": "24/11/2026 9:30"}, "销售时间（at）：日期时间格式须为 yyyy-MM-dd HH:mm:ss，请在 HIS 中更正"),
    ({"codes": [{"drug_trac_codg": "8" * 20}] * 3},
     "溯源码节点信息（codes）：不能超过 2 项（本条 3 项），请核对 HIS 明细是否重复；确需超过上限时联系数据工程师分批上报"),
    ({"codes": [{"drug_trac_codg": "8" * 20}, {"drug_trac_codg": "123"}]},
     "溯源码节点信息第2项·药品追溯码（codes[1].drug_trac_codg）：格式不符（应匹配 ^\\d{20}$），请在 HIS 中更正"),
    ({"certNo": "X" * 18}, "证件号码（certNo）：证件号码前 17 位须为数字，请在 HIS 中更正"),
    ({"bogus": 1}, "bogus：不是平台接口定义的字段，接口映射与平台模型不符，请联系数据工程师核对 include/mappings"),
])
def test_each_kind_of_error_says_field_problem_and_fix_in_chinese(change: dict, reason: str) -> None:
    assert reasons(**change) == [reason]


def test_no_reason_quotes_the_value() -> None:
    found = reasons(name=SECRET_VALUE, certNo="X" + SECRET_VALUE, memo=SECRET_VALUE, count=SECRET_VALUE)
    assert len(found) == 4
    assert not any(SECRET_VALUE in r or "X360" in r for r in found)
    assert not any("should" in r or "Input" in r or "Value" in r for r in found)  # no pydantic English left


def test_without_the_model_fields_are_named_by_their_wire_path() -> None:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate({**GOOD, "codes": [{"drug_trac_codg": "1" * 19 + "X"}]})
    assert model_errors(caught.value) == ["codes[0].drug_trac_codg：格式不符（应匹配 ^\\d{20}$），请在 HIS 中更正"]


def test_a_hsa_body_with_a_blank_required_field_still_says_the_other_limits() -> None:
    """The 医保 models re-raise every error without its context when a required field is blank: the limit is
    read back from pydantic's message."""
    row = {"med_list_codg": "X" * 51, "fixmedins_hilist_id": "  ", "sel_retn_cnt": "abc"}
    with pytest.raises(ValidationError) as caught:
        Sale.model_validate(row)
    found = {p.field: p.for_operator() for p in problems(caught.value, Sale)}
    assert found["fixmedins_hilist_id"] == "定点医药机构目录编号（fixmedins_hilist_id）：必填项为空，请在 HIS 中补录"
    assert found["med_list_codg"] == "医疗目录编码（med_list_codg）：不能超过 50 个字符，请在 HIS 中更正"
    assert found["sel_retn_cnt"] == "销售/退货数量（sel_retn_cnt）：须为数字，请在 HIS 中更正"


class Settled(BaseModel):
    setl_type: str = Field(description="就医结算类型")
    setl_id: str | None = Field(None, description="结算ID")

    @model_validator(mode="after")
    def _setl_id_for_insured(self) -> Settled:
        if self.setl_type == "1" and not self.setl_id:
            raise PydanticCustomError("setl_id_required", "setl_id is required when setl_type is 1 (医保病人必填)")
        return self


def test_a_models_own_chinese_error_keeps_its_words_and_a_whole_record_error_says_so() -> None:
    with pytest.raises(ValidationError) as caught:
        Settled.model_validate({"setl_type": "1"})
    assert quarantine_reasons(caught.value, Settled) == [
        "整条记录：setl_id is required when setl_type is 1 (医保病人必填)，请在 HIS 中更正"]


def test_an_unknown_english_error_is_not_passed_through() -> None:
    with pytest.raises(ValidationError) as caught:
        Settled.model_validate({"setl_type": "2", "setl_id": object()})
    [reason] = quarantine_reasons(caught.value, Settled)
    assert reason.startswith("结算ID（setl_id）：") and "Input should" not in reason


def test_the_callers_brief_names_wire_fields_and_stops_at_five() -> None:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate({"count": 0, "day": "x", "flag": "Y"})
    text = brief(caught.value)
    assert text.split("；")[:3] == ["name 缺少", "price 缺少", "count 须大于 0"]
    assert len(text.split("；")) == 5


def test_a_length_error_re_raised_without_its_context_still_tells_items_from_characters() -> None:
    """The issue's "Value should have at most 500 items": a string's limit reported as items."""
    from pydantic_core import InitErrorDetails

    def reraised(msg: str) -> ValidationError:
        return ValidationError.from_exception_data("Body", [InitErrorDetails(
            type=PydanticCustomError("too_long", msg), loc=("memo",), input=None)])

    text = quarantine_reasons(reraised("Value should have at most 500 items after validation, not 612"), Body)
    assert text == ["备注（memo）：不能超过 500 个字符，请在 HIS 中更正"]
    listed = quarantine_reasons(reraised("List should have at most 2 items after validation, not 3"), Body)
    assert listed[0].startswith("备注（memo）：不能超过 2 项，")
