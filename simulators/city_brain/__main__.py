"""Run the city-brain simulator's receiver (the city brain's side of the pushes):
``python -m simulators.city_brain --port 8885``; or walk a patient's journey through the hospital's API as the
city brain (``python -m simulators.city_brain walk --url http://127.0.0.1:8098 --app-id cb01 --sign-type SM3
--patient-id P0001 --start 2026-11-01 --end 2026-11-24 [--inpatient P0002] [--attacks] [--flood 40]``; the
secret from ``--secret`` or ``CITY_BRAIN_WALK_SECRET``; exit 0 when every endpoint answered as documented).

Every option can also come from the environment (the option wins): ``CITY_BRAIN_SIM_HOST``,
``CITY_BRAIN_SIM_PORT``, ``CITY_BRAIN_SIM_APP_ID``, ``CITY_BRAIN_SIM_SECRET``, ``CITY_BRAIN_SIM_SIGN_TYPE``,
``CITY_BRAIN_SIM_ORG_CODE``, ``CITY_BRAIN_SIM_IPS`` (comma-separated networks), ``CITY_BRAIN_SIM_WINDOW_S``,
``CITY_BRAIN_SIM_FAULTS`` (JSON, or ``@file.json``), ``CITY_BRAIN_SIM_STATE``, ``CITY_BRAIN_SIM_LOG_LEVEL``.
Without ``--app-id`` / ``--secret`` the demo hospital's credentials are used (``server.DEMO_APP_ID`` /
``DEMO_SECRET``) and said so.

``--state FILE`` keeps what the receiver was pushed (events, history records, batches, journal) in ``FILE``
across restarts: loaded at start, written after each change and at shutdown
(:mod:`simulators.city_brain.persist`). Without it the simulator starts empty every time. ``POST /admin/reset``
empties the file too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from simulators.city_brain import journey
from simulators.city_brain.app import create_app
from simulators.city_brain.caller import DEFAULT_PREFIX, CityBrainCaller
from simulators.city_brain.faults import FaultPlan, FaultSpecError
from simulators.city_brain.persist import CITY_BRAIN
from simulators.city_brain.server import DEMO_APP_ID, DEMO_SECRET
from simulators.city_brain.signing import SIGN_TYPES
from simulators.city_brain.state import SimState
from simulators.city_brain.verify import DEFAULT_WINDOW_S, Hospital, Verifier
from simulators.persist import StateFileError, keep_state, serve

DEFAULT_PORT = 8885


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"CITY_BRAIN_SIM_{name}", default)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m simulators.city_brain",
                                description="城市大脑模拟器(接收医院推送: POST /api/v1/notify、/api/v1/history; admin /admin/…)")  # fmt: skip
    p.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(_env("PORT", str(DEFAULT_PORT)) or DEFAULT_PORT))
    p.add_argument("--app-id", default=_env("APP_ID"), help="the hospital's appId (default: the demo one)")
    p.add_argument("--secret", default=_env("SECRET"), help="the hospital's secret (default: the demo one)")
    p.add_argument("--sign-type", choices=SIGN_TYPES, default=_env("SIGN_TYPE", "SM3"))
    p.add_argument("--org-code", default=_env("ORG_CODE"), help="when set, bizContent.orgCode must be it")
    p.add_argument("--ips", default=_env("IPS"), help="allowed source networks, comma-separated (default: any)")
    p.add_argument("--window-s", type=float, default=float(_env("WINDOW_S", str(DEFAULT_WINDOW_S)) or DEFAULT_WINDOW_S))
    p.add_argument("--faults", default=_env("FAULTS"), help='JSON {"rules": [...], "latency_ms": 50} or @file.json')
    p.add_argument("--log-level", default=_env("LOG_LEVEL", "info"))
    p.add_argument("--state", type=Path, default=_env("STATE"),
                   help="JSON file keeping what was pushed across restarts (default: memory only)")
    return p.parse_args(argv)


def _faults(text: str | None) -> FaultPlan:
    if not text:
        return FaultPlan()
    body = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    return FaultPlan.from_json(json.loads(body))


def build(args: argparse.Namespace) -> tuple[SimState, FaultPlan, Verifier]:
    """State, faults and verifier from the options (raises ValueError / FaultSpecError / OSError)."""
    ips = tuple(n.strip() for n in args.ips.split(",") if n.strip()) if args.ips else None
    hospital = Hospital(args.secret or DEMO_SECRET, args.sign_type, org_code=args.org_code or None, ips=ips)
    verifier = Verifier({args.app_id or DEMO_APP_ID: hospital}, window_s=args.window_s)
    return SimState(), _faults(args.faults), verifier


def parse_walk_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m simulators.city_brain walk",
                                description="城市大脑调用医院接口: 走一遍病人的先诊疗后付费就诊旅程并核对每个答复")  # fmt: skip
    p.add_argument("--url", required=True, help="the hospital API's base URL, e.g. http://127.0.0.1:8098")
    p.add_argument("--prefix", default=DEFAULT_PREFIX)
    p.add_argument("--app-id", required=True)
    p.add_argument("--secret", default=os.environ.get("CITY_BRAIN_WALK_SECRET"),
                   help="the appId's secret (default: $CITY_BRAIN_WALK_SECRET)")  # fmt: skip
    p.add_argument("--sign-type", choices=SIGN_TYPES, default="SM3")
    p.add_argument("--patient-id", required=True)
    p.add_argument("--start", required=True, type=date.fromisoformat, help="yyyy-MM-dd")
    p.add_argument("--end", required=True, type=date.fromisoformat, help="yyyy-MM-dd")
    p.add_argument("--inpatient", help="the patientId of an inpatient whose stays (admitted in the range) to walk")
    p.add_argument("--page-size", type=int, default=50)
    p.add_argument("--max-days", type=int, default=31, help="the longest date range one call may ask for")
    p.add_argument("--attacks", action="store_true", help="also send every attack (and a replay) to every endpoint")
    p.add_argument("--flood", type=int, default=0, metavar="N", help="also send N health calls at once")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    args = p.parse_args(argv)
    if not args.secret:
        p.error("--secret (or CITY_BRAIN_WALK_SECRET) is required")
    return args


def walk_main(argv: Sequence[str]) -> int:
    """The ``walk`` subcommand: 0 when the walk (and the attacks, the flood) found nothing wrong, else 1."""
    args = parse_walk_args(argv)
    caller = CityBrainCaller(args.url, args.app_id, args.secret, sign_type=args.sign_type, prefix=args.prefix,
                             timeout=args.timeout)  # fmt: skip
    report = journey.walk(caller, args.patient_id, start_date=args.start, end_date=args.end,
                          inpatient_id=args.inpatient, page_size=args.page_size, max_days=args.max_days)  # fmt: skip
    print(report.table())
    ok, out = report.ok, {"walk": report.to_json()}
    if args.attacks:
        attacks = journey.run_attacks(caller, report.sample_params())
        print(attacks.table())
        ok = ok and attacks.ok
        out["attacks"] = {"ok": attacks.ok, "count": len(attacks.results),
                          "failures": [f"{r.endpoint} {r.attack}: {r.status}/{r.code}" for r in attacks.failures]}  # fmt: skip
    if args.flood:
        flood = journey.flood_check(caller, "health", n=args.flood)
        print(f"洪泛: {flood.result.histogram}，限流 {flood.throttled} 次" + "".join(f"\n问题 {p}" for p in flood.problems))
        ok = ok and flood.ok
        out["flood"] = {**flood.result.to_json(), "ok": flood.ok}
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["walk"]:
        return walk_main(argv[1:])
    args = parse_args(argv)
    try:
        state, faults, verifier = build(args)
    except (OSError, ValueError, FaultSpecError) as exc:
        print(f"bad option: {exc}", file=sys.stderr)
        return 2
    app = create_app(state, faults, verifier)
    try:
        persister, kept = keep_state(CITY_BRAIN, state, args.state, app)
    except StateFileError as exc:
        print(f"bad --state: {exc}", file=sys.stderr)
        return 2
    demo = " (demo credentials)" if not (args.app_id and args.secret) else ""
    print(f"城市大脑模拟器 on http://{args.host}:{args.port}/api/v1/notify|history, appId={args.app_id or DEMO_APP_ID}"
          f"{demo}, signType={args.sign_type}, window ±{args.window_s:g}s; {kept}", file=sys.stderr)  # fmt: skip
    serve(app, persister, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
