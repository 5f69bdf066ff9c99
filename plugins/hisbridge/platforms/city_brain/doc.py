"""The tables of ``docs/city_brain_api.md`` — the endpoints, their parameters and answers, the answer codes —
generated from the catalogue, the models and ``include/mappings/city_brain_answers.yaml``.

``python -m hisbridge city-brain doc`` prints them; ``--write`` puts them into the docs between the markers, and
a test fails when the docs and the declarations disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from hisbridge.platforms.city_brain import catalogue
from hisbridge.platforms.city_brain.answers import load_answers
from hisbridge.platforms.city_brain.catalogue import DEFAULT_MAX_DAYS, Endpoint
from hisbridge.platforms.city_brain.executor import bind_names

DOC = Path(__file__).resolve().parents[4] / "docs" / "city_brain_api.md"
START, END = "<!-- city-brain-endpoints:start -->", "<!-- city-brain-endpoints:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type_of(prop: dict[str, Any]) -> str:
    """A field's wire type in words, from its JSON schema."""
    options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    p = options[0] if options else prop
    if "enum" in p:
        return "代码：" + "/".join(f"`{v}`" for v in p["enum"])
    if "$ref" in p:
        return f"`{p['$ref'].rsplit('/', 1)[-1]}`"
    kind = p.get("type")
    if kind == "array":
        return "列表：" + _type_of(p.get("items", {}))
    if kind == "integer":
        bounds = [f"≥{p['minimum']}" if "minimum" in p else "", f"≤{p['maximum']}" if "maximum" in p else ""]
        return "整数" + (f"（{'，'.join(b for b in bounds if b)}）" if any(bounds) else "")
    if kind == "number":
        return "数值"
    if kind == "boolean":
        return "布尔"
    if kind == "string":
        if p.get("format") == "date":
            return "日期 `yyyy-MM-dd`"
        if p.get("pattern") == r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$":
            return "时间 `yyyy-MM-dd HH:mm:ss`"
        if p.get("pattern") == r"^-?\d+\.\d{2}$":
            return "金额（文本，2 位小数）"
        text = f"文本 ≤{p['maxLength']}" if "maxLength" in p else "文本"
        return text + (f"，格式 `{p['pattern']}`" if "pattern" in p else "")
    return kind or "—"


def field_table(model: type[BaseModel], mode: str = "validation") -> str:
    schema = model.model_json_schema(mode=mode, by_alias=True)  # type: ignore[arg-type]
    props = schema.get("properties", {})
    lines = ["| 字段 | 类型 | 说明 | 必填 | 个人信息 |", "|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        wire = info.alias or name
        pii = isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("pii")
        default = "" if info.is_required() or info.default in (None, "") or info.default_factory else \
            f"（默认 `{info.default}`）"
        required = info.is_required()
        lines.append(f"| `{wire}` | {_cell(_type_of(props.get(wire, {})))} | {_cell(info.description or '')}{default}"
                     f" | {'是' if required else ''} | {'是' if pii else ''} |")
    return "\n".join(lines)


def _range(endpoint: Endpoint) -> str:
    if endpoint.max_days is None or "start_date" not in endpoint.params.model_fields:
        return "—"
    return "站点 max_days（默认 31 天）" if endpoint.max_days == DEFAULT_MAX_DAYS else f"{endpoint.max_days} 天"


def overview() -> str:
    lines = ["| 接口（路径） | 名称 | 模块 | 答复 | 参数 | 日期范围上限 | SQL |", "|---|---|---|---|---|---|---|"]
    for area in catalogue.areas():
        for e in area.endpoints:
            params = "、".join(f"`{info.alias or name}`" for name, info in e.params.model_fields.items()) or "—"
            kind = "分页列表" if e.many else "单个对象"
            lines.append(f"| `{e.path}` | {e.title} | {area.title} | {kind} | {params} | {_range(e)} | "
                         f"`include/sql/{e.sql}` |")
    lines.append("| `health` | 医院接口健康检查 | 运维 | 单个对象 | — | — | — |")
    return "\n".join(lines)


def answer_code_table() -> str:
    answers = load_answers()
    lines = ["| code | HTTP | message |", "|---|---|---|"]
    for code, meaning in answers.codes.items():
        lines.append(f"| `{code}` | {meaning.status} | {meaning.message} |")
    return "\n".join(lines)


def endpoint_section(endpoint: Endpoint) -> str:
    binds = sorted(bind_names(endpoint.sql))
    facts = ["分页列表" if endpoint.many else "单个对象（无记录答复 2004）",
             f"排序 {', '.join(f'`{c}`' for c in endpoint.order_by)}" if endpoint.order_by else "",
             f"日期范围上限 {_range(endpoint)}" if _range(endpoint) != "—" else "",
             f"SQL `include/sql/{endpoint.sql}`（绑定 {', '.join(f'`:{b}`' for b in binds) or '无'}）"]
    lines = [f"### {endpoint.path} — {endpoint.title}", "", " · ".join(f for f in facts if f), ""]
    if endpoint.description:
        lines += [endpoint.description, ""]
    lines += ["请求 `bizContent`：", "", field_table(endpoint.params), ""]
    shape = "`data.list` 的每一项" if endpoint.many else "`data`"
    lines += [f"答复 {shape}：", "", field_table(endpoint.item, "serialization")]
    for child in endpoint.children:
        wire = endpoint.item.model_fields[child.field].alias or child.field
        lines += ["", f"`{wire}` 的每一项（`include/sql/{child.sql}`）：", "",
                  field_table(child.item, "serialization")]
    return "\n".join(lines)


def health_section() -> str:
    from hisbridge.platforms.city_brain.app import Component, Health, PushQueue

    return "\n".join(["### health — 医院接口健康检查", "",
                      "单个对象 · 无业务参数 · HIS 不可用时仍答复 code 0，`data.status` 为 `DOWN`", "",
                      "答复 `data`：", "", field_table(Health, "serialization"), "",
                      "`his`、`ledger`：", "", field_table(Component, "serialization"), "",
                      "`pushes`：", "", field_table(PushQueue, "serialization")])


def generated() -> str:
    parts = ["## 接口一览", "", overview(), "", "## 答复代码", "", answer_code_table(), "", "## 各接口的参数与答复", ""]
    for area in catalogue.areas():
        parts += [endpoint_section(e) + "\n" for e in area.endpoints]
    parts.append(health_section())
    return "\n".join(parts).rstrip() + "\n"


def rendered(doc: str) -> str:
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{generated()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hisbridge city-brain doc", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"update {DOC.name} between its markers")
    args = parser.parse_args(argv)
    if args.write:
        DOC.write_text(rendered(DOC.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        print(generated(), end="")
    return 0
