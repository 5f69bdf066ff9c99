"""``python -m hisbridge city-brain …``: the hospital-side API of the city brain.

::

    python -m hisbridge city-brain serve [--host 0.0.0.0] [--port 8098] [--workers 4]   # under uvicorn, at /city-brain
    python -m hisbridge city-brain doc [--write]                                          # docs/city_brain_api.md

``serve --workers N`` tells its processes how many they are (``HISBRIDGE_CITY_BRAIN_WORKERS``): each gives a
caller ``1/N`` of its rate limit.
"""

from __future__ import annotations

import argparse
import os
import sys

FACTORY = "hisbridge.platforms.city_brain.wiring:standalone_app_from_airflow"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m hisbridge city-brain", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="用 uvicorn 独立运行城市大脑医院接口（地址前缀 /city-brain）")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - the city brain reaches it over the network
    serve.add_argument("--port", type=int, default=8098)
    serve.add_argument("--workers", type=int, default=4)
    doc = sub.add_parser("doc", help="docs/city_brain_api.md 的接口表（由接口目录生成）")
    doc.add_argument("--write", action="store_true", help="写入文档（否则打印）")
    args = parser.parse_args(argv)

    if args.command == "serve":
        import uvicorn

        from hisbridge.platforms.city_brain.wiring import WORKERS_ENV

        os.environ[WORKERS_ENV] = str(args.workers)  # inherited by uvicorn's worker processes
        uvicorn.run(FACTORY, factory=True, host=args.host, port=args.port, workers=args.workers)
        return 0
    from hisbridge.platforms.city_brain import doc as api_doc

    return api_doc.main(["--write"] if args.write else [])
