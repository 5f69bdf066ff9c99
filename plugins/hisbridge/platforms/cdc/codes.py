"""The CDC front-end's national code sets (``include/mappings/cdc_dictionaries.yaml``) as validators.

A coded column (``Col.codes``) names one set. A *closed* set refuses any value it does not list; an *open* set
(its full list is not public) only checks the value's shape (``pattern``) and lists the codes it knows, for
their names and the docs. Reasons quote the code (a national code is not personal data) and name the set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from hisbridge import MAPPINGS_DIR

DICTIONARIES_PATH = MAPPINGS_DIR / "cdc_dictionaries.yaml"


class CodeSet(BaseModel):
    """One code set: its codes and names, and whether other values are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str = Field(min_length=1, description="中文名称")
    standard: str = Field(min_length=1, description="where the codes come from")
    closed: bool
    pattern: str | None = None
    codes: Mapping[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> CodeSet:
        if self.closed and not self.codes:
            raise ValueError(f"code set {self.name}: a closed set lists its codes")
        if not self.closed and not self.pattern:
            raise ValueError(f"code set {self.name}: an open set needs a pattern")
        if self.pattern:
            shape = re.compile(self.pattern)
            bad = [c for c in self.codes if not shape.fullmatch(c)]
            if bad:
                raise ValueError(f"code set {self.name}: codes {bad} do not match its own pattern")
        return self

    @property
    def label(self) -> str:
        return f"{self.title}（{self.standard}）"

    def name_of(self, code: str) -> str | None:
        return self.codes.get(code)

    def check(self, code: str) -> str:
        """``code`` if the set admits it, else a pydantic error whose message names the set."""
        if self.closed:
            if code not in self.codes:
                raise PydanticCustomError(
                    "code_set", "{code} 不是{label}的代码；可用：{allowed}",
                    {"code": repr(code[:20]), "label": self.label, "allowed": self.summary()},
                )
        elif not re.fullmatch(self.pattern or "", code):
            raise PydanticCustomError(
                "code_set", "{code} 不符合{label}的代码格式 {pattern}",
                {"code": repr(code[:20]), "label": self.label, "pattern": self.pattern},
            )
        return code

    def summary(self, limit: int = 12) -> str:
        items = [f"{c} {n}" for c, n in self.codes.items()]
        return "、".join(items[:limit]) + ("…" if len(items) > limit else "")


@cache
def code_sets(path: Path = DICTIONARIES_PATH) -> Mapping[str, CodeSet]:
    """Every code set of the dictionaries file, by name (read once per process)."""
    from hisbridge.pipeline.spec import read_yaml

    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of code sets")
    sets = {}
    for name, body in data.items():
        body = dict(body or {})
        body["codes"] = {str(k): str(v) for k, v in (body.get("codes") or {}).items()}
        sets[name] = CodeSet(name=name, **body)
    return MappingProxyType(sets)


def code_set(name: str) -> CodeSet:
    sets = code_sets()
    if name not in sets:
        raise KeyError(f"unknown CDC code set {name!r}; {DICTIONARIES_PATH.name} declares {', '.join(sets)}")
    return sets[name]
