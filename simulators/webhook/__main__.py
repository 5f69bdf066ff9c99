"""Run the robot receiver: ``python -m simulators.webhook --port 8899 [--wecom-key K] [--dingtalk-token T[:SECRET]]``.

Without keys it takes any key / token (a 钉钉 token given with ``:SECRET`` requires 加签). Posts are printed as
they arrive and listed at ``GET /admin/received``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from simulators.webhook.app import create_app
from simulators.webhook.state import WebhookState

DEFAULT_PORT = 8899


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m simulators.webhook", description="企业微信 / 钉钉 机器人模拟器")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--wecom-key", action="append", default=[], help="an accepted 企业微信 key (repeatable)")
    p.add_argument("--dingtalk-token", action="append", default=[],
                   help="an accepted 钉钉 access_token, optionally TOKEN:SECRET to require 加签 (repeatable)")
    p.add_argument("--log-level", default="info")
    args = p.parse_args(argv)
    tokens = {t.split(":", 1)[0]: (t.split(":", 1)[1] if ":" in t else None) for t in args.dingtalk_token}
    state = WebhookState(set(args.wecom_key), tokens)
    print(f"机器人模拟器 on http://{args.host}:{args.port}  企业微信 /cgi-bin/webhook/send?key=…  "
          f"钉钉 /robot/send?access_token=…  收到的消息 GET /admin/received", file=sys.stderr)
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
