"""The journal of a served API written in batches, by one thread per process.

A served API journals every call after its answer has left. At a few hundred calls a second one ``INSERT`` per
call costs a PostgreSQL round trip and a commit each (measured on the city-brain API: 1.2 ms of CPU per call,
an eighth of the whole); written together, the entries of the last moment cost one statement.

* :meth:`JournalWriter.put` only queues the entry; the writer thread takes whatever has queued (at most
  ``max_batch``) and writes it with :meth:`Ledger.journal_many`. There is no timer: under load the entries that
  queue while one batch is written form the next; when calls are few each is written alone, at once.
* :meth:`flush` returns once every entry queued before it is written (tests, and whoever must read the journal
  right after a call); :meth:`close` flushes and stops the thread. ``close`` runs at the app's shutdown and, for a
  plugin app whose shutdown never runs, at the interpreter's exit.
* A batch the ledger refuses is retried entry by entry, so that one bad entry loses only itself; an entry that
  cannot be written is logged with its call's id (never its content) and dropped — the answer has long left.
* What a hard kill (``SIGKILL``, power loss) loses: the entries queued and not yet written, normally the last
  few milliseconds of calls. The calls' answers are not affected.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import Sequence

from hisbridge.ledger.store import JournalEntry, Ledger

log = logging.getLogger("hisbridge.ledger.journal")

MAX_BATCH = 500


class _Flush:
    """A marker in the queue: set once everything queued before it is written."""

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class JournalWriter:
    def __init__(self, ledger: Ledger, *, max_batch: int = MAX_BATCH, name: str = "journal") -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self.name = name
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.written = 0  # entries written since the start (for tests and the bench)
        self.dropped = 0  # entries the ledger refused even alone

    def put(self, entry: JournalEntry) -> None:
        if self._closed:  # after shutdown (a late background task): written at once rather than lost
            self._write([entry])
            return
        self._started()
        self._queue.put(entry)

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until every entry queued so far is written; ``False`` when ``timeout`` passed first."""
        if self._thread is None:
            return True
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Write what is queued and stop the thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)
        left = []  # put by a call that passed the closed check just as it closed
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, JournalEntry):
                left.append(item)
        self._write(left)
        atexit.unregister(self.close)

    # -- the writer thread -------------------------------------------------------------------------------------
    def _started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name=f"{self.name}-writer", daemon=True)
                thread.start()
                self._thread = thread
                atexit.register(self.close)

    def _run(self) -> None:
        while True:
            batch: list[JournalEntry] = []
            markers: list[_Flush] = []
            stop = False
            item = self._queue.get()
            while True:
                if item is _STOP:
                    stop = True
                elif isinstance(item, _Flush):
                    markers.append(item)
                else:
                    batch.append(item)
                if len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write(batch)
            for marker in markers:
                marker.done.set()
            if stop:
                return

    def _write(self, batch: Sequence[JournalEntry]) -> None:
        if not batch:
            return
        try:
            self.ledger.journal_many(batch)
            self.written += len(batch)
            return
        except Exception as exc:  # noqa: BLE001 - one by one below, so one bad entry loses only itself
            if len(batch) == 1:
                self._dropped(batch[0], exc)
                return
            log.warning("%s: a batch of %d entries was not written (%s); writing them one by one", self.name,
                        len(batch), type(exc).__name__)
        for entry in batch:
            try:
                self.ledger.journal_many([entry])
                self.written += 1
            except Exception as exc:  # noqa: BLE001 - logged with the call's id; the answer has left
                self._dropped(entry, exc)

    def _dropped(self, entry: JournalEntry, exc: Exception) -> None:
        self.dropped += 1
        log.warning("%s: %s call %s (request %s) not journalled (%s)", self.name, entry.platform, entry.operation,
                    entry.msgid, type(exc).__name__)
