"""The column contract of the 门诊候诊叫号 views (``hx_department``, ``hx_room``, ``hx_doctor``, ``hx_queue``) as data.

``include/mappings/queue_views.yaml`` declares the views column by column and the per-site overrides; this
module validates it (pydantic) and resolves one site into a :class:`QueueContract` — what
:func:`hisbridge.platforms.queue.views.db_contract` turns into the neutral contract the DDL is rendered from and
the check validates against. Nothing here touches a database or Airflow.

Column types are the contracts package's five names (:mod:`hisbridge.contracts.column_types`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hisbridge import MAPPINGS_DIR
from hisbridge.contracts.column_types import ColumnType, parse_type
from hisbridge.contracts.errors import ContractError
from hisbridge.contracts.model import Reader
from hisbridge.contracts.names import ColumnName, Comment, Identifier
from hisbridge.contracts.sql import Dialect
from hisbridge.platforms.queue.settings import Settings
from hisbridge.platforms.queue.sources import library_keys

CONTRACT_PATH = MAPPINGS_DIR / "queue_views.yaml"
SITE_ENV = "HISBRIDGE_SITE"

ViewName = Literal["hx_department", "hx_room", "hx_doctor", "hx_queue"]
VIEW_NAMES: tuple[ViewName, ...] = ("hx_department", "hx_room", "hx_doctor", "hx_queue")
#: tender 6.3 / 6.6: these two must always be provided; hx_room and hx_doctor "一般需要提供".
MANDATORY_VIEWS: tuple[ViewName, ...] = ("hx_department", "hx_queue")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    """One column of one view, as the queue system sees it."""

    name: ColumnName
    type: ColumnType
    source: Identifier = Field(description="key of the expression library (sources.py) for this view")
    description: Comment
    nullable: bool = True
    required: bool = False
    key: bool = False
    example: str | int | None = None
    expr: dict[Dialect, str] | None = Field(
        default=None, description="site-specific SQL per dialect, used instead of the library expression"
    )

    @property
    def length(self) -> int | None:
        return parse_type(self.type)[1]


class ViewSpec(_Strict):
    title: str
    required: bool
    description: str
    enabled: bool = True
    columns: tuple[ColumnSpec, ...]

    @model_validator(mode="after")
    def _shape(self) -> ViewSpec:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate column names {dupes}")
        if sum(c.key for c in self.columns) != 1:
            raise ValueError("exactly one column must be the key")
        states = [c for c in self.columns if c.source == "add_state"]
        if len(states) != 1 or not states[0].required or states[0].nullable:
            raise ValueError("every view needs exactly one required, non-null column from source add_state")
        if self.required and not self.enabled:
            raise ValueError("a mandatory view cannot be disabled")
        return self

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name.upper():
                return c
        raise KeyError(name)

    def by_source(self, source: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.source == source), None)

    @property
    def key_column(self) -> ColumnSpec:
        return next(c for c in self.columns if c.key)

    @property
    def add_state_column(self) -> ColumnSpec:
        return next(c for c in self.columns if c.source == "add_state")


class ColumnPatch(_Strict):
    description: str | None = None
    example: str | int | None = None
    type: ColumnType | None = None
    nullable: bool | None = None
    expr: dict[Dialect, str] | None = None


class ViewOverride(_Strict):
    enabled: bool | None = None
    drop: tuple[str, ...] = ()
    rename: dict[str, Identifier] = {}
    columns: dict[str, ColumnPatch] = {}
    add: tuple[ColumnSpec, ...] = ()


class SiteOverride(_Strict):
    description: str = ""
    settings: dict[str, Any] = {}
    reader: dict[str, Any] = {}
    views: dict[ViewName, ViewOverride] = {}


class ContractFile(_Strict):
    """``queue_views.yaml`` as written: the default contract plus the overrides of every site."""

    contract: Literal["queue_views"]
    version: Literal[1]
    settings: Settings
    reader: Reader
    base_tables: tuple[Identifier, ...]
    views: dict[ViewName, ViewSpec]
    sites: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], SiteOverride] = {}

    @model_validator(mode="after")
    def _all_views(self) -> ContractFile:
        missing = [v for v in VIEW_NAMES if v not in self.views]
        if missing:
            raise ValueError(f"views missing from the contract: {missing}")
        for name in MANDATORY_VIEWS:
            if not self.views[name].required:
                raise ValueError(f"{name} is mandatory (tender 6.3/6.6) and must say required: true")
        if self.views["hx_queue"].by_source("visit_date") is None:
            raise ValueError(
                "hx_queue needs a column from source visit_date (the 'today' rule is checked on it)"
            )
        return self


class QueueContract(_Strict):
    """One site's resolved contract: the enabled views with their final columns."""

    site: str | None
    settings: Settings
    reader: Reader
    base_tables: tuple[str, ...]
    views: dict[ViewName, ViewSpec]

    @property
    def view_names(self) -> tuple[ViewName, ...]:
        return tuple(v for v in VIEW_NAMES if v in self.views)


# ------------------------------------------------------------------------------------------------- loading


def parse_contract_file(data: object, origin: str = "contract") -> ContractFile:
    try:
        return ContractFile.model_validate(data)
    except ValidationError as exc:
        raise ContractError(f"{origin}: {exc}") from exc


def load_contract_file(path: Path = CONTRACT_PATH) -> ContractFile:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"{path}: {exc}") from exc
    return parse_contract_file(data, str(path))


def load_contract(site: str | None = None, path: Path = CONTRACT_PATH) -> QueueContract:
    """The resolved contract for ``site`` (default: ``$HISBRIDGE_SITE``, else the default contract)."""
    if site is None:
        site = os.environ.get(SITE_ENV) or None
    return resolve(load_contract_file(path), site)


def resolve(file: ContractFile, site: str | None) -> QueueContract:
    """Apply one site's overrides to the default contract and validate the result."""
    override = SiteOverride()
    if site is not None:
        if site not in file.sites:
            raise ContractError(f"unknown site {site!r}; known sites: {sorted(file.sites)}")
        override = file.sites[site]
    try:
        settings = Settings.model_validate({**file.settings.model_dump(), **override.settings})
        reader = Reader.model_validate({**file.reader.model_dump(), **override.reader})
    except ValidationError as exc:
        raise ContractError(f"site {site}: {exc}") from exc

    views: dict[ViewName, ViewSpec] = {}
    for name in VIEW_NAMES:
        view = _apply(name, file.views[name], override.views.get(name), site)
        if not view.enabled:
            continue
        keys = library_keys(name)
        for col in view.columns:
            if col.expr is None and col.source not in keys:
                raise ContractError(
                    f"{name}.{col.name}: source {col.source!r} is not in the expression library for {name} "
                    f"(known: {sorted(keys)}); give an expr per dialect instead"
                )
        views[name] = view
    return QueueContract(
        site=site, settings=settings, reader=reader, base_tables=file.base_tables, views=views
    )


def _apply(name: str, view: ViewSpec, ov: ViewOverride | None, site: str | None) -> ViewSpec:
    if ov is None:
        return view
    where = f"site {site}, view {name}"
    known = {c.name for c in view.columns}
    for col in [*ov.drop, *ov.rename, *ov.columns]:
        if col.upper() not in known:
            raise ContractError(f"{where}: no column {col!r} (columns: {sorted(known)})")
    columns: list[ColumnSpec] = []
    for col in view.columns:
        if col.name in {d.upper() for d in ov.drop}:
            if col.required:
                raise ContractError(f"{where}: column {col.name} is required and cannot be dropped")
            continue
        patch = {
            k: v
            for k, v in (ov.columns.get(col.name) or ov.columns.get(col.name.lower()) or ColumnPatch())
            .model_dump()
            .items()
            if v is not None
        }
        new_name = ov.rename.get(col.name) or ov.rename.get(col.name.lower())
        if new_name:
            patch["name"] = new_name
        columns.append(col.model_copy(update=patch) if patch else col)
    columns.extend(ov.add)
    data = view.model_dump()
    data["columns"] = [c.model_dump() for c in columns]
    if ov.enabled is not None:
        data["enabled"] = ov.enabled
    try:
        return ViewSpec.model_validate(data)
    except ValidationError as exc:
        raise ContractError(f"{where}: {exc}") from exc
