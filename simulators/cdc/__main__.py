"""Run the 传染病前置软件 simulator: ``python -m simulators.cdc --port 8881``.

Every option can also come from the environment (the option wins): ``CDC_SIM_HOST``, ``CDC_SIM_PORT``,
``CDC_SIM_DELETE_PARENT`` (``refuse``/``cascade``), ``CDC_SIM_REQUIRE_QUALITY_FIELDS`` (``0``/``1``),
``CDC_SIM_JOURNAL_MAX``, ``CDC_SIM_FAULTS`` (JSON, or ``@file.json``), ``CDC_SIM_STATE``, ``CDC_SIM_LOG_LEVEL``.

``--state FILE`` keeps the front-end's memory (records, deleted ones included, journal, counters) in ``FILE``
across restarts: loaded at start, written after each change and at shutdown (:mod:`simulators.cdc.persist`).
Without it the simulator starts empty every time. ``POST /__admin__/reset`` empties the file too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from simulators.cdc.app import RECEIVE_PATH, create_app
from simulators.cdc.faults import FaultPlan, FaultSpecError
from simulators.cdc.persist import CDC
from simulators.cdc.state import SimState
from simulators.persist import StateFileError, keep_state, serve


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"CDC_SIM_{name}", default)


def _flag(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected 0/1, got {value!r}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m simulators.cdc",
        description="传染病智能监测预警前置软件模拟器 (POST/DELETE /hclient/emr/receive/<entity>)",
    )
    p.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(_env("PORT", "8881") or 8881))
    p.add_argument("--delete-parent", choices=("refuse", "cascade"), default=_env("DELETE_PARENT", "refuse"))
    p.add_argument(
        "--require-quality-fields",
        type=_flag,
        default=_flag(_env("REQUIRE_QUALITY_FIELDS", "0") or "0"),
        help="also require patient name, ID card, org and operation time of emrPatientInfo",
    )
    p.add_argument("--journal-max", type=int, default=int(_env("JOURNAL_MAX", "100000") or 100000))
    p.add_argument("--faults", default=_env("FAULTS"), help='JSON {"rules": [...]} or @file.json')
    p.add_argument("--log-level", default=_env("LOG_LEVEL", "info"))
    p.add_argument("--state", type=Path, default=_env("STATE"),
                   help="JSON file keeping the front-end's data across restarts (default: memory only)")
    return p.parse_args(argv)


def _faults(text: str | None) -> FaultPlan:
    if not text:
        return FaultPlan()
    body = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    return FaultPlan.from_json(json.loads(body))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        faults = _faults(args.faults)
    except (OSError, ValueError, FaultSpecError) as exc:
        print(f"bad --faults: {exc}", file=sys.stderr)
        return 2
    state = SimState(
        delete_parent=args.delete_parent,
        require_quality_fields=args.require_quality_fields,
        journal_max=args.journal_max,
    )
    app = create_app(state, faults)
    try:
        persister, kept = keep_state(CDC, state, args.state, app)
    except StateFileError as exc:
        print(f"bad --state: {exc}", file=sys.stderr)
        return 2
    print(
        f"传染病前置软件模拟器 on http://{args.host}:{args.port}{RECEIVE_PATH}/<entity> "
        f"(delete_parent={args.delete_parent}, quality fields required={args.require_quality_fields}; {kept})",
        file=sys.stderr,
    )
    serve(app, persister, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
