"""``make airflow`` (scripts/airflow_demo.sh) stops everything it started: Airflow's components, their task
processes (which move to process groups of their own) and the simulators — on SIGTERM, on Ctrl-C, and when
``airflow standalone`` ends by itself.

A fake ``airflow`` executable stands in for Airflow (HISBRIDGE_AIRFLOW): its ``standalone`` behaves as the real
one does on SIGTERM (it dies at once, leaving its children), spawns a component, a "task" that moves to its own
process group with a child of its own, and a component that ignores SIGTERM. The simulators are the real ones,
on free ports; the 医保 simulator's data file is checked too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hisbridge import PROJECT_DIR

pytestmark = pytest.mark.e2e

SCRIPT = PROJECT_DIR / "scripts" / "airflow_demo.sh"

FAKE_AIRFLOW = r"""#!{python}
# A stand-in for `airflow`: db migrate / pools set succeed; standalone spawns what the real one does.
import os, subprocess, sys, time
from pathlib import Path

PIDS = Path(os.environ["FAKE_PIDS"])
if sys.argv[1:2] != ["standalone"]:
    sys.exit(0)
SLEEPER = "import time\nwhile True: time.sleep(1)"
TASK = (  # a task runner: its own process group, as Airflow's supervisor makes it, and a child of its own
    "import os, subprocess, sys, time\nos.setpgid(0, 0)\n"
    f"p = subprocess.Popen([sys.executable, '-c', {SLEEPER!r}])\n"
    f"open({str(PIDS)!r}, 'a').write(str(p.pid) + '\\n')\n"
    "while True: time.sleep(1)"
)
DEAF = (  # says when it has become deaf: on a busy machine Python takes a while to get there
    "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    f"open({str(PIDS)!r} + '.deaf', 'w').close()\n"
    "while True: time.sleep(1)"
)
children = [subprocess.Popen([sys.executable, "-c", code]).pid for code in (SLEEPER, TASK, DEAF)]
with PIDS.open("a") as f:
    f.write("".join(f"{pid}\n" for pid in [os.getpid(), *children]))
if os.environ.get("FAKE_STANDALONE_EXITS"):
    time.sleep(2)
    sys.exit(3)  # standalone crashing on its own
while True:  # like `airflow standalone`: SIGTERM kills this process and nothing else
    time.sleep(1)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; only its parent's bookkeeping is left


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def demo_his(tmp_path_factory) -> Path:
    """A small demo HIS: the script seeds the 互认 simulator from its day's visits."""
    from datetime import date

    from demo.his.generate import generate
    from hisbridge.db import make_engine, sqlite_url

    path = tmp_path_factory.mktemp("airflow_demo_his") / "his.db"
    generate(make_engine(sqlite_url(str(path))), date(2026, 11, 24), 30, seed=3)
    return path


@pytest.fixture
def deployment(tmp_path, demo_his) -> dict:
    import shutil

    demo_dir = tmp_path / "demo"
    demo_dir.mkdir()
    shutil.copy(demo_his, demo_dir / "his.db")
    fake = tmp_path / "bin" / "airflow"
    fake.parent.mkdir()
    fake.write_text(FAKE_AIRFLOW.replace("{python}", sys.executable, 1), encoding="utf-8")
    fake.chmod(0o755)
    ports = {"HISBRIDGE_HSA_PORT": _free_port(), "HISBRIDGE_MUTUAL_PORT": _free_port(),
             "HISBRIDGE_CITY_BRAIN_PORT": _free_port()}
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "HISBRIDGE_"))},
           "HISBRIDGE_AIRFLOW": str(fake), "HISBRIDGE_DEMO_DIR": str(demo_dir),
           "HISBRIDGE_AIRFLOW_HOME": str(tmp_path / "airflow"), "HISBRIDGE_STOP_TIMEOUT": "4",
           "FAKE_PIDS": str(tmp_path / "pids"), **{k: str(v) for k, v in ports.items()}}
    return {"env": env, "pids": tmp_path / "pids", "ports": list(ports.values()), "demo_dir": demo_dir}


def _start(deployment: dict, **extra: str) -> subprocess.Popen:
    proc = subprocess.Popen(["bash", str(SCRIPT)], env={**deployment["env"], **extra}, cwd=PROJECT_DIR,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    deaf = Path(f"{deployment['pids']}.deaf")
    # standalone, its three children and the task's child; the deaf one ignoring SIGTERM already
    while len(_pids(deployment)) < 5 or not deaf.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the fake standalone did not start"
        time.sleep(0.2)
    return proc


def _pids(deployment: dict) -> list[int]:
    path = deployment["pids"]
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _assert_all_stopped(deployment: dict, out: str) -> None:
    assert [pid for pid in _pids(deployment) if _running(pid)] == [], out
    assert [port for port in deployment["ports"] if _port_open(port)] == [], out  # the simulators
    assert "no Airflow or simulator process is left" in out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_standalone_its_task_processes_and_the_simulators(deployment, sig) -> None:
    proc = _start(deployment)
    for port in deployment["ports"]:
        assert _port_open(port)
    survivors_before = [pid for pid in _pids(deployment) if _running(pid)]
    assert len(survivors_before) == 5

    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)

    assert proc.returncode == 128 + sig, err
    _assert_all_stopped(deployment, err)
    assert "still running after 4s, killed" in err  # the component deaf to SIGTERM
    assert (deployment["demo_dir"] / "hsa_simulator_state.json").is_file()  # written at the 医保 simulator's exit


def test_standalone_ending_by_itself_takes_everything_with_it(deployment) -> None:
    proc = _start(deployment, FAKE_STANDALONE_EXITS="1")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    assert "airflow standalone ended (status 3)" in err
    _assert_all_stopped(deployment, err)
