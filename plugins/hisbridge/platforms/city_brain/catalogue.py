"""The hospital-side endpoints as data: declared once, in ``endpoints/<area>.py``; the app's routes and OpenAPI, the
executor, the docs (``docs/city_brain_api.md``) and the tests all derive from :data:`ENDPOINTS`.

An endpoint is a path, a Chinese title, the model of its parameters (``bizContent``), the model of one answer row,
and one portable SELECT in ``include/sql/`` — see ``endpoints/directory.py`` for three worked examples and
``executor.py`` for how parameters become binds. Adding an endpoint:

1. ``include/sql/city_brain/<name>.sql``: one SELECT whose column aliases are the item model's attributes
   (lower case, at most 30 characters), binds named after the parameters (``:patient_id``), a date range as
   ``col >= :start_time AND col < :end_time``, an optional filter as ``COALESCE(:dept_code, t.dept_code) =
   t.dept_code``, ``ORDER BY`` the endpoint's ``order_by``, no paging (the executor pages);
2. the models and an ``Endpoint(...)`` in the ``ENDPOINTS`` list of an ``endpoints/<area>.py`` module (which
   also sets ``TITLE``, the Chinese name of its group in the docs);
3. the module's name in :data:`AREAS` (a module not listed fails a test).

The health check (``health``) has no SQL: the app serves it (``app.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from hisbridge import SQL_DIR

#: the ``endpoints/<area>.py`` modules, in the order of the docs; each exports ``ENDPOINTS: list[Endpoint]``
AREAS: tuple[str, ...] = ("directory", "registration", "orders", "reports", "billing", "records")
DEFAULT_MAX_DAYS = 31
_PATH = re.compile(r"^[a-z][A-Za-z0-9]{1,63}$")
_COLUMN = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


@dataclass(frozen=True)
class Child:
    """A nested list of each item (e.g. a prescription's lines), read by a second SQL for the whole page: the
    SQL binds ``:keys`` (an expanding list of the parents' ``key`` values) and returns a ``parent_key`` column."""

    field: str  # the item's list attribute, e.g. "lines"
    sql: str  # "city_brain/prescription_lines.sql" under include/sql/
    item: type[BaseModel]
    #: the parent item's attribute whose values are ``:keys``; empty: the endpoint's last ``order_by`` column
    key: str = ""


@dataclass(frozen=True)
class Endpoint:
    path: str  # "registrations": POST /city-brain/api/v1/registrations
    title: str  # "挂号查询"
    params: type[BaseModel]  # the bizContent model (camelCase wire names)
    item: type[BaseModel]  # one answer row (attributes = the SQL's column aliases)
    sql: str  # "city_brain/registrations.sql" under include/sql/
    many: bool = True  # a paged list, or one object (2004 when the SQL returns no row)
    order_by: tuple[str, ...] = ()  # output columns giving a stable page order
    children: tuple[Child, ...] = ()
    #: the longest date range (days, both ends counted) a call may ask for; ``None``: the endpoint has no range.
    #: An endpoint left at the default follows the site's ``max_days`` (connection ``city_brain_api``).
    max_days: int | None = DEFAULT_MAX_DAYS
    description: str = ""  # more Chinese words for the docs (what the data is, from which HIS tables)

    def __post_init__(self) -> None:
        where = f"endpoint {self.path!r}"
        if not _PATH.match(self.path):
            raise ValueError(f"{where}: a path is camelCase letters and digits")
        columns = self.columns
        for name in columns:
            if not _COLUMN.match(name):
                raise ValueError(f"{where}: item attribute {name!r} is not a lower-case column alias of at most 30 "
                                 "characters (Oracle)")
        if self.many and not self.order_by:
            raise ValueError(f"{where}: a list needs order_by (columns giving a stable page order)")
        unknown = [c for c in self.order_by if c not in columns]
        if unknown:
            raise ValueError(f"{where}: order_by names columns the item does not have: {unknown}")
        for child in self.children:
            if child.field not in self.item.model_fields:
                raise ValueError(f"{where}: child {child.field!r} is not an attribute of {self.item.__name__}")
            if self.parent_key(child) not in columns:
                raise ValueError(f"{where}: child {child.field!r} keys on {self.parent_key(child)!r}, not a column")

    @property
    def columns(self) -> tuple[str, ...]:
        """The item's attributes that come from the SQL (all but the children's lists)."""
        nested = {c.field for c in self.children}
        return tuple(name for name in self.item.model_fields if name not in nested)

    def parent_key(self, child: Child) -> str:
        return child.key or (self.order_by[-1] if self.order_by else "")

    @property
    def sql_path(self) -> Path:
        return SQL_DIR / self.sql


@dataclass(frozen=True)
class Area:
    """An ``endpoints/<name>.py`` module: its endpoints, and its Chinese ``TITLE`` (the docs' and OpenAPI's group)."""

    name: str
    title: str
    endpoints: tuple[Endpoint, ...]


@cache
def areas() -> tuple[Area, ...]:
    found = []
    for area in AREAS:
        module = _module(area)
        found.append(Area(area, getattr(module, "TITLE", area), tuple(module.ENDPOINTS)))
    return tuple(found)


def _module(area: str) -> ModuleType:
    name = f"{__package__}.endpoints.{area}"
    try:
        return import_module(name)
    except Exception as exc:  # which file is broken, not just "import failed"
        raise ImportError(f"city brain endpoints module {name} failed to import: {exc}") from exc


def _collect(areas: tuple[str, ...]) -> dict[str, Endpoint]:
    found: dict[str, Endpoint] = {}
    for area in areas:
        name = f"{__package__}.endpoints.{area}"
        module = _module(area)
        declared = getattr(module, "ENDPOINTS", None)
        if not isinstance(declared, list) or not all(isinstance(e, Endpoint) for e in declared):
            raise TypeError(f"{name}: ENDPOINTS must be a list of catalogue.Endpoint")
        for endpoint in declared:
            if endpoint.path in found or endpoint.path == "health":
                raise ValueError(f"{name}: endpoint path {endpoint.path!r} declared twice")
            found[endpoint.path] = endpoint
    return found


ENDPOINTS: dict[str, Endpoint]  # collected on first use (module __getattr__ below)


def __getattr__(name: str) -> dict[str, Endpoint]:
    # Lazily: an endpoints module imports this one for Endpoint, and may be imported first (its own tests).
    if name == "ENDPOINTS":
        endpoints = _collect(AREAS)
        globals()["ENDPOINTS"] = endpoints
        return endpoints
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
