"""文件: 9101 文件上传 and 9102 文件下载 (hsa.md §4.11, §5.5).

Files carry what does not fit a message: the 3202 detail reconciliation file goes up with 9101 (its
``file_qury_no`` is then named in 3202), and 3202 result files, large 5204 results and the 1301–1319 catalogs come
down with 9102.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator
from pydantic_core import PydanticCustomError

from hisbridge.platforms.hsa.txn import Txn
from hisbridge.platforms.hsa.txns.base import (
    C30,
    C200,
    HsaBody,
    HsaOutput,
    OutDateTime,
    OutText,
    f,
    o,
)


def _file_bytes(value: object) -> object:
    """The file's bytes; text is taken as the Base64 the wire carries (so a wire body reads back)."""
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise PydanticCustomError("base64", "not Base64 text (Base64 文本无效)") from None
    return value


#: 文件数据: the spec's "byte array" travels as Base64 text in JSON, as C#/Java serialisers send ``byte[]`` [C]
FileBytes = Annotated[
    bytes,
    BeforeValidator(_file_bytes),
    Field(min_length=1),  # an empty file is no file
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str, when_used="json"),
]


class FileUpload(HsaBody):
    """9101 文件上传, input node ``fsUploadIn`` (usually a ``.zip`` holding one ``.txt``)."""

    # the wire name ``in`` is a Python keyword: the field is ``in_`` and (de)serialises as ``in``
    model_config = ConfigDict(serialize_by_alias=True, validate_by_alias=True, validate_by_name=True)

    in_: FileBytes = Field(alias="in", description="文件数据")
    filename: C200 = f("文件名")
    fixmedins_code: C30 = f("医药机构编号")


class FileUploadOutput(HsaOutput):
    """9101 ``output``: the fields at its top level, or under a wrapper node on some platforms (name not
    captured) — read from either place, the wrapper itself kept as an extra field."""

    file_qury_no: OutText | None = o("文件查询号", required=True)
    filename: OutText | None = o("文件名", required=True)
    dld_endtime: OutDateTime | None = o("截止时间")  # the file can be referred to only until then
    fixmedins_code: OutText | None = o("医药机构编号")  # echoed by some versions

    @model_validator(mode="before")
    @classmethod
    def _lift_wrapped(cls, data: Any) -> Any:
        if isinstance(data, dict) and "file_qury_no" not in data:
            wrapped = [v for v in data.values() if isinstance(v, dict) and "file_qury_no" in v]
            if len(wrapped) == 1:
                return {**wrapped[0], **data}
        return data


class FileDownload(HsaBody):
    """9102 文件下载, input node ``fsDownloadIn``."""

    file_qury_no: C30 = f("文件查询号")
    filename: C200 = f("文件名")  # one model: fixed "plc" for the 1301–1319 catalog files
    fixmedins_code: C30 = f("医药机构编号")


# fmt: off
ENTRIES = (
    Txn("9101", "文件上传", "fsUploadIn", FileUpload, output=FileUploadOutput, group="文件", section="4.11",
        unknowns="Some deployments take multipart/form-data (jsonStr + a binary in/file part) instead of Base64 in the "
                 "JSON, and the output fields sit at output top level in one model but under an uncaptured wrapper "
                 "node in others (both read)."),
    Txn("9102", "文件下载", "fsDownloadIn", FileDownload, changes_state=False, group="文件", section="4.11",
        unknowns="A hit answers the raw file bytes (application/octet-stream, usually a zip), not a JSON envelope, "
                 "so output is None and success is told by content type; only misses answer a JSON error envelope."),
)
# fmt: on
