"""Every operation of the 互认 platform, as data: one :class:`Operation` line each.

The client, the sender, the feed options and the docs read everything from here — what the body is, whether it
is a list, which answer ``data`` it returns, the data type and key a withdrawal names, a child's parent. There
is no ``if op == …`` anywhere else.

* ``kind`` — ``upload`` (a batch of data rows ``{"orgCode", "data": [row, …]}``, upserted by ``BusinessNo``),
  ``delete`` (``deleteData``), ``query`` (real-time, short timeout, read-only: safe to ask again), ``record`` (the
  workstation's behaviour records, deduplicated by their GUID: safe to send again).
* ``many`` — the body is a list (an upload's rows; the array record uploads).
* ``data_type`` / ``key`` — what ``deleteData`` names to withdraw an upload's rows: ``dataType`` and the rows'
  ``BusinessNo``.
* ``parent_field`` / ``parent_op`` — a child row names its report's ``BusinessNo`` in ``parent_field``; the
  platform refuses (``A0400``) a child whose report it does not hold, and a report's withdrawal while it still
  holds children (children are withdrawn first).
* ``answer`` — the model of the answer's ``data`` (``answer_many``: a list of it); ``None``: ``data`` is null.
* ``path`` — every call is ``POST <base>/api/v1/<name>``; a site overrides paths in the connection (``paths``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel

from hisbridge.platforms.mutual import models as m
from hisbridge.platforms.mutual.errors import UnknownOperation

__all__ = ["OPERATIONS", "Kind", "Operation", "by_data_type", "get", "uploads"]

Kind = Literal["upload", "delete", "query", "record"]
PATH_PREFIX = "/api/v1/"


@dataclass(frozen=True)
class Operation:
    """One operation of the platform (see the module docstring for each attribute)."""

    name: str
    title: str
    kind: Kind
    body: type[BaseModel]
    many: bool = False
    data_type: str | None = None
    key: Literal["BusinessNo"] | None = None
    parent_field: str | None = None
    parent_op: str | None = None
    answer: type[BaseModel] | None = None
    answer_many: bool = False
    #: the analogue's section it follows (platforms.md §2.2), or our declared spec
    source: str = "声明规范"
    note: str = ""

    @property
    def default_path(self) -> str:
        return PATH_PREFIX + self.name


_UPLOAD = {"kind": "upload", "many": True, "key": "BusinessNo", "answer": m.UploadResult}
_CHILD = {**_UPLOAD, "parent_field": "ReportBusinessNo", "parent_op": "uploadLabReport"}
_RECORD = {"kind": "record"}

# fmt: off
_ENTRIES = (
    Operation("uploadLabReport", "检验报告", body=m.LabReport, data_type="labReport", **_UPLOAD),
    Operation("uploadLabIndicator", "检验结果指标", body=m.LabIndicator, data_type="labIndicator", **_CHILD),
    Operation("uploadMicrobeBacteria", "微生物细菌结果", body=m.MicrobeBacteria, data_type="microbeBacteria",
              **_CHILD),
    Operation("uploadMicrobeSuscept", "药敏结果", body=m.MicrobeSuscept, data_type="microbeSuscept", **_CHILD),
    Operation("uploadExamReport", "检查报告", body=m.ExamReport, data_type="examReport", **_UPLOAD,
              note="一个检查项目一行"),
    Operation("uploadAppointment", "预约信息", body=m.Appointment, data_type="appointment", **_UPLOAD),
    Operation("uploadRegistration", "挂号信息", body=m.Registration, data_type="registration", **_UPLOAD,
              note="BusinessNo 即挂号ID（GHId）"),
    Operation("deleteData", "数据撤回", "delete", m.DeleteData, answer=m.DeleteResult,
              note="撤回报告前须先撤回其下级数据（指标、细菌、药敏），否则 A0400 存在下级数据"),
    Operation("queryReminders", "提醒查询", "query", m.ReminderQuery, answer=m.ReportSummary, answer_many=True,
              source="§2.2 searchType 1/2", note="接诊提醒（searchType 1）与开单提醒（searchType 2），默认回看 90 天"),
    Operation("getReport", "报告详情", "query", m.ReportQuery, answer=m.ReportDetail, note="报告不存在时 A0404"),
    Operation("uploadReminderRecords", "提醒记录上传", body=m.ReminderRecord, many=True, source="§3.2.2.5.8",
              **_RECORD),
    Operation("uploadRecognitionRecord", "互认记录上传（不互认）", body=m.RecognitionRecord, many=True,
              source="§3.2.2.5.9", **_RECORD),
    Operation("uploadRetrievalRecord", "调阅记录上传（调阅、互认）", body=m.RetrievalRecord, many=True,
              source="§3.2.2.5.10", **_RECORD),
    Operation("uploadQuoteLog", "引用记录上传", body=m.QuoteLog, source="§3.2.2.5.11", **_RECORD),
    Operation("revokeNonRecognition", "撤销不互认", body=m.RevokeNonRecognition, source="§3.2.2.5.12",
              note="该就诊对该报告没有有效的不互认记录时 A0404", **_RECORD),
)
# fmt: on

OPERATIONS: Mapping[str, Operation] = MappingProxyType({op.name: op for op in _ENTRIES})


def get(name: str) -> Operation:
    """The catalogue entry of ``name``; :class:`UnknownOperation` names the known ones otherwise."""
    try:
        return OPERATIONS[name]
    except KeyError:
        raise UnknownOperation(name, tuple(OPERATIONS)) from None


def uploads() -> tuple[Operation, ...]:
    """The data uploads (the operations a feed may name)."""
    return tuple(op for op in _ENTRIES if op.kind == "upload")


def by_data_type(data_type: str) -> Operation:
    """The upload that carries ``data_type`` rows."""
    for op in _ENTRIES:
        if op.data_type == data_type:
            return op
    raise UnknownOperation(f"(data type {data_type})", tuple(o.data_type or "" for o in uploads()))
