"""Which :class:`~hisbridge.pipeline.deliver.Outbox` serves which platform, built from Airflow connections."""

from __future__ import annotations

from hisbridge.ledger.msgids import LedgerMsgIds
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.deliver import Outbox


def outbox_for(platform: str, ledger: Ledger) -> Outbox:
    if platform == "hsa":
        from hisbridge.platforms.hsa.hooks import HsaHook
        from hisbridge.platforms.hsa.outbox import HsaOutbox

        return HsaOutbox(HsaHook(msgids=LedgerMsgIds(ledger.engine)).client)
    raise ValueError(f"no outbox for platform {platform!r}")
