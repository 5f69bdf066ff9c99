"""``python -m hisbridge gateway token add|list|revoke`` on a real ledger: the token is shown once, only its hash
is stored, and a revoked token no longer opens the gateway."""

from __future__ import annotations

import re

from sqlalchemy import select

import hisbridge.__main__ as entry
from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa.gateway.service import HsaGateway
from hisbridge.platforms.hsa.gateway.tokens import token_hash


def test_token_add_list_revoke(pg_url: str, capsys) -> None:
    assert entry.main(["gateway", "--url", pg_url, "token", "add", "HIS 住院结算", "--note", "住院处"]) == 0
    token = re.search(r"^(hb_\S+)$", capsys.readouterr().out, re.M).group(1)
    ledger = Ledger(make_engine(pg_url))
    with ledger.engine.connect() as conn:
        stored = conn.execute(select(s.api_token.c.token_hash)).scalars().all()
    assert stored == [token_hash(token)] and token not in stored
    assert ledger.token_caller(HsaGateway.SERVICE, token_hash(token)) == "HIS 住院结算"

    assert entry.main(["gateway", "--url", pg_url, "token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "HIS 住院结算" in listing and "live" in listing and token not in listing

    assert entry.main(["gateway", "--url", pg_url, "token", "revoke", "1"]) == 0
    assert ledger.token_caller(HsaGateway.SERVICE, token_hash(token)) is None
    assert entry.main(["gateway", "--url", pg_url, "token", "revoke", "1"]) == 1, "revoked once only"
