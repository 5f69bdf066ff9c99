"""One ``make demo`` run shared by the tests that read it: ``tests/e2e/test_demo.py`` (the demo itself) and
``tests/browser/test_health_page_demo.py`` (the health page on its ledger). The demo runs every window of two days
through the real pipeline and simulators and takes minutes: once is enough.

* :func:`demo_run` — the whole result :func:`demo.run.run_demo` returns (plus ``console``: every line it printed),
  run once per process. When done it publishes its folder and figures (:data:`PUBLISHED`) for the test run's
  other workers (``pytest -n 2``: the two modules may run in different processes).
* :func:`demo_files` — what a test that only reads the demo's files needs (ledger, as-of instant, the report's
  totals): a published run when one is there, else a run of its own (published in turn). Nothing waits for
  another process: at worst each worker runs the demo once, as before.

``base`` is the test run's temporary folder shared by its workers (:func:`shared_base`), which pytest removes with
its old temporary folders: a run's folder stays while any worker may read it.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

#: sale lines per day of the demo HIS (make demo's default is 300; the figures of the tests are those of 120)
SCALE = 120
#: in ``base``: the finished run's folder and the figures of :func:`demo_files`
PUBLISHED = "demo_published.json"


def shared_base(tmp_path_factory: Any) -> Path:
    """The test run's temporary folder common to its xdist workers (each worker's own is one level down)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@cache
def demo_run(base: Path) -> dict[str, Any]:
    from demo.run import run_demo

    folder = Path(tempfile.mkdtemp(prefix="demo-", dir=base))
    lines: list[str] = []
    result = run_demo(folder / "out", scale=SCALE, echo=lambda *a: lines.append(" ".join(str(x) for x in a)))
    result["console"] = "\n".join(lines)
    _publish(base, result)
    return result


def demo_files(base: Path) -> dict[str, Any]:
    """``ledger``, ``clock_file`` (paths), ``as_of`` (aware), ``totals`` and ``regional.failed`` of a demo run."""
    path = base / PUBLISHED
    if not path.is_file():
        _publish(base, demo_run(base))  # this process's run (published already unless another one won)
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"ledger": Path(data["ledger"]), "clock_file": Path(data["clock_file"]),
            "as_of": datetime.fromisoformat(data["as_of"]), "totals": data["totals"],
            "regional": {"failed": data["regional_failed"]}}


def _publish(base: Path, result: dict[str, Any]) -> None:
    """Write :data:`PUBLISHED` atomically (a reader never sees half a file); the first run's stays."""
    path = base / PUBLISHED
    if path.is_file():
        return
    data = {"ledger": str(result["ledger"]), "clock_file": str(result["clock_file"]),
            "as_of": result["as_of"].isoformat(), "totals": result["totals"],
            "regional_failed": result["regional"]["failed"]}
    part = path.with_name(f"{path.name}.{os.getpid()}")
    part.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(part, path)
