"""Any simulator in-process: its FastAPI app under uvicorn in a background thread, on 127.0.0.1 and a free port.
Each simulator's ``server.py`` subclasses :class:`InProcessServer` with its own state, faults and URLs (the
simulators share this harness, never the platforms' specifications). Start and stop take well under a second.

A server given ``state_file`` keeps its simulator's memory there (:mod:`simulators.persist`, the subclass's
``state_format``): loaded at :meth:`~InProcessServer.start`, written after each changing request and once more
at :meth:`~InProcessServer.stop` (in-process changes too, e.g. seeded data)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn
from fastapi import FastAPI

from simulators.persist import StateFormat, StatePersister, keep_state


class InProcessServer:
    """A running simulator; use as a context manager or call :meth:`start` / :meth:`stop`. Subclasses set
    ``name`` and build their app in :meth:`make_app`."""

    name = "simulator"
    #: the simulators have no start-up work; an app that has (a service's pools) runs its lifespan
    lifespan = "off"
    start_timeout_s = 5.0
    #: what the simulator keeps in ``state_file`` (its ``persist.py``); ``None``: it cannot keep its memory
    state_format: StateFormat[Any] | None = None
    state: Any

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning",
                 state_file: Path | None = None) -> None:
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._app: FastAPI | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port: int | None = None
        if state_file is not None and self.state_format is None:
            raise TypeError(f"the {self.name} simulator cannot keep its state in a file")
        self.state_file = Path(state_file) if state_file is not None else None
        self.persister: StatePersister[Any] | None = None

    def make_app(self) -> FastAPI:
        raise NotImplementedError

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        if self.port is None:
            raise RuntimeError(f"the {self.name} simulator is not running")
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError(f"the {self.name} simulator is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(128)
        self._socket = sock
        self.port = sock.getsockname()[1]
        try:
            self._app = self.make_app()
            if self.state_file is not None:
                assert self.state_format is not None
                self.persister, _ = keep_state(self.state_format, self.state, self.state_file, self._app)
        except BaseException:  # a bad state file: nothing keeps running, the port is free again
            self.stop()
            raise
        config = uvicorn.Config(self._app, log_level=self._log_level, lifespan=self.lifespan, access_log=False,
                                timeout_graceful_shutdown=1, timeout_keep_alive=5)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"{self.name}-sim-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the {self.name} simulator did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        closing = getattr(self._app.state, "closing", None) if self._app is not None else None
        if closing is not None:  # a simulator's slow answers stop waiting
            closing.set()
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=0.8)
            if thread.is_alive():  # a slow answer still pending: stop waiting for it
                server.force_exit = True
                thread.join(timeout=2)
            if thread.is_alive():  # pragma: no cover
                logging.getLogger(f"simulators.{self.name}").warning("%s simulator thread did not stop", self.name)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = self._app = None
        self.port = None
        if self.persister is not None:  # after the last request: the file has everything
            self.persister.close()
            self.persister = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
