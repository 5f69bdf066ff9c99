"""What the API answers: its codes as data (``include/mappings/city_brain_answers.yaml``: HTTP status and Chinese
message per code) and :class:`ApiError`, the refusal any step may raise with the detail that names what is wrong.

=======  ======================================  ==================================================================
code     meaning                                 raised by
=======  ======================================  ==================================================================
0        成功                                    —
1001     缺少签名参数                             guard: a field of the envelope is missing or malformed
1002     签名错误                                 guard: wrong signature, or a signType the caller may not use
1003     时间戳超出允许范围                        guard: outside ± ``replay_window_s`` of our clock
1004     重复的请求                               guard: the nonce was seen within the window
1005     未知或已停用的 appId                      guard
1006     来源 IP 不在白名单                        guard: before anything else (and again for the caller's own list)
1007     请求过于频繁                             guard: the caller's token bucket is empty (HTTP 429, Retry-After)
2001     参数错误                                 the parameters (bizContent) do not fit the endpoint's model
2002     日期范围超过上限                          executor: endDate − startDate longer than the endpoint allows
2004     未找到                                   executor: a single-object endpoint found nothing
5000     系统内部错误                             anything unforeseen (HTTP 500)
5003     HIS 暂不可用                             executor: the HIS cannot be read (HTTP 503)
=======  ======================================  ==================================================================
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from hisbridge import MAPPINGS_DIR

ANSWERS_FILE = MAPPINGS_DIR / "city_brain_answers.yaml"

OK = "0"
MISSING_SIGN, BAD_SIGN, STALE, REPLAYED, UNKNOWN_APP, NOT_ALLOWED, TOO_MANY = (
    "1001", "1002", "1003", "1004", "1005", "1006", "1007")
BAD_PARAMS, RANGE_TOO_LONG, NOT_FOUND = "2001", "2002", "2004"
INTERNAL, HIS_DOWN = "5000", "5003"
CODES = (OK, MISSING_SIGN, BAD_SIGN, STALE, REPLAYED, UNKNOWN_APP, NOT_ALLOWED, TOO_MANY, BAD_PARAMS,
         RANGE_TOO_LONG, NOT_FOUND, INTERNAL, HIS_DOWN)
#: the codes the guard answers: the call was refused before anything was read
REFUSALS = frozenset({MISSING_SIGN, BAD_SIGN, STALE, REPLAYED, UNKNOWN_APP, NOT_ALLOWED, TOO_MANY})


class AnswerCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: int = Field(ge=200, le=599, description="HTTP 状态码")
    message: str = Field(min_length=1, description="中文含义")


class AnswerCodes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    codes: dict[str, AnswerCode]

    def status(self, code: str) -> int:
        return self.codes[code].status if code in self.codes else 500

    def message(self, code: str, detail: str | None = None) -> str:
        words = self.codes[code].message if code in self.codes else "系统内部错误"
        return f"{words}：{detail}" if detail else words


@cache
def load_answers(path: Path = ANSWERS_FILE) -> AnswerCodes:
    answers = AnswerCodes.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    missing = [c for c in CODES if c not in answers.codes]
    if missing:
        raise ValueError(f"{path.name}: codes {', '.join(missing)} are not declared")
    return answers


class ApiError(Exception):
    """A call answered with ``code`` (not 0); ``detail`` names what is wrong, in Chinese, without personal data.
    ``retry_after_s`` goes out as ``Retry-After`` (1007)."""

    def __init__(self, code: str, detail: str | None = None, *, retry_after_s: float | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail, self.retry_after_s = code, detail, retry_after_s
