"""9101 文件上传 / 9102 文件下载: the file travels as Base64 under the wire name ``in``; the upload's output is
read at the top level or under a wrapper; the download answers bytes, not an output."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.catalogue import get

ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00stmt_detail.txt"
UPLOAD = {"in": ZIP, "filename": "H36010000001_20261130.zip", "fixmedins_code": "H36010000001"}
DOWNLOAD = {"file_qury_no": "F20261130120000000001", "filename": "plc", "fixmedins_code": "H36010000001"}
ANSWER = {"file_qury_no": "F20261130120000000001", "filename": "H36010000001_20261130.zip",
          "dld_endtime": "2026-12-01 12:00:00", "fixmedins_code": "H36010000001", "file_size": 2048}


def test_txn_lines() -> None:
    up, down = get("9101"), get("9102")
    assert (up.title, up.node, up.group, up.section) == ("文件上传", "fsUploadIn", "文件", "4.11")
    assert (down.title, down.node, down.group, down.section) == ("文件下载", "fsDownloadIn", "文件", "4.11")
    assert up.changes_state and not down.changes_state and not up.many and not down.many
    assert up.output is not None and down.output is None and "bytes" in down.unknowns and "multipart" in up.unknowns


def test_9101_body_carries_the_file_as_base64_under_the_wire_name_in() -> None:
    body = get("9101").body.model_validate(UPLOAD)
    wire = body.model_dump(mode="json")
    assert wire == {"in": base64.b64encode(ZIP).decode(), "filename": UPLOAD["filename"],
                    "fixmedins_code": "H36010000001"}
    assert body.in_ == ZIP
    assert get("9101").body.model_validate(wire) == body  # a wire body (Base64 text) reads back


def test_9101_body_takes_a_bytearray_and_the_python_name() -> None:
    body = get("9101").body.model_validate({**{k: v for k, v in UPLOAD.items() if k != "in"}, "in_": bytearray(ZIP)})
    assert body.model_dump()["in"] == ZIP


def test_9102_body_is_the_wire_body() -> None:
    assert get("9102").body.model_validate({**DOWNLOAD, "filename": " plc "}).model_dump(mode="json") == DOWNLOAD


@pytest.mark.parametrize(("infno", "valid", "change", "field"), [
    ("9101", UPLOAD, {"in": b""}, "in"),                                  # an empty file is no file
    ("9101", UPLOAD, {"in": "not base64!"}, "in"),                        # text must be the wire's Base64
    ("9101", UPLOAD, {"in": None}, "in"),                                 # required
    ("9101", UPLOAD, {"filename": ""}, "filename"),                       # required
    ("9101", UPLOAD, {"filename": "a" * 197 + ".zip"}, "filename"),       # C200
    ("9101", UPLOAD, {"fixmedins_code": "H" * 31}, "fixmedins_code"),     # C30
    ("9102", DOWNLOAD, {"file_qury_no": "  "}, "file_qury_no"),           # required
    ("9102", DOWNLOAD, {"file_qury_no": "F" * 31}, "file_qury_no"),       # C30
    ("9102", DOWNLOAD, {"in": "UEsDBA=="}, "in"),                         # unknown keys are refused
])
def test_file_bodies_refuse_what_the_spec_forbids_naming_the_field(
        infno: str, valid: dict, change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        get(infno).body.model_validate({**valid, **change})
    assert {e["loc"][0] for e in exc.value.errors()} == {field}


@pytest.mark.parametrize("answer", [ANSWER, {"fileinfo": ANSWER}], ids=["top-level", "wrapped"])
def test_9101_output_is_read_at_the_top_level_or_under_a_wrapper_keeping_unknown_fields(answer: dict) -> None:
    out = get("9101").output.model_validate(answer)
    assert (out.file_qury_no, out.filename) == ("F20261130120000000001", "H36010000001_20261130.zip")
    assert out.dld_endtime == datetime(2026, 12, 1, 12) and out.fixmedins_code == "H36010000001"
    dumped = out.model_dump()
    assert dumped.get("file_size", dumped.get("fileinfo", {}).get("file_size")) == 2048
