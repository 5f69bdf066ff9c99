"""The settings of one site's queue views (``settings:`` in ``include/mappings/queue_views.yaml``)."""

from __future__ import annotations

import zoneinfo
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hisbridge.contracts.names import Identifier

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,20}$")]


class Settings(BaseModel):
    """What the SQL of the views depends on besides the HIS schema."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    view_schema: Identifier | None = None
    elderly_age: int = Field(70, ge=40, le=120)
    mask_rule: Literal["first_last", "first_only", "none"] = "first_last"
    timezone: str | None = "Asia/Shanghai"
    dept_types: tuple[Code, ...] = ("outpatient",)
    campus_names: dict[Code, str] = {}

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                zoneinfo.ZoneInfo(v)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @field_validator("dept_types")
    @classmethod
    def _some(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("dept_types may not be empty")
        return v
