"""The docs' tables of the CDC front-end's tables and code sets, generated from the declarations
(``docs/cdc_tables.md``).

``python -m hisbridge cdc doc`` prints them; ``--write`` puts them into the docs between the markers, and a test
fails when the docs and the declarations disagree.
"""

from __future__ import annotations

from pathlib import Path

from hisbridge.platforms.cdc.codes import code_sets
from hisbridge.platforms.cdc.tables import TABLES, CdcTable, Col

DOC = Path(__file__).resolve().parents[4] / "docs" / "cdc_tables.md"
START, END = "<!-- cdc-tables:start -->", "<!-- cdc-tables:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _column_row(t: CdcTable, col: Col) -> str:
    flags = [x for x in (col.need.title, "主键" if col.name == t.key else "", "个人信息" if col.pii else "") if x]
    return (f"| `{col.name}` | `{col.camel}` | {col.type} | {_cell(col.title)} | {'、'.join(flags) or ''} | "
            f"{f'`{col.codes}`' if col.codes else ''} | {f'`{col.parent}`' if col.parent else ''} | "
            f"{_cell(col.note or '')} |")


def table_section(t: CdcTable) -> str:
    parents = "、".join(f"`{c.name}` → `{c.parent}`" for c in t.parents) or "无"
    lines = [
        f"### {t.name} — {t.title}",
        "",
        f"接口 `POST/DELETE …/hclient/emr/receive/{t.entity}` · 时效：{t.group.title} · 键：`{t.key}` · "
        f"父表：{parents} · {len(t.columns)} 列",
        "",
    ]
    if t.note:
        lines += [f"> {t.note}", ""]
    lines += ["| 列 | JSON | 类型 | 说明 | 必填 | 代码集 | 父表 | 备注 |", "|---|---|---|---|---|---|---|---|"]
    lines += [_column_row(t, c) for c in t.columns]
    return "\n".join(lines)


def overview() -> str:
    lines = ["| 表 | 名称 | 接口实体 | 时效 | 键 | 列数 | 父表 |", "|---|---|---|---|---|---|---|"]
    for t in TABLES.values():
        parents = "、".join(sorted({f"`{c.parent}`" for c in t.parents})) or "—"
        lines.append(f"| `{t.name}` | {t.title} | `{t.entity}` | {t.group.title} | `{t.key}` | {len(t.columns)} | "
                     f"{parents} |")
    return "\n".join(lines)


def code_set_section() -> str:
    lines = ["| 代码集 | 名称 | 来源 | 封闭 | 代码 |", "|---|---|---|---|---|"]
    for cs in code_sets().values():
        codes = "；".join(f"{c} {n}" for c, n in cs.codes.items())
        closed = "是" if cs.closed else f"否（格式 `{cs.pattern}`）"
        lines.append(f"| `{cs.name}` | {cs.title} | {_cell(cs.standard)} | {closed} | {_cell(codes)} |")
    return "\n".join(lines)


def generated() -> str:
    parts = ["## 一览", "", overview(), "", "## 代码集", "", code_set_section(), "", "## 各表的列", ""]
    parts += [table_section(t) + "\n" for t in TABLES.values()]
    return "\n".join(parts).rstrip() + "\n"


def rendered(doc: str) -> str:
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{generated()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hisbridge cdc doc", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"update {DOC.name} between its markers")
    args = parser.parse_args(argv)
    if args.write:
        DOC.write_text(rendered(DOC.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        print(generated(), end="")
    return 0
