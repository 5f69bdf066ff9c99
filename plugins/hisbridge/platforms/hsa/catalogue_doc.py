"""The docs' table of 医保 transactions, generated from the catalogue (``docs/hsa_transactions.md``).

``python -m hisbridge hsa-catalogue`` prints it; ``--write`` puts it into the docs between its markers, and a
test fails when the docs and the catalogue disagree.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from hisbridge.platforms.hsa.catalogue import CATALOGUE
from hisbridge.platforms.hsa.txn import Txn

DOC = Path(__file__).resolve().parents[4] / "docs" / "hsa_transactions.md"
START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"


def served_by(txn: Txn) -> str:
    if txn.group == "进销存":
        return "追溯码上传任务" + ("" if txn.many and txn.err_node else "（单条）")
    return f"网关 `/hsa/v1/{txn.infno}`"


def input_nodes(txn: Txn) -> str:
    if txn.node is not None:
        return f"`{txn.node}`" + ("[]" if txn.many else "")
    return " + ".join(f"`{name}`" + ("[]" if _is_list(info.annotation) else "")
                      for name, info in txn.body.model_fields.items())


def output_nodes(txn: Txn) -> str:
    if txn.output is None:
        return "—"
    fields = txn.output.model_fields
    if not any(_model_in(info.annotation) for info in fields.values()):
        return "(fields at top level)" if fields else "(undeclared: kept as sent)"
    return " + ".join(f"`{name}`" + ("[]" if _is_list(info.annotation) else "") for name, info in fields.items())


def table() -> str:
    rows = [
        "| infno | 名称 | 组 | hsa.md | 调用方式 | 输入节点 | 输出节点 | 改变平台数据 | 撤销交易 | 可 2601 冲正 | 已知错误 "
        "| 公开资料未定（可配置） |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for txn in sorted(CATALOGUE.values(), key=lambda t: (t.group, t.infno)):
        errors = "; ".join(f"“{e.wording}” → {e.meaning}" for e in txn.errors) or "—"
        rows.append(
            f"| {txn.infno} | {txn.title} | {txn.group or '—'} | §{txn.section or '—'} | {served_by(txn)} | "
            f"{input_nodes(txn)} | "
            f"{output_nodes(txn)} | {'是' if txn.changes_state else '否'} | {txn.undone_by or '—'} | "
            f"{'是' if txn.reversible else '否'} | {errors} | {txn.unknowns or '—'} |"
        )
    return "\n".join(rows)


def rendered(doc: str) -> str:
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hisbridge hsa-catalogue", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"update {DOC.name} between its markers")
    args = parser.parse_args(argv)
    if args.write:
        DOC.write_text(rendered(DOC.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        print(table())
    return 0


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list or "list[" in str(annotation)


def _model_in(annotation: Any) -> bool:
    text = str(annotation)
    return any(isinstance(a, type) and issubclass(a, BaseModel) for a in getattr(annotation, "__args__", ())) \
        or (isinstance(annotation, type) and issubclass(annotation, BaseModel)) or "list[" in text
