"""What the benchmark's scripts share: the project paths, the demo day, memory readings and the child protocol.

Every measured loop runs in a child process of its own (so its peak RSS is its own and nothing the parent
loaded is counted); a child reports by printing one ``RESULT {json}`` line, which :func:`parse_result` finds.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
#: the demo HIS's day (same as ``demo.run.DEMO_DAY``); both loops read its whole day
DEMO_DAY = date(2026, 11, 24)
RESULT_PREFIX = "RESULT "
#: no measured child may hang the benchmark for ever (a 200k feed run takes minutes today)
CHILD_TIMEOUT_S = 4 * 3600
#: environment variable naming another source tree to measure (``--code``), e.g. an export of ``HEAD``
CODE_ENV = "HISBRIDGE_BENCH_CODE"


def code_root() -> Path:
    """The source tree whose hisbridge, demo generator and SQL are measured: this repo unless ``--code``
    pointed elsewhere (to compare a commit, or to measure ``HEAD`` while the working tree is mid-rewrite)."""
    return Path(os.environ.get(CODE_ENV) or ROOT).resolve()


def add_project_paths() -> None:
    """Put ``plugins/`` (the hisbridge package) and the tree's root (``demo``) first on ``sys.path``, as the
    Makefile's PYTHONPATH does, so the scripts also work when started without it."""
    root = code_root()
    for path in (str(root), str(root / "plugins")):
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)


def demo_window(day: date = DEMO_DAY) -> tuple[datetime, datetime]:
    """The half-open window ``[day 00:00, day+1 00:00)`` the feed and the bare loop both read."""
    start = datetime.combine(day, time(0, 0))
    return start, start + timedelta(days=1)


def rss_mb() -> float:
    """This process's resident set right now (Linux ``/proc``), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def peak_rss_mb() -> float:
    """This process's peak resident set so far (``ru_maxrss`` is in KiB on Linux), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit_result(result: dict[str, Any]) -> None:
    """Report a child's measurements to the parent (one line on stdout)."""
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def parse_result(stdout: str) -> dict[str, Any]:
    """The ``RESULT`` line of a child's stdout."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise RuntimeError("the child printed no RESULT line")


def run_child(script: str, *args: object, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``bench/<script>`` in a fresh interpreter and return its result; raise with its stderr on failure."""
    cmd = [sys.executable, str(BENCH / script), *(str(a) for a in args)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=CHILD_TIMEOUT_S)
    if done.returncode:
        raise RuntimeError(f"{script} exited with {done.returncode}:\n{done.stderr[-4000:]}")
    return parse_result(done.stdout)
