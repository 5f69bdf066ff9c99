"""An accept-all 医保 endpoint: answers success, in the platform's envelope, to anything POSTed to any path.

The 医保 simulator checks every field of every row and keeps state, which would be counted as our time; this
endpoint checks nothing (no signature headers, no fields, no sign_no) so the benchmark measures only the client
side. It is a raw ASGI callable under uvicorn (httptools + uvloop, keep-alive) in its own process; the only
work per request is finding ``infno`` and the input node with two regular expressions on the first bytes:

* ``9001`` → ``output.signinoutb.sign_no``
* batch ("…A") → ``output.result.retRslt "1"`` and an empty ``<node>ErrDetail`` (``selinfoDetail`` →
  ``selinfoErrDetail``): every row succeeded
* anything else (single uploads, 9002, 3507) → ``output.result.retRslt "1"``

    python bench/accept_all.py --port 8765
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

OK = {"retRslt": "1", "msgRslt": "成功"}
#: the envelope puts ``infno`` first and ``input`` last but before the rows, so both are found within the head
_INFNO = re.compile(rb'"infno"\s*:\s*"([0-9A-Za-z]{1,10})"')
_NODE = re.compile(rb'"input"\s*:\s*\{\s*"([0-9A-Za-z_]{1,60})"')
_HEAD_BYTES = 4096
_HEADERS = [(b"content-type", b"application/json;charset=utf-8")]
_serial = itertools.count(1)


def _stamp_ms() -> str:
    return datetime.now().strftime("%Y%m%d%H%M%S%f")[:17]


def _output(infno: str, node: str) -> dict[str, Any]:
    """The ``output`` of a successful answer to ``infno`` whose input node is ``node``."""
    if infno == "9001":
        return {"signinoutb": {"sign_time": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                               "sign_no": f"BENCH{next(_serial):012d}"}}
    if infno.endswith("A"):
        stem = node[: -len("Detail")] if node.endswith("Detail") else node
        return {"result": dict(OK), f"{stem}ErrDetail": []}
    return {"result": dict(OK)}


def answer(body: bytes) -> bytes:
    """The success envelope for a request body (whatever it holds; unreadable bodies get a generic success)."""
    head = body[:_HEAD_BYTES]
    infno_match, node_match = _INFNO.search(head), _NODE.search(head)
    infno = infno_match.group(1).decode() if infno_match else ""
    node = node_match.group(1).decode() if node_match else ""
    now = _stamp_ms()
    envelope = {
        "infcode": 0, "inf_refmsgid": f"BENCH{now}{next(_serial):08d}", "refmsg_time": now,
        "respond_time": _stamp_ms(), "err_msg": None, "warn_msg": None, "output": _output(infno, node),
        "cainfo": None, "signtype": None,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def app(scope: Message, receive: Receive, send: Send) -> None:
    """Read the whole body, answer success; headers (TIF/CSB signatures) are ignored."""
    if scope["type"] != "http":
        return
    chunks: list[bytes] = []
    more = True
    while more:  # ends with the request's last body chunk (or a disconnect, which has no more_body)
        message = await receive()
        chunks.append(message.get("body", b""))
        more = bool(message.get("more_body"))
    payload = answer(b"".join(chunks))
    headers = [*_HEADERS, (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_listening(proc: subprocess.Popen, port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the accept-all endpoint exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the accept-all endpoint did not listen on 127.0.0.1:{port} within {timeout_s:.0f} s")


@contextmanager
def serve(startup_timeout_s: float = 30.0) -> Iterator[str]:
    """Run the endpoint in its own process for the duration of the block; yields its base URL."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=log)
        try:
            try:
                _wait_until_listening(proc, port, startup_timeout_s)
            except RuntimeError:
                log.seek(0)
                sys.stderr.write(log.read()[-3000:].decode(errors="replace"))
                raise
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools", lifespan="off",
                access_log=False, log_level="warning", timeout_keep_alive=600)


if __name__ == "__main__":
    main()
