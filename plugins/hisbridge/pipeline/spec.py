"""Feed declarations: ``include/mappings/<feed>.yaml`` validated into a :class:`FeedSpec`.

A feed is data, not code: which SQL extracts it, which transaction carries it, which HIS columns feed which
wire fields, which code values translate to which, and which row checks quarantine a record before it is sent.
Adding a feed means one SQL file, one YAML file and a short DAG file.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from hisbridge import MAPPINGS_DIR, SQL_DIR


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSource(_Strict):
    """A wire field taken from an SQL column, optionally through a code map, with a default for NULL."""

    column: str
    codes: str | None = None
    default: Any = None


class ConstSource(_Strict):
    const: Any


FieldSource = ColumnSource | ConstSource


class ListSource(_Strict):
    """A list-valued wire field built from the consecutive rows of one record (the SQL returns one row per record
    and list item, ordered by the business key). Two shapes:

    * ``{column, item_field}`` — one column per item: items ``{item_field: "<the value as text>"}``, each value
      once (医保's 追溯码 lists);
    * ``{items: {wire field: column | {column, codes, default}}, key: column}`` — one object per item, its fields
      from several columns (prescription lines, lab results). ``key`` is the SQL column that identifies an item:
      a row whose key is NULL (a LEFT JOIN without items) adds none, and a key already seen in the record adds
      nothing again (a second list joined into the same SQL does not repeat the items). Values keep their SQL
      types (the platform's model formats them); code maps and defaults apply as they do to fields.
    """

    # unset parts are left out of the dump: a one-column list keeps the fingerprint it had before objects existed
    column: str | None = Field(None, exclude_if=lambda v: v is None)
    item_field: str | None = Field(None, exclude_if=lambda v: v is None)
    items: dict[str, ColumnSource] | None = Field(None, exclude_if=lambda v: v is None)
    key: str | None = Field(None, exclude_if=lambda v: v is None)

    @field_validator("items", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """``wire: column`` is shorthand for ``wire: {column: column}``."""
        if isinstance(value, dict):
            return {k: ({"column": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _one_shape(self) -> ListSource:
        if self.items is None:
            if not (self.column and self.item_field) or self.key:
                raise ValueError("a list is {column, item_field} (one column) or {items, key} (objects)")
        elif self.column or self.item_field or not self.key or not self.items:
            raise ValueError("a list of objects is {items: {field: column}, key: <the column identifying an item>}")
        return self

    @property
    def source_columns(self) -> set[str]:
        if self.items is None:
            return {self.column} if self.column else set()
        columns = {s.column for s in self.items.values()}
        if self.key:
            columns.add(self.key)
        return columns


class Check(_Strict):
    """A row check. ``column`` is a wire field, ``list[]`` for a list, or ``list[].item`` for list items."""

    column: str
    expect: Literal["not_null", "regex", "min_items", "in_set"]
    reason: str
    regex: str | None = None
    min: int | None = None
    values: list[str] | None = None
    when: dict[str, str] | None = None  # only rows whose SQL columns have these values, e.g. {trace_required: Y}

    @model_validator(mode="after")
    def _arguments(self) -> Check:
        if self.expect == "regex":
            if not self.regex:
                raise ValueError(f"check on {self.column}: 'regex' needs a regex")
            re.compile(self.regex)
        if self.expect == "min_items" and self.min is None:
            raise ValueError(f"check on {self.column}: 'min_items' needs min")
        if self.expect == "in_set" and not self.values:
            raise ValueError(f"check on {self.column}: 'in_set' needs values")
        return self

    @property
    def list_field(self) -> str | None:
        return self.column.split("[]", 1)[0] if "[]" in self.column else None

    @property
    def item_field(self) -> str | None:
        return self.column.split("[].", 1)[1] if "[]." in self.column else None


FeedId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]+$")]


class ParentRef(_Strict):
    """A wire field holding the business key of a record another feed delivers: the platform must hold that
    parent before this record is sent (a lab item after its report, anything after its patient)."""

    column: str
    feed: FeedId
    #: how a quarantine reason names the parent (e.g. the platform's table name); default: the parent feed's id
    label: str | None = None
#: a feed's data window: ``5m`` (every 5 minutes), ``1h``, ``daily`` (00:00–24:00), or a cron expression
#: ``continuous``: the DAG runs back to back, each run's window from the last one's end to its start (near-real-time
#: feeds); the others are cron windows
Window = Annotated[str, Field(pattern=r"^(\d+m|\d+h|daily|continuous|cron: .+)$")]


class FeedSpec(_Strict):
    feed: FeedId
    title: str
    platform: str
    #: the data window the feed's DAG runs on (scheduling.timetable_for turns it into a timetable)
    window: Window
    #: seconds before its window the run also reads: a row whose change time falls in the previous window but
    #: whose transaction committed after that window was read is not missed (what was delivered unchanged is
    #: skipped by its content hash); left out of the dump when 0
    reread_s: int = Field(0, ge=0, le=86_400, exclude_if=lambda v: not v)
    sql: str
    #: what the platform needs to know about this feed (its transactions, data types …); only the platform
    #: reads it, validated by the platform's own options model when the feed is loaded
    options: dict[str, Any] = Field(default_factory=dict)
    business_key: list[str] = Field(min_length=1)
    voided_column: str | None = None
    correction_key: str | None = None
    lists: dict[str, ListSource] = Field(default_factory=dict)
    fields: dict[str, FieldSource]
    codes: dict[str, dict[str, str]] = Field(default_factory=dict)
    #: shared code-map files under include/mappings (a platform's HIS → national maps, used by many feeds): their
    #: ``codes`` are merged under the feed's own, which win (left out of the dump when empty)
    code_files: list[str] = Field(default_factory=list, exclude_if=lambda v: not v)
    checks: list[Check] = Field(default_factory=list)
    #: parents whose records must be acknowledged before this feed's records that name them are sent (left out
    #: of the dump when empty: declarations without parents keep their fingerprint)
    parents: list[ParentRef] = Field(default_factory=list, exclude_if=lambda v: not v)
    #: a long window (a history capture): the run counts the window's records first and logs a progress line per
    #: answered message — pages and records confirmed so far (left out of the dump when false)
    progress: bool = Field(False, exclude_if=lambda v: not v)

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, value: dict[str, Any]) -> dict[str, Any]:
        """``wire: column`` is shorthand for ``wire: {column: column}``."""
        return {k: ({"column": v} if isinstance(v, str) else v) for k, v in (value or {}).items()}

    @model_validator(mode="after")
    def _consistent(self) -> FeedSpec:
        for wire, src in self.fields.items():
            if isinstance(src, ColumnSource) and src.codes and src.codes not in self.codes:
                raise ValueError(f"field {wire}: code map {src.codes!r} is not declared under codes")
        for name, lst in self.lists.items():
            for wire, src in (lst.items or {}).items():
                if src.codes and src.codes not in self.codes:
                    raise ValueError(f"list {name}, field {wire}: code map {src.codes!r} is not declared under codes")
        overlap = set(self.fields) & set(self.lists)
        if overlap:
            raise ValueError(f"fields declared both as scalar and list: {sorted(overlap)}")
        if self.correction_key and self.correction_key not in self.fields:
            raise ValueError(f"correction_key {self.correction_key!r} is not a wire field")
        wire = set(self.fields) | set(self.lists)
        for parent in self.parents:
            if parent.column not in self.fields:
                raise ValueError(f"parent {parent.feed}: {parent.column!r} is not a wire field")
            if parent.feed == self.feed:
                raise ValueError(f"parent {parent.column}: a feed cannot be its own parent")
        self._checks_conditions_are_columns()
        for check in self.checks:
            target = check.list_field or check.column
            if target not in wire:
                raise ValueError(f"check on unknown wire field {check.column!r}")
        return self

    def _checks_conditions_are_columns(self) -> None:
        for check in self.checks:
            for column in (check.when or {}):
                if column in self.fields or column in self.lists:
                    raise ValueError(f"check on {check.column}: 'when' names SQL columns, {column!r} is a wire field")

    _platform_options: BaseModel | None = PrivateAttr(default=None)

    @property
    def platform_options(self) -> BaseModel:
        """``options`` as the platform's model reads them (bound by :func:`load_feed_spec`)."""
        if self._platform_options is None:
            self._platform_options = bind_platform(self)
        return self._platform_options

    @property
    def sql_path(self) -> Path:
        return SQL_DIR / self.sql

    def sql_text(self) -> str:
        return self.sql_path.read_text(encoding="utf-8")

    @property
    def source_columns(self) -> set[str]:
        cols = {s.column for s in self.fields.values() if isinstance(s, ColumnSource)}
        for lst in self.lists.values():
            cols |= lst.source_columns
        cols |= set(self.business_key)
        cols |= {c for check in self.checks for c in (check.when or {})}
        if self.voided_column:
            cols.add(self.voided_column)
        return cols


def read_yaml(path: Path) -> Any:
    """A YAML file, parsed by libyaml where available (the pure-Python loader costs ~40 ms a mapping file, paid
    by every 5-minute window that looks up its correction scope)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def shared_codes(files: list[str], mappings_dir: Path = MAPPINGS_DIR) -> dict[str, dict[str, str]]:
    """The ``codes`` of shared code-map files, merged in order (a later file wins)."""
    merged: dict[str, dict[str, str]] = {}
    for name in files:
        path = mappings_dir / name
        if not path.exists():
            raise FileNotFoundError(f"code map file {path} is missing")
        codes = (read_yaml(path) or {}).get("codes")
        if not isinstance(codes, dict):
            raise ValueError(f"{name}: a code map file holds 'codes: {{map: {{HIS code: national code}}}}'")
        merged |= {k: {str(a): str(b) for a, b in v.items()} for k, v in codes.items()}
    return merged


def load_feed_spec(feed: str, mappings_dir: Path = MAPPINGS_DIR) -> FeedSpec:
    path = mappings_dir / f"{feed}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no feed declaration {path}")
    data = read_yaml(path)
    if isinstance(data, dict) and data.get("code_files"):
        data = {**data, "codes": {**shared_codes(data["code_files"], mappings_dir), **(data.get("codes") or {})}}
    spec = FeedSpec.model_validate(data)
    spec.platform_options  # noqa: B018 - an unknown platform or bad options fail here, when the feed is loaded
    if spec.feed != feed:
        raise ValueError(f"{path.name} declares feed {spec.feed!r}, expected {feed!r}")
    if not spec.sql_path.exists():
        raise FileNotFoundError(f"feed {feed}: SQL file {spec.sql_path} is missing")
    for parent in spec.parents:  # a misspelt parent would quarantine every record as an orphan
        if not (mappings_dir / f"{parent.feed}.yaml").exists():
            raise ValueError(f"feed {feed}: parent feed {parent.feed!r} has no declaration in {mappings_dir}")
    return spec


@cache
def cached_feed_spec(feed: str) -> FeedSpec:
    return load_feed_spec(feed)


def bind_platform(spec: FeedSpec) -> BaseModel:
    """Validate ``spec.options`` with the platform's options model; errors name the feed and the platform."""
    from pydantic import ValidationError

    from hisbridge.platforms.registry import platform

    target = platform(spec.platform)
    try:
        return target.options.model_validate(spec.options)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
        raise ValueError(f"feed {spec.feed}: options for platform {spec.platform!r}: {problems}") from None


def all_feed_ids(mappings_dir: Path = MAPPINGS_DIR) -> list[str]:
    """Feed ids with a declaration that names a platform (not every YAML under mappings is a feed)."""
    ids = []
    for path in sorted(mappings_dir.glob("*.yaml")):
        data = read_yaml(path) or {}
        if isinstance(data, dict) and "platform" in data and "feed" in data:
            ids.append(path.stem)
    return ids
