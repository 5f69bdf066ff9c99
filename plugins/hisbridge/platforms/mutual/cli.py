"""``python -m hisbridge mutual …``: the 互认 platform's docs table and the workstation service.

::

    python -m hisbridge mutual doc [--write]            # docs/mutual_transactions.md
    python -m hisbridge mutual serve [options …]        # the workstation service, alone under uvicorn
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from importlib.util import find_spec

#: the workstation service's own command line (``main(argv) -> int``), imported only when asked for
SERVE = "hisbridge.platforms.mutual.service.cli"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # the service parses its own options
        return serve(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m hisbridge mutual",
                                     description="省检查检验结果互认平台：接口文档（doc）与工作站服务（serve）")
    commands = parser.add_subparsers(dest="command", required=True)
    doc = commands.add_parser("doc", help="docs/mutual_transactions.md 的表格（由接口目录生成）")
    doc.add_argument("--write", action="store_true")
    commands.add_parser("serve", help="独立运行工作站服务（接诊/开单提醒、互认页面）；选项见 serve --help")
    args = parser.parse_args(argv)
    from hisbridge.platforms.mutual import doc as mutual_doc

    return mutual_doc.main(["--write"] if args.write else [])


def serve(argv: list[str]) -> int:
    try:
        found = find_spec(SERVE) is not None
    except ModuleNotFoundError:  # the service package itself is not there
        found = False
    if not found:
        print(f"the workstation service is not installed ({SERVE} is missing)", file=sys.stderr)
        return 2
    return int(import_module(SERVE).main(argv) or 0)
