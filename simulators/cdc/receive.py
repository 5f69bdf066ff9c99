"""The front-end's answer to one push: field checks, referential checks, upsert or delete, and the reply.

Reply (XA ``SynchroResponseVo``): ``result`` (bool), ``desc``, ``id``, ``errorCode``, ``errorName``. Error codes
are the simulator's own (the real list is not public, platforms.md §1.8):

=================== ==================================================================================
errorCode           meaning
=================== ==================================================================================
INVALID_JSON        the body is not a UTF-8 JSON object
CONTENT_TYPE        ``Content-Type`` is not ``application/json``
UNKNOWN_FIELD       a key that is not a column of the table (snake_case or wrong case: the hint names the
                    camelCase key)
REQUIRED            a required field is null, absent or blank
TYPE                a value that is not a JSON string
LENGTH              a varchar longer than its length (in characters)
DATETIME_FORMAT     a timestamp that is not ``yyyy-MM-dd HH:mm:ss`` or not a real date-time
CODE_VALUE          a code outside its dictionary
PATIENT_NOT_FOUND   ``patientId`` names no received ``emrPatientInfo`` (PATIENT_DELETED: a deleted one)
PARENT_NOT_FOUND    ``exLabId`` / ``exClinicalId`` / ``orderId`` names no received parent ("父记录不存在";
                    PARENT_DELETED: a deleted one)
NOT_FOUND           DELETE of an id never received
HAS_CHILDREN        DELETE of a record that live records still point at (``delete_parent="refuse"``)
UNKNOWN_ENTITY      the path names no table (HTTP 404)
REFUSED             a ``refuse`` fault
=================== ==================================================================================

Several field problems are all listed in ``desc`` (first ten); ``errorCode``/``errorName`` give the first.
A DELETE of an id already deleted answers ``result true`` ("记录已删除"), so a client may repeat a delete whose
answer it lost.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from simulators.cdc import spec
from simulators.cdc.state import SimState


@dataclass(frozen=True)
class Reply:
    result: bool
    desc: str
    id: str | None = None
    error_code: str | None = None
    error_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "desc": self.desc, "id": self.id, "errorCode": self.error_code,
                "errorName": self.error_name}  # fmt: skip

    @classmethod
    def refused(cls, code: str, name: str, rid: str | None = None, desc: str | None = None) -> Reply:
        return cls(False, desc or name, rid, code, name)


def parse(raw: bytes) -> tuple[dict[str, Any] | None, Reply | None]:
    """The body as a JSON object, or the refusal."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, Reply.refused("INVALID_JSON", "报文解析失败: 请求体不是UTF-8编码")
    if not text.strip():
        return None, Reply.refused("INVALID_JSON", "报文解析失败: 请求体为空")

    def no_constants(name: str) -> Any:
        raise ValueError(f"非法数值{name}")

    try:
        data = json.loads(text, parse_constant=no_constants)
    except ValueError as exc:
        return None, Reply.refused("INVALID_JSON", f"报文解析失败: JSON格式错误({exc})"[:200])
    if not isinstance(data, dict):
        return None, Reply.refused("INVALID_JSON", "报文解析失败: 请求体应为JSON对象(每次一条记录)")
    return data, None


def record_id(data: dict[str, Any] | None) -> str | None:
    rid = data.get("id") if data else None
    return rid if isinstance(rid, str) else None


def _field_refusal(problems: list[spec.Problem], rid: str | None) -> Reply:
    first = problems[0]
    shown = "；".join(p.message for p in problems[:10])
    more = f"；等共{len(problems)}个问题" if len(problems) > 10 else ""
    return Reply.refused(first.code, first.message, rid, f"数据校验失败: {shown}{more}")


def _reference_refusal(state: SimState, table: spec.Table, data: dict[str, Any]) -> Reply | None:
    rid = data["id"]
    if table.has_patient:
        pid = data["patientId"]
        patient = state.get(spec.BY_NAME[spec.PATIENT_TABLE].entity, pid)
        if patient is None:
            return Reply.refused(
                "PATIENT_NOT_FOUND",
                f"患者不存在: patientId[{pid}]未上报过emrPatientInfo，请先上报患者基本信息",
                rid,
            )
        if patient.deleted:
            return Reply.refused("PATIENT_DELETED", f"患者已删除: emrPatientInfo[{pid}]", rid)
    if table.parent is not None:
        column, parent_name = table.parent
        parent = spec.BY_NAME[parent_name]
        wire = spec.camel(column)
        pid = data[wire]
        record = state.get(parent.entity, pid)
        if record is None:
            return Reply.refused(
                "PARENT_NOT_FOUND", f"父记录不存在: {wire}[{pid}]未上报过{parent.entity}({parent.cn})", rid
            )
        if record.deleted:
            return Reply.refused("PARENT_DELETED", f"父记录已删除: {parent.entity}[{pid}]", rid)
    return None


def upsert(state: SimState, table: spec.Table, data: dict[str, Any]) -> Reply:
    """POST: check the record and insert or replace it by ``id``. Call under ``state.lock``."""
    rid = record_id(data)
    problems = spec.check_record(table, data, quality=state.require_quality_fields)
    if problems:
        return _field_refusal(problems, rid)
    refusal = _reference_refusal(state, table, data)
    if refusal:
        return refusal
    _, created = state.upsert(table, data)
    return Reply(True, "新增成功" if created else "更新成功", rid)


def delete(state: SimState, table: spec.Table, data: dict[str, Any]) -> Reply:
    """DELETE: remove the record ``id`` (and, with ``delete_parent="cascade"``, its descendants)."""
    rid = record_id(data)
    problems = spec.check_delete(table, data)
    if problems:
        return _field_refusal(problems, rid)
    assert rid is not None
    record = state.get(table.entity, rid)
    if record is None:
        return Reply.refused("NOT_FOUND", f"记录不存在，无法删除: {table.entity}[{rid}]未上报过", rid)
    if record.deleted:
        return Reply(True, f"记录已删除(于{record.deleted_at})", rid)
    kids = state.live_children(table.entity, rid)
    if kids and state.delete_parent == "refuse":
        by_entity = Counter(entity for entity, _ in kids)
        listed = "、".join(f"{e} {n}条" for e, n in sorted(by_entity.items()))
        return Reply.refused("HAS_CHILDREN", f"存在未删除的子记录({listed})，请先删除子记录", rid)
    deleted = state.delete(table, rid)
    extra = f"，级联删除子记录{len(deleted) - 1}条" if len(deleted) > 1 else ""
    return Reply(True, f"删除成功{extra}", rid)
