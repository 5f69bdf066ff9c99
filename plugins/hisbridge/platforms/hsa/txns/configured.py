"""A transaction body declared in YAML instead of code, for what public material does not fix (9903): the site
edits the YAML from its province's interface package, and the catalogue, the gateway and the docs follow."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from hisbridge.pipeline.spec import read_yaml
from hisbridge.platforms.hsa.models import _number, _text
from hisbridge.platforms.hsa.txns.base import Date, DateTime, HsaBody, f

MAPPINGS = Path(__file__).resolve().parents[5] / "include" / "mappings"


class FieldDecl(BaseModel):
    name: str = Field(description="中文名")
    type: Literal["C", "N", "D", "DT"]
    length: int | None = Field(None, ge=1, description="C: 最大长度")
    digits: int | None = Field(None, ge=1, description="N: 总位数")
    places: int = Field(0, ge=0, description="N: 小数位数")
    required: bool = False
    pii: Literal["patient", "staff"] | None = None


class BodyDecl(BaseModel):
    node: str | None = "data"
    fields: dict[str, FieldDecl]


def configured_body(infno: str, class_name: str, doc: str) -> tuple[str | None, type[HsaBody]]:
    """``(node, body model)`` of ``infno`` from ``HISBRIDGE_HSA_<infno>`` or ``include/mappings/hsa_<infno>.yaml``."""
    path = Path(os.environ.get(f"HISBRIDGE_HSA_{infno}") or MAPPINGS / f"hsa_{infno}.yaml")
    decl = BodyDecl.model_validate(read_yaml(path))
    fields: dict[str, Any] = {}
    for wire, d in decl.fields.items():
        kind = _type_of(d)
        fields[wire] = (kind, f(d.name, pii=d.pii)) if d.required else (kind | None, f(d.name, None, pii=d.pii))
    model = create_model(class_name, __base__=HsaBody, __doc__=f"{doc} (declared in {path.name})", **fields)
    return decl.node, model


def _type_of(d: FieldDecl) -> Any:
    if d.type == "C":
        return _text(d.length or 4000)
    if d.type == "N":
        return _number(d.digits or 16, d.places)
    return Date if d.type == "D" else DateTime
