"""``make demo``'s console is its steps and its report: Airflow's, the libraries' and the warnings' lines go to
the run's log file (they appeared before the report). Run in a fresh process: Airflow configures logging on
its first import, as it does in ``make demo``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from hisbridge import PROJECT_DIR

SCRIPT = textwrap.dedent("""
    import logging, sys, warnings
    from pathlib import Path

    import structlog

    import demo.run
    from demo.run import _setup_logging, feed_schedules

    demo.run._own_console = True  # as main() (make demo) sets it; run_demo in a test leaves logging alone
    schedules = feed_schedules()  # imports Airflow, which puts its handlers on the console
    print("STEP 1")
    warnings.warn("early-warning-line", UserWarning)
    logging.getLogger("airflow.models").warning("early-airflow-line")
    structlog.get_logger("airflow.sdk").warning("early-structlog-line")
    log = _setup_logging(Path(sys.argv[1]))
    logging.getLogger("great_expectations._docs_decorators").warning("late-gx-line")
    logging.getLogger("hisbridge.pipeline").info("late-hisbridge-line certno=360102199001011234")
    logging.getLogger("alembic.runtime.migration").info("late-info-line-dropped")
    structlog.get_logger("airflow.task").error("late-structlog-line")
    print("REPORT", len(schedules))
""")


def test_nothing_but_the_demo_reaches_the_console_and_the_rest_reaches_the_log(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": f"{PROJECT_DIR / 'plugins'}:{PROJECT_DIR}",
           "AIRFLOW_HOME": str(tmp_path / "airflow")}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "logs")], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "STEP 1" and lines[1].startswith("REPORT ") and len(lines) == 2, proc.stdout
    assert proc.stderr == ""
    log = (tmp_path / "logs" / "demo.log").read_text(encoding="utf-8")
    for held in ("early-warning-line", "early-airflow-line", "early-structlog-line", "late-gx-line",
                 "late-hisbridge-line", "late-structlog-line"):
        assert held in log
    assert "late-info-line-dropped" not in log  # libraries' INFO chatter is not kept
    assert "360102199001011234" not in log  # the file is masked
