"""What the 医保 platform's refusal texts mean, from ``include/mappings/hsa_answers.yaml`` (data, not code).

The platform answers a refusal with ``infcode != 0`` and words (``err_msg``), or ``retRslt 0`` and words
(``msgRslt``); the codes do not say *why*. Two meanings change what hisbridge does: "nothing found" (a 3507
with nothing to delete succeeded in effect) and "try later" (busy / timed out on the platform's side: retry, do
not reject). Everything else is a business refusal.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from hisbridge import MAPPINGS_DIR

ANSWERS_FILE = MAPPINGS_DIR / "hsa_answers.yaml"


class Meaning(StrEnum):
    NOT_FOUND = "not_found"
    TRY_LATER = "try_later"
    REFUSED = "refused"


class AnswerMeanings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    not_found: tuple[str, ...] = Field(description="substrings meaning: nothing to act on")
    try_later: tuple[str, ...] = Field(description="substrings meaning: busy or timed out, retry later")

    def meaning(self, words: str | None) -> Meaning:
        text = (words or "").lower()
        if any(w.lower() in text for w in self.not_found):
            return Meaning.NOT_FOUND
        if any(w.lower() in text for w in self.try_later):
            return Meaning.TRY_LATER
        return Meaning.REFUSED


@cache
def load_meanings(path: Path = ANSWERS_FILE) -> AnswerMeanings:
    return AnswerMeanings.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
