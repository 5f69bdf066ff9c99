"""Message ids unique across parallel tasks and processes, from a per-second counter in the ledger database.

msgid = fixmedins_code + yyyyMMddHHmmss (Asia/Shanghai) + 4-digit sequence (hsa.md §5.1). Random suffixes
collide when several workers send in the same second; an in-process counter collides across workers. The
counter row is locked by the UPDATE, so concurrent transactions on PostgreSQL (or SQLite's database lock)
hand out distinct numbers.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hisbridge.ledger.schema import msgid_sequence as seq_t

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_SEQ = 9999


class LedgerMsgIds:
    """A ``MsgIdSource`` backed by the ledger's ``msgid_sequence`` table."""

    def __init__(self, engine: Engine, clock=lambda: datetime.now(SHANGHAI), sleep=time.sleep) -> None:
        self.engine = engine
        self.clock = clock
        self.sleep = sleep

    def next(self, fixmedins_code: str) -> str:
        while True:
            stamp = self.clock().astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S")
            n = self._take(fixmedins_code + stamp, fixmedins_code, stamp[:8])
            if n <= MAX_SEQ:
                return f"{fixmedins_code}{stamp}{n:04d}"
            self.sleep(0.05)  # this second's 9999 numbers are used up: wait for the next second

    def _take(self, prefix: str, code: str, day: str) -> int:
        for _ in range(5):
            try:
                with self.engine.begin() as conn:
                    done = conn.execute(
                        update(seq_t).where(seq_t.c.prefix == prefix).values(seq=seq_t.c.seq + 1)
                    ).rowcount
                    if done:
                        return conn.execute(select(seq_t.c.seq).where(seq_t.c.prefix == prefix)).scalar_one()
                    conn.execute(insert(seq_t).values(prefix=prefix, seq=1))
                    # old seconds are no longer needed once a new second starts
                    conn.execute(delete(seq_t).where(seq_t.c.prefix.like(f"{code}%"),
                                                     seq_t.c.prefix < f"{code}{day}000000"))
                    return 1
            except IntegrityError:
                continue  # another process inserted this second's row first: take the UPDATE path
        raise RuntimeError(f"could not allocate a msgid for prefix {prefix}")
