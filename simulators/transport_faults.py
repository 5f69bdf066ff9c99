"""Faults below the platforms' protocols, shared by the simulators (like :mod:`simulators.inprocess`; never a
platform's specification): an nginx-style HTML error page, a connection cut without an answer, a wait that gives
up when the server stops. :class:`RawSendApp` keeps the server's own ``send`` in the scope so that a handler can
cut the line."""

from __future__ import annotations

import asyncio
import threading
import time

from fastapi import FastAPI, Request, Response
from starlette.types import Receive, Scope, Send

RAW_SEND = "simulator.raw_send"


class RawSendApp(FastAPI):
    """FastAPI that keeps the server's own ``send`` in the scope, so the ``drop`` fault can cut the line."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)


def html_error(status: int, reason: str) -> Response:
    """The page a gateway in front of the platform answers with (not the platform's envelope)."""
    text = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(text, status_code=status, media_type="text/html")


def drop_connection(request: Request) -> Response:
    """Close the client connection without a byte of answer (uvicorn); elsewhere answer HTTP 502."""
    send = request.scope.get(RAW_SEND)
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or cycle is None:
        return html_error(502, "Bad Gateway")
    transport.abort()
    cycle.disconnected = True  # uvicorn then sends nothing more on this connection
    return Response(b"")


async def wait_unless_closing(request: Request, seconds: float) -> bool:
    """Sleep ``seconds`` unless the server stops first (then ``False``: give up as a dying server would)."""
    closing: threading.Event = request.app.state.closing
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if closing.is_set():
            return False
        await asyncio.sleep(min(left, 0.05))
    return True
