"""The platform's refusal texts are read by meaning, from data (include/mappings/hsa_answers.yaml)."""

from __future__ import annotations

import pytest

from hisbridge.platforms.hsa.answers import AnswerMeanings, Meaning, load_meanings


@pytest.mark.parametrize(("words", "meaning"), [
    ("未查询到该批次的进销存信息", Meaning.NOT_FOUND),
    ("系统繁忙，请稍后再试", Meaning.TRY_LATER),
    ("请求超时", Meaning.TRY_LATER),
    ("Read timeout on backend", Meaning.TRY_LATER),
    ("该批次已对账，不允许删除", Meaning.REFUSED),
    ("追溯码已销售", Meaning.REFUSED),
    ("", Meaning.REFUSED),
    (None, Meaning.REFUSED),
])
def test_shipped_meanings(words, meaning) -> None:
    assert load_meanings().meaning(words) is meaning


def test_a_site_can_add_its_own_words(tmp_path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("not_found: [无该批次]\ntry_later: [排队中]\n", encoding="utf-8")
    meanings = load_meanings(path)
    assert meanings.meaning("删除失败：无该批次") is Meaning.NOT_FOUND
    assert meanings.meaning("交易排队中") is Meaning.TRY_LATER
    assert meanings.meaning("未查询到") is Meaning.REFUSED  # only what the site's file says


def test_not_found_wins_over_try_later_when_both_appear() -> None:
    meanings = AnswerMeanings(not_found=("未查询到",), try_later=("稍后",))
    assert meanings.meaning("未查询到，请稍后再试") is Meaning.NOT_FOUND
