"""``python -m hisbridge cdc …``: the CDC front-end's database script and docs table.

::

    python -m hisbridge cdc ddl --dialect postgresql|oracle|sqlite [--schema NAME]   # print the DDL script
    python -m hisbridge cdc doc [--write]                                           # docs/cdc_tables.md
"""

from __future__ import annotations

import argparse

from hisbridge.contracts.sql import DIALECTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hisbridge cdc", description="传染病监测预警前置软件：建表脚本与表文档")
    commands = parser.add_subparsers(dest="command", required=True)
    script = commands.add_parser("ddl", help="前置软件数据库的建表脚本（由列声明生成）")
    script.add_argument("--dialect", choices=DIALECTS, required=True)
    script.add_argument("--schema", default=None, help="PostgreSQL schema / Oracle owner of the tables")
    doc = commands.add_parser("doc", help="docs/cdc_tables.md 的表格")
    doc.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "ddl":
        from hisbridge.platforms.cdc.ddl import render_script

        print(render_script(args.dialect, schema=args.schema), end="")
        return 0
    from hisbridge.platforms.cdc import doc as cdc_doc

    return cdc_doc.main(["--write"] if args.write else [])
