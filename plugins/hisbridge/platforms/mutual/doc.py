"""The docs' tables of the 互认 platform's operations, fields, answer codes, reasons and code sets, generated from
the catalogue and the models (``docs/mutual_transactions.md``).

``python -m hisbridge mutual doc`` prints them; ``--write`` puts them into the docs between the markers, and a
test fails when the docs and the declarations disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from hisbridge.platforms.mutual.answers import AnswerClass, load_answer_codes
from hisbridge.platforms.mutual.catalogue import OPERATIONS, Operation
from hisbridge.platforms.mutual.codes import CODE_SETS, REASON_TABLE

DOC = Path(__file__).resolve().parents[4] / "docs" / "mutual_transactions.md"
START, END = "<!-- mutual-operations:start -->", "<!-- mutual-operations:end -->"

KINDS = {"upload": "数据上传", "delete": "数据撤回", "query": "实时查询", "record": "行为记录"}
CLASSES = {
    AnswerClass.OK: "成功",
    AnswerClass.REFUSED: "业务拒绝：记录 rejected（平台原话），不重试",
    AnswerClass.MISCONFIGURED: "连接配置错误：任务失败且不重试，修正连接",
    AnswerClass.NOT_FOUND: "数据不存在：撤回视为完成；报告查询显示“不存在”",
    AnswerClass.BUSY: "平台繁忙：记录保持 pending，任务退避重试",
    AnswerClass.UNKNOWN: "结果未知：记录 unknown，下次运行重发（按 BusinessNo 覆盖 / 按 GUID 去重）",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type_of(prop: dict[str, Any]) -> str:
    """A field's wire type in words, from its JSON schema."""
    options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    p = options[0] if options else prop
    if "enum" in p:
        return "代码：" + "/".join(f"`{v}`" if v != "" else "空" for v in p["enum"])
    if "const" in p:
        return f"固定 `{p['const']}`"
    if "$ref" in p:
        return f"`{p['$ref'].rsplit('/', 1)[-1]}`"
    kind = p.get("type")
    if kind == "array":
        return "列表：" + _type_of(p.get("items", {}))
    if kind == "integer":
        bounds = [f"≥{p['minimum']}" if "minimum" in p else "", f"≤{p['maximum']}" if "maximum" in p else ""]
        return "整数" + (f"（{'，'.join(b for b in bounds if b)}）" if any(bounds) else "")
    if kind == "boolean":
        return "布尔"
    if kind == "string":
        fmt = {"date-time": "日期时间 `yyyy-MM-dd HH:mm:ss`", "date": "日期 `yyyy-MM-dd`"}.get(p.get("format", ""))
        if fmt:
            return fmt
        text = f"文本 ≤{p['maxLength']}" if "maxLength" in p else "文本"
        return text + (f"，格式 `{p['pattern']}`" if "pattern" in p else "")
    return kind or "—"


def field_table(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="validation")
    props = schema.get("properties", {})
    lines = ["| 字段 | 类型 | 说明 | 必填 | 个人信息 |", "|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        prop = props.get(name, {})
        pii = isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("pii")
        default = "" if info.is_required() or info.default in (None, "") or info.default_factory else \
            f"（默认 `{info.default}`）"
        lines.append(f"| `{name}` | {_cell(_type_of(prop))} | {_cell(info.description or '')}{default} | "
                     f"{'是' if info.is_required() else ''} | {'是' if pii else ''} |")
    return "\n".join(lines)


def overview() -> str:
    lines = ["| 接口 | 名称 | 类别 | 默认路径 | 报文体 | 数据类型 | 上级 | 依据 | 说明 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for op in OPERATIONS.values():
        body = f"`{op.body.__name__}`" + ("（数组）" if op.many else "")
        parent = f"`{op.parent_field}` → `{op.parent_op}`" if op.parent_field else "—"
        lines.append(f"| `{op.name}` | {op.title} | {KINDS[op.kind]} | `{op.default_path}` | {body} | "
                     f"{f'`{op.data_type}`' if op.data_type else '—'} | {parent} | {_cell(op.source)} | "
                     f"{_cell(op.note)} |")
    return "\n".join(lines)


def answer_code_table() -> str:
    codes = load_answer_codes()
    lines = ["| 应答码 | 含义 | hisbridge 的处理 |", "|---|---|---|"]
    for code, entry in codes.codes.items():
        lines.append(f"| `{code}` | {entry.title} | {CLASSES[entry.answer_class]} |")
    lines.append(f"| 其他 | — | {CLASSES[codes.otherwise]} |")
    return "\n".join(lines)


def reason_table() -> str:
    lines = ["| 代码 | 不互认原因 | 计入不互认 | 须填疾病名称 diagName |", "|---|---|---|---|"]
    for r in REASON_TABLE:
        lines.append(f"| `{r.code}` | {r.title} | {'是' if r.counted else '否'} | {'是' if r.needs_diag_name else ''} |")
    return "\n".join(lines)


def code_set_table() -> str:
    lines = ["| 代码集 | 名称 | 代码 |", "|---|---|---|"]
    for name, (title, codes) in CODE_SETS.items():
        lines.append(f"| `{name}` | {title} | {_cell('；'.join(c if c == n else f'{c} {n}' for c, n in codes.items()))} |")
    return "\n".join(lines)


def operation_section(op: Operation) -> str:
    facts = [f"{KINDS[op.kind]}", f"报文体 `{op.body.__name__}`" + ("（数组）" if op.many else "（对象）")]
    if op.data_type:
        facts.append(f"数据类型 `{op.data_type}`")
    if op.key:
        facts.append(f"键 `{op.key}`")
    if op.parent_field:
        facts.append(f"上级 `{op.parent_field}` → `{op.parent_op}`")
    facts.append(f"{len(op.body.model_fields)} 个字段")
    lines = [f"### {op.name} — {op.title}", "", " · ".join(facts), ""]
    if op.body.__doc__:
        lines += [f"> {op.body.__doc__.strip()}", ""]
    if op.kind == "upload":
        lines += ["报文：`{\"orgCode\": \"<本机构代码>\", \"data\": [行, …]}`，每行如下：", ""]
    lines.append(field_table(op.body))
    if op.answer is not None:
        shape = f"`{op.answer.__name__}` 的列表" if op.answer_many else f"`{op.answer.__name__}`"
        lines += ["", f"应答 `data`：{shape}", "", field_table(op.answer)]
        nested = [a for a in _nested(op.answer) if a is not op.answer]
        for model in nested:
            lines += ["", f"`{model.__name__}`：", "", field_table(model)]
    else:
        lines += ["", "应答 `data`：null"]
    return "\n".join(lines)


def _nested(model: type[BaseModel]) -> list[type[BaseModel]]:
    """The model and the models its list fields hold, in declaration order."""
    found = [model]
    for info in model.model_fields.values():
        for arg in getattr(info.annotation, "__args__", ()):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in found:
                found.append(arg)
    return found


def generated() -> str:
    parts = ["## 接口一览", "", overview(), "", "## 应答码", "", answer_code_table(), "",
             "## 不互认原因", "", reason_table(), "", "## 代码集", "", code_set_table(), "", "## 各接口的字段", ""]
    parts += [operation_section(op) + "\n" for op in OPERATIONS.values()]
    return "\n".join(parts).rstrip() + "\n"


def rendered(doc: str) -> str:
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{generated()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hisbridge mutual doc", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"update {DOC.name} between its markers")
    args = parser.parse_args(argv)
    if args.write:
        DOC.write_text(rendered(DOC.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        print(generated(), end="")
    return 0
