"""The contract's column tables as Markdown, for ``docs/queue_views_contract.md``.

``python -m hisbridge queue-views render --markdown`` prints them; a test parses the document and compares
it with the contract, so the document cannot drift from ``queue_views.yaml``.
"""

from __future__ import annotations

from hisbridge.contracts.column_types import oracle_type, pg_type
from hisbridge.platforms.queue.declaration import ColumnSpec, QueueContract

TABLE_HEADER = (
    "| 列名 | 含义 | PostgreSQL 类型 | Oracle 类型 | 可空 | 示例 | 站点可删 |\n|---|---|---|---|---|---|---|"
)


def column_row(col: ColumnSpec) -> tuple[str, str, str, str, str, str, str]:
    """One column as the document shows it: name, meaning, PG type, Oracle type, nullable, example, droppable."""
    example = "" if col.example is None else str(col.example)
    return (
        col.name,
        col.description,
        pg_type(col.type),
        oracle_type(col.type),
        "是" if col.nullable else "否",
        example,
        "否" if col.required else "是",
    )


def view_table(contract: QueueContract, view: str) -> str:
    rows = []
    for col in contract.views[view].columns:  # type: ignore[index]
        name, meaning, pg, ora, nullable, example, droppable = column_row(col)
        ex = f"`{example}`" if example else ""
        rows.append(f"| `{name}` | {meaning} | `{pg}` | `{ora}` | {nullable} | {ex} | {droppable} |")
    return "\n".join([TABLE_HEADER, *rows])


def contract_markdown(contract: QueueContract) -> str:
    parts = []
    for view in contract.view_names:
        spec = contract.views[view]
        need = "必须提供" if spec.required else "一般需要提供"
        parts.append(
            f"### {view} — {spec.title}（{need}）\n\n{spec.description}\n\n{view_table(contract, view)}\n"
        )
    return "\n".join(parts)
