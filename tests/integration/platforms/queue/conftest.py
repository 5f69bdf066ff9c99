"""Fixtures for the queue-views integration tests: the resolved contract and a per-test reader role name."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from hisbridge.platforms.queue.declaration import QueueContract, load_contract


@pytest.fixture
def contract() -> QueueContract:
    return load_contract(site=None)


@pytest.fixture
def reader_name(pg_url) -> Iterator[str]:
    """A role name unique to this test (roles are cluster-wide); the role is dropped afterwards."""
    name = f"hx_reader_t{uuid.uuid4().hex[:10]}"
    yield name
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT COUNT(*) FROM pg_roles WHERE rolname = :n"), {"n": name}
            ).scalar()
            if exists:
                conn.execute(text(f"DROP OWNED BY {name}"))
                conn.execute(text(f"DROP ROLE {name}"))
    finally:
        admin.dispose()


@pytest.fixture
def pg_contract(contract: QueueContract, reader_name: str) -> QueueContract:
    return contract.model_copy(update={"reader": contract.reader.model_copy(update={"name": reader_name})})
