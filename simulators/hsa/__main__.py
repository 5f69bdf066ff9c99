"""Run the 医保 platform simulator: ``python -m simulators.hsa --port 8097 [--auth tif|csb|none]``.

Every option can also come from the environment (the option wins): ``HSA_SIM_HOST``, ``HSA_SIM_PORT``,
``HSA_SIM_AUTH``, ``HSA_SIM_PAASID``, ``HSA_SIM_SECRET``, ``HSA_SIM_AREA``, ``HSA_SIM_TS_WINDOW``,
``HSA_SIM_SIGN_TTL``, ``HSA_SIM_ENFORCE_SIGN_NO`` (``0``/``1``), ``HSA_SIM_MAX_BATCH_ROWS``,
``HSA_SIM_MED_LIST_CODG_PATTERN``, ``HSA_SIM_FAULTS`` (JSON, or ``@file.json``), ``HSA_SIM_STATE``. Prefer the
environment for the secret: command lines are visible to every user of the machine.

``--state FILE`` keeps the platform's memory (uploads, sign-ins, msgids, settlements) in ``FILE`` across restarts:
loaded at start, written after each change and at shutdown (:mod:`simulators.hsa.persist`,
:mod:`simulators.persist`). Without it the simulator starts empty every time. ``POST /__admin__/reset`` empties the file too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from simulators.hsa.app import create_app
from simulators.hsa.faults import FaultPlan, FaultSpecError
from simulators.hsa.persist import HSA
from simulators.hsa.state import DEFAULT_MED_LIST_CODG_PATTERN, SimState
from simulators.persist import StateFileError, keep_state, serve


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"HSA_SIM_{name}", default)


def _flag(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected 0/1, got {value!r}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m simulators.hsa",
        description="医保平台模拟器 (进销存 3501–3507, 两定 1101–5303, 9001/9002, 9101/9102)",
    )
    p.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(_env("PORT", "8097") or 8097))
    p.add_argument("--auth", choices=("tif", "csb", "none"), default=_env("AUTH", "none"))
    p.add_argument("--paasid", default=_env("PAASID"), help="paasid (tif) / access key (csb)")
    p.add_argument("--secret", default=_env("SECRET"), help="better: HSA_SIM_SECRET")
    p.add_argument("--area", default=_env("AREA", "360100"), help="医保区划 used in inf_refmsgid and sign_no")
    p.add_argument("--ts-window", type=float, default=float(_env("TS_WINDOW", "300") or 300))
    ttl = _env("SIGN_TTL")
    p.add_argument(
        "--sign-ttl",
        type=float,
        default=float(ttl) if ttl else None,
        help="sign_no lifetime in seconds (default: until local midnight)",
    )
    p.add_argument("--enforce-sign-no", type=_flag, default=_flag(_env("ENFORCE_SIGN_NO", "1") or "1"))
    p.add_argument("--max-batch-rows", type=int, default=int(_env("MAX_BATCH_ROWS", "1000") or 1000))
    p.add_argument(
        "--med-list-codg-pattern", default=_env("MED_LIST_CODG_PATTERN", DEFAULT_MED_LIST_CODG_PATTERN)
    )
    p.add_argument("--faults", default=_env("FAULTS"), help='JSON {"rules": [...]} or @file.json')
    p.add_argument("--log-level", default=_env("LOG_LEVEL", "info"))
    p.add_argument("--state", type=Path, default=_env("STATE"),
                   help="JSON file keeping the platform's data across restarts (default: memory only)")
    args = p.parse_args(argv)
    if args.auth != "none" and not (args.paasid and args.secret):
        p.error(f"--auth {args.auth} needs --paasid and a secret (HSA_SIM_SECRET or --secret)")
    return args


def _faults(spec: str | None) -> FaultPlan:
    if not spec:
        return FaultPlan()
    text = Path(spec[1:]).read_text(encoding="utf-8") if spec.startswith("@") else spec
    return FaultPlan.from_json(json.loads(text))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        faults = _faults(args.faults)
    except (OSError, ValueError, FaultSpecError) as exc:
        print(f"bad --faults: {exc}", file=sys.stderr)
        return 2
    state = SimState(
        auth_mode=args.auth,
        paasid=args.paasid,
        secret=args.secret,
        ts_window_s=args.ts_window,
        area=args.area,
        enforce_sign_no=args.enforce_sign_no,
        sign_ttl_s=args.sign_ttl,
        max_batch_rows=args.max_batch_rows,
        med_list_codg_pattern=args.med_list_codg_pattern,
    )
    app = create_app(state, faults)
    try:
        persister, kept = keep_state(HSA, state, args.state, app)
    except StateFileError as exc:
        print(f"bad --state: {exc}", file=sys.stderr)
        return 2
    print(
        f"医保平台模拟器 on http://{args.host}:{args.port}/fsi/api/rsfComIfsService/callService "
        f"(auth={args.auth}, sign_no enforced={args.enforce_sign_no}; {kept})",
        file=sys.stderr,
    )
    serve(app, persister, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
