"""``python -m hisbridge mutual …``: the 互认 platform's docs table and the workstation service.

::

    python -m hisbridge mutual doc [--write]            # docs/mutual_transactions.md
    python -m hisbridge mutual serve [options …]        # the workstation service, alone under uvicorn
    python -m hisbridge mutual ddl --dialect oracle     # HIS-side tables of quoted reports
    python -m hisbridge mutual token add|list|revoke    # workstation callers' tokens
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["serve"], ["ddl"], ["token"]):  # the service's own command line
        return service(argv)
    parser = argparse.ArgumentParser(prog="python -m hisbridge mutual",
                                     description="省检查检验结果互认平台：接口文档（doc）与工作站服务（serve）")
    commands = parser.add_subparsers(dest="command", required=True)
    doc = commands.add_parser("doc", help="docs/mutual_transactions.md 的表格（由接口目录生成）")
    doc.add_argument("--write", action="store_true")
    commands.add_parser("serve", help="独立运行工作站服务（接诊/开单提醒、互认页面）；选项见 serve --help")
    commands.add_parser("ddl", help="引用检验报告的 HIS 侧建表脚本；选项见 ddl --help")
    commands.add_parser("token", help="工作站调用令牌（add / list / revoke）")
    args = parser.parse_args(argv)
    from hisbridge.platforms.mutual import doc as mutual_doc

    return mutual_doc.main(["--write"] if args.write else [])


def service(argv: list[str]) -> int:
    from hisbridge.platforms.mutual.service import cli as service_cli

    return int(service_cli.main(argv) or 0)
