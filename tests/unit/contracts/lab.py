"""A small made-up contract (a laboratory's open orders and results) that names no hisbridge platform.

It has what a platform's contract has — a view over a base table, a table another system writes, a reader
account — so the tests prove :mod:`hisbridge.contracts` works for a contract other than the queue's.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from hisbridge.contracts.model import Column, DbContract, Reader, Table, View
from hisbridge.contracts.sql import DIALECTS, qualifier

BASE_TABLE_DDL = (
    "CREATE TABLE lab_order (order_id VARCHAR(20) PRIMARY KEY, patient_name VARCHAR(50), "
    "test_code VARCHAR(10), ordered_at TIMESTAMP, status VARCHAR(10))"
)
BASE_ROWS = (
    "INSERT INTO lab_order VALUES ('O1', '张三', 'GLU', '2026-03-01 08:00:00', 'open'), "
    "('O2', '李四', 'HBA1C', '2026-03-01 09:30:00', 'done'), ('O3', '王五', 'GLU', NULL, 'void')"
)


def lab_contract(reader_name: str = "lab_reader", schema_name: str | None = None) -> DbContract:
    """The made-up contract; base tables are qualified per dialect as a platform's builder would."""
    open_orders = View(
        name="lab_open_order",
        label="检验申请",
        comment="未作废的检验申请",
        columns=(
            Column(name="order_id", type="string(20)", description="申请单号", nullable=False, key=True,
                   expr=dict.fromkeys(DIALECTS, "o.order_id")),
            Column(name="test_code", type="string(10)", description="项目代码",
                   expr=dict.fromkeys(DIALECTS, "o.test_code")),
            Column(name="ordered_at", type="datetime", description="申请时间",
                   expr=dict.fromkeys(DIALECTS, "o.ordered_at")),
            Column(name="is_open", type="flag", description="1 未完成，0 已完成", nullable=False,
                   expr=dict.fromkeys(DIALECTS, "CASE WHEN o.status = 'open' THEN 1 ELSE 0 END")),
        ),
        from_where={
            d: f"FROM {qualifier(schema_name, d)('lab_order')} o\nWHERE o.status <> 'void'" for d in DIALECTS
        },
    )  # fmt: skip
    results = Table(
        name="lab_result",
        comment="检验结果（由检验系统写入）",
        columns=(
            Column(name="result_id", type="string(20)", description="结果号", nullable=False, key=True),
            Column(name="order_id", type="string(20)", description="申请单号", nullable=False),
            Column(name="value_text", type="string(50)", description="结果"),
            Column(name="reported_at", type="datetime", description="报告时间"),
        ),
    )
    return DbContract(
        title="检验接口契约",
        install_hint="lab install",
        schema_name=schema_name,
        objects=(results, open_orders),
        base_tables=("lab_order",),
        reader=Reader(name=reader_name, password_env="LAB_READER_PASSWORD"),
    )


def create_base_table(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(BASE_TABLE_DDL))
        conn.execute(text(BASE_ROWS))
