"""Run the 检查检验互认 platform simulator: ``python -m simulators.mutual --port 8883``.

Every option can also come from the environment (the option wins): ``MUTUAL_SIM_HOST``, ``MUTUAL_SIM_PORT``,
``MUTUAL_SIM_AUTH`` (``none``/``token``/``hmac``), ``MUTUAL_SIM_APP_ID``, ``MUTUAL_SIM_SECRET``,
``MUTUAL_SIM_FAULTS`` (JSON, or ``@file.json``), ``MUTUAL_SIM_CLOCK`` (``yyyy-MM-dd HH:mm:ss``: fixed),
``MUTUAL_SIM_SEED_DEMO`` (``1``: seed other hospitals' reports for the demo persons), ``MUTUAL_SIM_STATE``,
``MUTUAL_SIM_LOG_LEVEL``.

``--state FILE`` keeps the platform's memory (uploaded rows, seeded reports, records, journal) in ``FILE`` across
restarts: loaded at start, written after each change and at shutdown (:mod:`simulators.mutual.persist`). Without
it the simulator starts empty every time. ``POST /admin/reset`` empties the file too. The clock is not kept.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from simulators.mutual import samples
from simulators.mutual.app import create_app
from simulators.mutual.auth import MODES, Auth
from simulators.mutual.faults import FaultPlan, FaultSpecError
from simulators.mutual.persist import MUTUAL
from simulators.mutual.state import SimState
from simulators.persist import StateFileError, keep_state, serve

DEFAULT_PORT = 8883


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"MUTUAL_SIM_{name}", default)


def _flag(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise argparse.ArgumentTypeError(f"expected 0/1, got {value!r}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m simulators.mutual",
                                description="检查检验互认平台模拟器 (POST /api/v1/<operation>, admin /admin/…)")  # fmt: skip
    p.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(_env("PORT", str(DEFAULT_PORT)) or DEFAULT_PORT))
    p.add_argument("--auth", choices=MODES, default=_env("AUTH", "none"))
    p.add_argument("--app-id", default=_env("APP_ID"), help="hmac: the caller's X-App-Id")
    p.add_argument("--secret", default=_env("SECRET"), help="token: the bearer token; hmac: the key")
    p.add_argument("--faults", default=_env("FAULTS"), help='JSON {"rules": [...], "latency_ms": 50} or @file.json')
    p.add_argument("--clock", default=_env("CLOCK"), help="fix the clock: 'yyyy-MM-dd HH:mm:ss' (Asia/Shanghai)")
    p.add_argument("--seed-demo", type=_flag, nargs="?", const=True, default=_flag(_env("SEED_DEMO", "0") or "0"),
                   help="seed other hospitals' reports for the demo persons (samples.DEMO_PERSONS)")
    p.add_argument("--log-level", default=_env("LOG_LEVEL", "info"))
    p.add_argument("--state", type=Path, default=_env("STATE"),
                   help="JSON file keeping the platform's data across restarts (default: memory only)")
    return p.parse_args(argv)


def _faults(text: str | None) -> FaultPlan:
    if not text:
        return FaultPlan()
    body = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    return FaultPlan.from_json(json.loads(body))


def build(args: argparse.Namespace) -> tuple[SimState, FaultPlan, Auth]:
    """State, faults and auth from the options (raises ValueError / FaultSpecError / OSError). With ``--state``
    the demo seeding waits for the file (:func:`seed_demo`)."""
    faults = _faults(args.faults)
    auth = Auth(mode=args.auth, app_id=args.app_id, secret=args.secret)
    state = SimState()
    if args.clock:
        state.set_clock(datetime.strptime(args.clock, "%Y-%m-%d %H:%M:%S"))
    if args.seed_demo and args.state is None:
        seed_demo(state)
    return state, faults, auth


def seed_demo(state: SimState) -> None:
    """Other hospitals' reports for the demo persons, unless the state (loaded from ``--state``) holds seeded
    reports already: generated again on another day they would be new reports, not the same ones."""
    if not state.reports:
        state.add_reports(samples.foreign_reports(samples.DEMO_PERSONS, now=state.now(), seed=0))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        state, faults, auth = build(args)
    except (OSError, ValueError, FaultSpecError) as exc:
        print(f"bad option: {exc}", file=sys.stderr)
        return 2
    app = create_app(state, faults, auth=auth)
    try:
        persister, kept = keep_state(MUTUAL, state, args.state, app)
    except StateFileError as exc:
        print(f"bad --state: {exc}", file=sys.stderr)
        return 2
    if args.seed_demo and persister is not None:
        seed_demo(state)
        persister.changed()
    print(f"检查检验互认平台模拟器 on http://{args.host}:{args.port}/api/v1/<operation> (auth={args.auth}, "
          f"clock={state.clock_json()['now']}, seeded reports={len(state.reports)}; {kept})", file=sys.stderr)  # fmt: skip
    serve(app, persister, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
