"""``python -m simulators.hsa``: options and environment, and a real process answering a signed 9001."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from simulators.hsa.__main__ import parse_args
from tests.simulators.hsa._support import PAASID, SECRET, Client, tif_headers

REPO = Path(__file__).resolve().parents[3]


def test_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSA_SIM_AUTH", "csb")
    monkeypatch.setenv("HSA_SIM_PAASID", "ak")
    monkeypatch.setenv("HSA_SIM_SECRET", "sk")
    monkeypatch.setenv("HSA_SIM_SIGN_TTL", "60")
    monkeypatch.setenv("HSA_SIM_ENFORCE_SIGN_NO", "0")
    args = parse_args(["--port", "9000"])
    assert (args.auth, args.paasid, args.secret, args.port) == ("csb", "ak", "sk", 9000)
    assert args.sign_ttl == 60 and args.enforce_sign_no is False
    assert parse_args(["--auth", "none"]).auth == "none"


def test_signed_auth_needs_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HSA_SIM_AUTH", "HSA_SIM_PAASID", "HSA_SIM_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit):
        parse_args(["--auth", "tif", "--paasid", "p"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_module_runs_as_a_process() -> None:
    port = _free_port()
    env = {**os.environ, "HSA_SIM_SECRET": SECRET, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.hsa", "--port", str(port), "--auth", "tif", "--paasid", PAASID,
         "--log-level", "warning"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(base + "/__admin__/state", timeout=1)
                break
            except requests.exceptions.ConnectionError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "simulator process did not come up"
                time.sleep(0.1)
        c = Client(base)
        env_ = c.envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}})
        assert c.post(env_).status_code == 401
        assert c.post(env_, headers=tif_headers()).json()["infcode"] == 0
    finally:
        proc.terminate()
        proc.wait(10)
