"""The 市区卫平台 data sets as data: ``include/mappings/regional_datasets.yaml`` validated into :class:`Datasets`.

A data set is one upload the hospital already makes (门急诊就诊, 入院, 出院, 处方, 检验报告, 检查报告 …): the HIS table
that feeds it, the feed that delivers it (``include/mappings/regional_<name>.yaml``: extraction SQL, business key,
field mapping), a count SQL per day, the 前置库 table's columns as we write them, and how the platform's receipt
is read (:class:`FrontDbReceipt` or :class:`AckApiReceipt`).

**Uncertain, so configurable** (platforms.md §5 marks the real 前置库 layout as not public): every column name
of the receipt (flag, error text, pull time, write time), the flag values of 待上传 / 已上传 / 失败, the table name
and the column that dates a row. Defaults come from ``receipt_defaults`` and each data set may override them.

Light on purpose (YAML and pydantic only): the DAG files read the titles at parse time through
:func:`dataset_titles`, which reads the YAML without validating it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hisbridge import MAPPINGS_DIR, SQL_DIR
from hisbridge.pipeline.spec import read_yaml

DATASETS_FILE = "regional_datasets.yaml"

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")]  # an SQL identifier Oracle accepts too
_COLUMN = re.compile(r"^(varchar\((\d+)\)|datetime|date|int)((?:\s+(?:key|required|pii))*)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnDecl(_Strict):
    """One column of a 前置库 table as we write it: ``"varchar(18) pii"``, ``"datetime required"``, ``"int"``."""

    name: Name
    kind: Literal["varchar", "datetime", "date", "int"]
    length: int | None = None
    key: bool = False
    required: bool = False
    pii: bool = False

    @classmethod
    def parse(cls, name: str, text: str) -> ColumnDecl:
        found = _COLUMN.match(" ".join(str(text).split()))
        if not found:
            raise ValueError(f"column {name}: {text!r} is not '<varchar(n)|datetime|date|int> [key] [required] [pii]'")
        flags = set(found.group(3).split())
        kind = "varchar" if found.group(2) else found.group(1)
        return cls(name=name, kind=kind, length=int(found.group(2)) if found.group(2) else None, key="key" in flags,
                   required="required" in flags or "key" in flags, pii="pii" in flags)


class FrontDbReceipt(_Strict):
    """The receipt is a 前置库 table: the platform's ETL takes rows and sets their upload flag.

    :param table: the 前置库 table of the data set
    :param day_column: the column dating a row (the day it counts in; the same time the SQL selects the day by)
    :param flag_column: the upload flag; ``pending`` / ``uploaded`` / ``failed`` are its values (compared as text)
    :param error_column: the platform's words for a failed row (None: the platform keeps none)
    :param pulled_at_column: when the platform took the row (None: not kept)
    :param written_at_column: when we wrote the row (None: not kept)
    """

    table: Name
    day_column: Name
    flag_column: Name = "upload_flag"
    pending: str = "0"
    uploaded: str = "1"
    failed: str = "2"
    error_column: Name | None = "upload_error"
    pulled_at_column: Name | None = "upload_time"
    written_at_column: Name | None = "create_time"

    @model_validator(mode="after")
    def _distinct_flags(self) -> FrontDbReceipt:
        if len({self.pending, self.uploaded, self.failed}) != 3:
            raise ValueError("the flag values of 待上传, 已上传 and 失败 must differ")
        return self

    @property
    def bookkeeping(self) -> tuple[str, ...]:
        return tuple(c for c in (self.flag_column, self.error_column, self.pulled_at_column, self.written_at_column)
                     if c)


class AckApiReceipt(_Strict):
    """The receipt is an acknowledgment API answering, per data set and day, the count (and optionally the keys)
    the platform holds. Declared so a site can describe it; **no client is implemented**: the health check refuses
    such a data set with that reason (see :func:`hisbridge.platforms.regional.health.check_day`). What the API
    looks like is not public [unk]; these fields are what a client would need.

    :param path: the API path on connection ``regional_platform``, e.g. ``/api/upload/ack``
    :param dataset_code: the platform's code of the data set
    :param day_param: the query parameter carrying the day (``yyyy-MM-dd``)
    :param count_field: where the answer carries the count
    :param keys_field: where the answer lists the keys held (None: counts only, no re-send by key)
    """

    path: str = Field(pattern=r"^/")
    dataset_code: str
    day_param: str = "date"
    count_field: str = "count"
    keys_field: str | None = None


class Dataset(_Strict):
    name: Name
    title: str
    his_table: str
    feed: str
    count_sql: str
    receipt: Literal["frontdb", "ack_api"]
    frontdb: FrontDbReceipt | None = None
    ack_api: AckApiReceipt | None = None
    columns: tuple[ColumnDecl, ...]

    @field_validator("columns", mode="before")
    @classmethod
    def _parse_columns(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return tuple(ColumnDecl.parse(k, v) for k, v in value.items())
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Dataset:
        if self.receipt == "frontdb" and self.frontdb is None:
            raise ValueError(f"data set {self.name}: receipt frontdb needs a frontdb block (table, day_column)")
        if self.receipt == "ack_api" and self.ack_api is None:
            raise ValueError(f"data set {self.name}: receipt ack_api needs an ack_api block (path, dataset_code)")
        keys = [c.name for c in self.columns if c.key]
        if len(keys) != 1:
            raise ValueError(f"data set {self.name}: exactly one column is the key, found {keys}")
        names = [c.name for c in self.columns]
        if self.frontdb is not None:
            if self.frontdb.day_column not in names:
                raise ValueError(f"data set {self.name}: day_column {self.frontdb.day_column!r} is not a column")
            clash = set(self.frontdb.bookkeeping) & set(names)
            if clash:
                raise ValueError(f"data set {self.name}: {sorted(clash)} are receipt columns, not data columns")
        return self

    @property
    def key_column(self) -> str:
        return next(c.name for c in self.columns if c.key)

    @property
    def count_sql_path(self) -> Path:
        return SQL_DIR / self.count_sql

    def count_sql_text(self) -> str:
        return self.count_sql_path.read_text(encoding="utf-8")

    def column(self, name: str) -> ColumnDecl:
        return next(c for c in self.columns if c.name == name)


class Datasets(_Strict):
    org_code: str
    org_name: str
    datasets: dict[str, Dataset]

    def get(self, name: str) -> Dataset:
        found = self.datasets.get(name)
        if found is None:
            raise ValueError(f"unknown 市区卫平台 data set {name!r}; declared: {', '.join(self.datasets)}")
        return found

    def by_feed(self, feed: str) -> Dataset:
        for d in self.datasets.values():
            if d.feed == feed:
                return d
        raise ValueError(f"no 市区卫平台 data set is delivered by feed {feed!r}")


def load_datasets(path: Path | None = None) -> Datasets:
    """Read and validate the declarations; every SQL file named must exist."""
    path = path or MAPPINGS_DIR / DATASETS_FILE
    data = read_yaml(path) or {}
    defaults = data.get("receipt_defaults") or {}
    sets = {}
    for name, raw in (data.get("datasets") or {}).items():
        raw = dict(raw)
        if raw.get("frontdb") is not None:
            raw["frontdb"] = {**defaults, **raw["frontdb"]}
        sets[name] = {"name": name, **raw}
    made = Datasets.model_validate({"org_code": data.get("org_code"), "org_name": data.get("org_name"),
                                    "datasets": sets})
    for d in made.datasets.values():
        if not d.count_sql_path.exists():
            raise FileNotFoundError(f"data set {d.name}: count SQL {d.count_sql_path} is missing")
    return made


@cache
def datasets() -> Datasets:
    return load_datasets()


def dataset_titles(path: Path | None = None) -> dict[str, str]:
    """Data set → Chinese title, by a plain read of the YAML (cheap enough for a DAG file at parse time)."""
    data = read_yaml(path or MAPPINGS_DIR / DATASETS_FILE) or {}
    return {name: str(d.get("title") or name) for name, d in (data.get("datasets") or {}).items()}
