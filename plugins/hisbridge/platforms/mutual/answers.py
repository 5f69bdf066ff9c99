"""The platform's answers: the envelope ``{"code", "msg", "request_id", "data"}`` read into a :class:`Reply`, what
each code means (``include/mappings/mutual_answers.yaml``: data, sites add codes there), and the typed results
of an upload (:class:`UploadAnswer`) and of a withdrawal (:class:`DeleteAnswer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, Field

from hisbridge import MAPPINGS_DIR
from hisbridge.platforms.mutual.errors import Exchange, Failure

ANSWERS_FILE = MAPPINGS_DIR / "mutual_answers.yaml"
SUCCESS = "00000"


class AnswerClass(StrEnum):
    """What an answer code means to hisbridge (the YAML's ``class``)."""

    OK = "ok"
    REFUSED = "refused"
    MISCONFIGURED = "misconfigured"
    NOT_FOUND = "not_found"
    BUSY = "busy"
    UNKNOWN = "unknown"


class AnswerCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    answer_class: AnswerClass = Field(alias="class", description="what hisbridge does with it")
    title: str = Field(description="中文含义")


class AnswerCodes(BaseModel):
    """The answer codes a site's platform uses and their classes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    codes: dict[str, AnswerCode]
    otherwise: AnswerClass = AnswerClass.REFUSED

    def classify(self, code: str | None) -> AnswerClass:
        known = self.codes.get(str(code)) if code is not None else None
        return known.answer_class if known else self.otherwise

    def title(self, code: str) -> str | None:
        known = self.codes.get(code)
        return known.title if known else None


@cache
def load_answer_codes(path: Path = ANSWERS_FILE) -> AnswerCodes:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    codes = AnswerCodes.model_validate(data)
    ok = [c for c, a in codes.codes.items() if a.answer_class is AnswerClass.OK]
    if not ok:
        raise ValueError(f"{path.name}: no code has class ok (the platform's success code, {SUCCESS})")
    return codes


@dataclass(frozen=True)
class Reply:
    """The platform's answer envelope."""

    code: str
    msg: str
    request_id: str | None
    data: Any


def read_reply(text: str | None) -> Reply | None:
    """The envelope, or ``None`` when the text is not one (HTML of a proxy, an empty body, JSON without code)."""
    try:
        raw = orjson.loads(text or "")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(raw, dict) or raw.get("code") in (None, "") or isinstance(raw.get("code"), dict | list):
        return None
    words = raw.get("msg", raw.get("message"))
    request_id = raw.get("request_id", raw.get("requestId"))
    return Reply(code=str(raw["code"]), msg="" if words is None else str(words),
                 request_id=None if request_id in (None, "") else str(request_id), data=raw.get("data"))


@dataclass(frozen=True)
class UploadAnswer:
    """A data upload the platform took: rows not in ``failed`` are accepted (upserted by BusinessNo)."""

    exchange: Exchange
    accepted: int
    #: BusinessNo → why the platform refused that row
    failed: Mapping[str, Failure]
    code: str = SUCCESS
    msg: str = ""

    @property
    def request_id(self) -> str | None:
        return self.exchange.request_id


@dataclass(frozen=True)
class DeleteAnswer:
    """A withdrawal the platform answered: what it deleted and, per BusinessNo, what it did not (``A0404`` when
    it held nothing of that name)."""

    exchange: Exchange
    deleted: list[str]
    failed: Mapping[str, Failure]
    code: str = SUCCESS
    msg: str = ""
