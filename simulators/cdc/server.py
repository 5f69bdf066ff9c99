"""Run the simulator in-process: uvicorn in a background thread on 127.0.0.1 and a free port.

    from simulators.cdc.server import SimServer
    from simulators.cdc.state import SimState

    with SimServer(SimState()) as sim:
        requests.post(sim.receive_url("emrPatientInfo"), json=record)
        sim.state.summary()                      # or GET sim.url + "/__admin__/state"
        sim.faults.add(FaultRule(kind="slow", delay_s=3))

Start and stop take well under a second.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from simulators.cdc.app import RECEIVE_PATH, create_app
from simulators.cdc.faults import FaultPlan
from simulators.cdc.state import SimState


class SimServer:
    """A running simulator; use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        state: SimState | None = None,
        faults: FaultPlan | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
    ) -> None:
        self.state = state if state is not None else SimState()
        self.faults = faults if faults is not None else FaultPlan()
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._app: FastAPI | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        if self.port is None:
            raise RuntimeError("SimServer is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def receive_base(self) -> str:
        """``<url>/hclient/emr/receive`` — what a client is configured with; it appends ``/<entity>``."""
        return self.url + RECEIVE_PATH

    def receive_url(self, entity: str) -> str:
        """``<url>/hclient/emr/receive/<entity>``."""
        return f"{self.receive_base}/{entity}"

    def reset(self) -> None:
        """Forget every record and the journal, and drop pending faults (between tests)."""
        self.state.reset()
        self.faults.clear()

    def start(self) -> SimServer:
        if self._thread is not None:
            raise RuntimeError("SimServer already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(128)
        self._socket = sock
        self.port = sock.getsockname()[1]
        self._app = create_app(self.state, self.faults)
        config = uvicorn.Config(
            self._app,
            log_level=self._log_level,
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"cdc-sim-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the cdc simulator did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if self._app is not None:
            self._app.state.closing.set()
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=0.8)
            if thread.is_alive():  # a slow answer still pending: stop waiting for it
                server.force_exit = True
                thread.join(timeout=2)
            if thread.is_alive():  # pragma: no cover
                logging.getLogger("simulators.cdc").warning("cdc simulator thread did not stop")
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = self._app = None
        self.port = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
