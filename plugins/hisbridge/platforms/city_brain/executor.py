"""An endpoint's SQL on the HIS (read-only account), paged, into the answer's ``data``.

**Parameters → binds.** The ``bizContent`` is validated by the endpoint's params model (2001 names the field);
every bind parameter of the SQL then takes the parameter of the same snake-case name (``:patient_id`` ←
``patientId``; absent optional parameters bind ``NULL``), except two computed from a date range:

* ``:start_time`` — ``startDate`` at 00:00, and ``:end_time`` — the day after ``endDate`` at 00:00, so that
  ``col >= :start_time AND col < :end_time`` takes both days whole (times are the HIS's naive local time);
* the range may be at most the endpoint's ``max_days`` long, both ends counted (2002), and ``pageSize`` at most
  the site's ``max_page_size`` (2001).

**Paging.** A list endpoint's SQL is wrapped, never edited: one statement,
``SELECT q.<columns>, COUNT(*) OVER () AS page_total_ FROM (<sql>) q ORDER BY <order_by> <limit/offset>``, reads
the page and ``total`` together (the window count is taken over every row of ``q`` before the page is cut, on
every dialect — in Oracle's ``ROWNUM`` form too, where it sits in the innermost query). Only a page past the end,
which has no row to carry the total, costs a second statement: ``SELECT COUNT(*) FROM (<sql>) q``. The limit and
offset are rendered by SQLAlchemy for the HIS's dialect (``OFFSET … ROWS FETCH FIRST … ROWS ONLY`` on Oracle 12c+,
the ``ROWNUM`` form before it, ``LIMIT … OFFSET …`` on PostgreSQL and SQLite) with both as bind parameters, so
the statement's text is the same for every page (one parse on Oracle).

**Children** (a prescription's lines …) are read for the whole page by one more statement whose ``:keys`` is an
expanding list of the parents' key values (a page is at most 200 keys: below Oracle's 1,000 limit of an IN list);
each child row's ``parent_key`` column says whose it is.

**Single-object endpoints** run their SQL as it is and answer its first row (2004 when there is none).

A HIS that cannot be read answers 5003 (the log line names the endpoint and the error's type, never a value).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from time import perf_counter
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Engine, Integer, bindparam, column, func, literal_column, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import Select

from hisbridge import SQL_DIR
from hisbridge.ops.reasons import brief
from hisbridge.platforms.city_brain.answers import (
    BAD_PARAMS,
    HIS_DOWN,
    INTERNAL,
    NOT_FOUND,
    RANGE_TOO_LONG,
    ApiError,
)
from hisbridge.platforms.city_brain.catalogue import DEFAULT_MAX_DAYS, Endpoint
from hisbridge.platforms.city_brain.envelope import page_data
from hisbridge.platforms.city_brain.settings import CityBrainApiSettings

log = logging.getLogger("hisbridge.city_brain.api")

START_TIME, END_TIME, KEYS = "start_time", "end_time", "keys"
PAGE_LIMIT, PAGE_OFFSET = "page_limit", "page_offset"
#: names the executor binds itself: no parameter may be called so
RESERVED = frozenset({START_TIME, END_TIME, KEYS, PAGE_LIMIT, PAGE_OFFSET})
#: the page statement's column with the total (no endpoint's column may be called so)
PAGE_TOTAL = "page_total_"


@dataclass(frozen=True)
class Result:
    """The answer's ``data`` (plain JSON data) and, for the journal, how many items it holds."""

    data: Any
    rows: int
    total: int | None = None


# -- statements (built once per endpoint) -------------------------------------------------------------------------
@cache
def sql_text(name: str) -> str:
    # ends with a line break: wrapped as "(<sql>\n) q", a last line that is a comment cannot swallow the ")"
    return (SQL_DIR / name).read_text(encoding="utf-8").rstrip() + "\n"


@cache
def statement(name: str) -> TextClause:
    return text(sql_text(name))


def bind_names(name: str) -> frozenset[str]:
    return frozenset(statement(name)._bindparams)


@cache
def _child_statement(name: str) -> TextClause:
    return text(sql_text(name)).bindparams(bindparam(KEYS, expanding=True))


@dataclass(frozen=True)
class Paged:
    count: Select
    page: Select


@cache
def paged(endpoint: Endpoint) -> Paged:
    """The page (with the total) and the count statements of a list endpoint (dialect-neutral; rendered at
    execution)."""
    if PAGE_TOTAL in endpoint.columns:
        raise ValueError(f"endpoint {endpoint.path!r}: column {PAGE_TOTAL!r} is the executor's")
    q = statement(endpoint.sql).columns(*(column(c) for c in endpoint.columns)).subquery("q")
    count = select(func.count()).select_from(q)
    page = (select(*q.c, func.count().over().label(PAGE_TOTAL)).order_by(*(q.c[c] for c in endpoint.order_by))
            .limit(bindparam(PAGE_LIMIT, type_=Integer)).offset(bindparam(PAGE_OFFSET, type_=Integer)))
    return Paged(count, page)


@cache
def _items(model: type[BaseModel]) -> TypeAdapter:
    return TypeAdapter(list[model])


# -- parameters ---------------------------------------------------------------------------------------------------
def parse_params(endpoint: Endpoint, biz: dict[str, Any]) -> BaseModel:
    """The bizContent as the endpoint's params model, or 2001 naming the fields that are wrong."""
    try:
        return endpoint.params.model_validate(biz)
    except ValidationError as exc:
        # the first few problems in Chinese, each naming its field by its wire name (never quoting a value)
        raise ApiError(BAD_PARAMS, brief(exc)) from None


def binds(endpoint: Endpoint, params: BaseModel, names: frozenset[str]) -> dict[str, Any]:
    """The values of the bind parameters ``names`` from the validated parameters."""
    values = params.model_dump()
    out: dict[str, Any] = {}
    for name in names:
        if name == START_TIME:
            start = values.get("start_date")
            out[name] = datetime.combine(start, time()) if isinstance(start, date) else None
        elif name == END_TIME:
            end = values.get("end_date")
            out[name] = datetime.combine(end + timedelta(days=1), time()) if isinstance(end, date) else None
        elif name in values:
            out[name] = values[name]
        elif name != KEYS:
            raise KeyError(f"endpoint {endpoint.path!r}: {endpoint.sql} binds :{name}, which is not a parameter")
    return out


def check_limits(endpoint: Endpoint, params: BaseModel, settings: CityBrainApiSettings) -> None:
    """2002 for a date range longer than the endpoint allows; 2001 for a page larger than the site allows."""
    limit = settings.max_days_for(endpoint.max_days, DEFAULT_MAX_DAYS)
    start, end = getattr(params, "start_date", None), getattr(params, "end_date", None)
    if limit is not None and isinstance(start, date) and isinstance(end, date):
        days = (end - start).days + 1
        if days > limit:
            raise ApiError(RANGE_TOO_LONG, f"startDate 至 endDate 共 {days} 天，上限 {limit} 天")
    size = getattr(params, "page_size", None)
    if isinstance(size, int) and size > settings.max_page_size:
        raise ApiError(BAD_PARAMS, f"pageSize 不能大于 {settings.max_page_size}")


# -- execution ----------------------------------------------------------------------------------------------------
class Executor:
    """Runs endpoints on the HIS. ``engine`` may be a factory: the HIS is connected on first use."""

    def __init__(self, engine: Engine | Callable[[], Engine], settings: CityBrainApiSettings) -> None:
        self._engine = engine
        self.settings = settings

    @property
    def engine(self) -> Engine:
        if not isinstance(self._engine, Engine):
            self._engine = self._engine()
        return self._engine

    def run(self, endpoint: Endpoint, biz: dict[str, Any]) -> Result:
        params = parse_params(endpoint, biz)
        check_limits(endpoint, params, self.settings)
        try:
            if endpoint.many:
                return self._page(endpoint, params)
            return self._one(endpoint, params)
        except SQLAlchemyError as exc:
            log.error("city brain %s: the HIS could not be read (%s)", endpoint.path, type(exc).__name__)
            raise ApiError(HIS_DOWN, "请稍后重试") from None
        except ValidationError as exc:  # the HIS holds something the answer's model does not allow
            fields = sorted({".".join(str(p) for p in e["loc"][1:]) for e in exc.errors(include_input=False)})
            log.error("city brain %s: HIS rows do not fit %s (fields %s)", endpoint.path, endpoint.item.__name__,
                      ", ".join(fields[:10]))
            raise ApiError(INTERNAL, "HIS 数据不符合接口定义，请联系医院信息科") from None

    def ping(self) -> float:
        """Seconds one trivial query takes on the HIS (raises when it cannot be read)."""
        started = perf_counter()
        with self.engine.connect() as conn:
            conn.execute(select(literal_column("1"))).all()  # SELECT 1 FROM DUAL on Oracle
        return perf_counter() - started

    def _page(self, endpoint: Endpoint, params: BaseModel) -> Result:
        statements = paged(endpoint)
        values = binds(endpoint, params, bind_names(endpoint.sql))
        page_no, page_size = int(getattr(params, "page_no", 1)), int(getattr(params, "page_size", 50))
        offset = (page_no - 1) * page_size
        with self.engine.connect() as conn:
            found = conn.execute(statements.page, {**values, PAGE_LIMIT: page_size, PAGE_OFFSET: offset})
            rows = [dict(r) for r in found.mappings()]
            if rows:
                total = int(rows[0][PAGE_TOTAL])
                for r in rows:
                    del r[PAGE_TOTAL]
            else:  # no row carries the total: past the end (or nothing at all, when the first page is empty)
                total = int(conn.execute(statements.count, values).scalar_one()) if offset else 0
            if rows and endpoint.children:
                self._children(conn, endpoint, params, rows)
        items = _items(endpoint.item)
        data = items.dump_python(items.validate_python(rows), mode="json", by_alias=True)
        return Result(page_data(total, page_no, page_size, data), rows=len(data), total=total)

    def _one(self, endpoint: Endpoint, params: BaseModel) -> Result:
        values = binds(endpoint, params, bind_names(endpoint.sql))
        with self.engine.connect() as conn:
            row = conn.execute(statement(endpoint.sql), values).mappings().first()
            if row is None:
                raise ApiError(NOT_FOUND, f"{endpoint.title}没有符合条件的记录")
            rows = [{c: row.get(c) for c in endpoint.columns}]
            if endpoint.children:
                self._children(conn, endpoint, params, rows)
        item = endpoint.item.model_validate(rows[0])
        return Result(item.model_dump(mode="json", by_alias=True), rows=1)

    def _children(self, conn: Any, endpoint: Endpoint, params: BaseModel, rows: list[dict[str, Any]]) -> None:
        for child in endpoint.children:
            key = endpoint.parent_key(child)
            keys = list(dict.fromkeys(r[key] for r in rows if r.get(key) is not None))
            found: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            if keys:
                values = binds(endpoint, params, bind_names(child.sql)) | {KEYS: keys}
                for r in conn.execute(_child_statement(child.sql), values).mappings():
                    line = dict(r)
                    found[line.pop("parent_key")].append(line)
            for r in rows:
                r[child.field] = found.get(r.get(key), [])

