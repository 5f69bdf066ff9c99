"""The declaration of a database contract: which views and tables, which columns of which types, who reads.

A platform builds a :class:`DbContract` (usually from its own YAML) and hands it to ``ddl``, ``accounts`` and
``check``. View columns carry their SQL per dialect (``expr``) and a view its ``FROM … WHERE …`` per dialect,
with base tables already qualified (:func:`hisbridge.contracts.sql.qualifier`); the renderer wraps every column
in a ``CAST`` to its contract type, so the catalog shows exactly the contract's types.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hisbridge.contracts.column_types import ColumnType, parse_type
from hisbridge.contracts.names import AccountName, ColumnName, Comment, EnvVarName, Identifier, ObjectName
from hisbridge.contracts.sql import Dialect


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Frozen):
    """One column of a view or table, as its reader sees it."""

    name: ColumnName
    type: ColumnType
    description: Comment
    nullable: bool = True
    key: bool = Field(False, description="part of the key that is unique per row")
    expr: dict[Dialect, str] | None = Field(
        default=None, description="views: the column's SQL per dialect; tables: none"
    )

    @property
    def length(self) -> int | None:
        return parse_type(self.type)[1]


class _Object(_Frozen):
    noun: ClassVar[str]
    name: ObjectName
    label: str = Field("", description="what a 'missing' finding adds in brackets, e.g. its title")
    comment: Comment
    columns: tuple[Column, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_columns(self) -> _Object:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"{self.name}: duplicate column names {dupes}")
        return self

    @property
    def key_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.key)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name.upper():
                return c
        raise KeyError(name)


class View(_Object):
    """A view over base tables; re-created on every install (it holds no data)."""

    noun: ClassVar[str] = "视图"
    kind: Literal["view"] = "view"
    from_where: dict[Dialect, str] = Field(description="FROM … WHERE … per dialect, base tables qualified")


class Table(_Object):
    """A table another system writes to or reads; created when missing, never dropped (it holds data)."""

    noun: ClassVar[str] = "表"
    kind: Literal["table"] = "table"


ContractObject = Annotated[View | Table, Field(discriminator="kind")]


class Reader(_Frozen):
    """The one read-only account of a contract: it logs in and may SELECT the contract's objects, nothing else.

    The password is never data: it comes from the environment variable ``password_env`` (or a connection).
    """

    name: AccountName
    password_env: EnvVarName
    password_variable: Identifier | None = Field(
        default=None, description="psql / SQL*Plus variable the scripts ask for; default <name>_password"
    )
    connection_limit: int = Field(10, ge=1, le=1000)
    statement_timeout: Annotated[str, Field(pattern=r"^\d+(ms|s|min)$")] = "30s"

    @property
    def script_variable(self) -> str:
        return self.password_variable or f"{self.name}_password"


class DbContract(_Frozen):
    """Everything rendered into one database: the objects, what they read, and the reader account."""

    title: str = Field(min_length=1, description="names the contract in reports: '<title>检查：通过'")
    install_hint: str = Field("install", description="the command that (re)creates the objects")
    site: str | None = None
    schema_name: Identifier | None = Field(default=None, description="PG schema / Oracle owner of everything")
    objects: tuple[ContractObject, ...] = Field(min_length=1)
    retired_views: tuple[ObjectName, ...] = Field(
        default=(), description="views an earlier install may have created that are no longer wanted: dropped"
    )
    base_tables: tuple[Identifier, ...] = Field(
        default=(), description="what the views read; the reader must be refused on every one of them"
    )
    reader: Reader | None = None
    session_timezone: str | None = Field(default=None, description="PostgreSQL TimeZone of reader sessions")

    @model_validator(mode="after")
    def _names(self) -> DbContract:
        names = [o.name for o in self.objects]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate object names {dupes}")
        both = sorted(set(names) & set(self.retired_views))
        if both:
            raise ValueError(f"{both} cannot be both in the contract and retired")
        return self

    @property
    def object_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.objects)

    @property
    def views(self) -> tuple[View, ...]:
        return tuple(o for o in self.objects if isinstance(o, View))

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(o for o in self.objects if isinstance(o, Table))

    @property
    def objects_noun(self) -> str:
        """What the reader may read, in the reports' words: 视图, 表, or 表和视图."""
        nouns = {o.noun for o in self.objects}
        return nouns.pop() if len(nouns) == 1 else "表和视图"

    def object(self, name: str) -> View | Table:
        for o in self.objects:
            if o.name == name:
                return o
        raise KeyError(name)
