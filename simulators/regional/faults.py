"""What a simulated pull may do wrong, chosen per row deterministically (a hash of seed, table and key), so a test
or the demo knows in advance which rows are affected:

* ``skip_share`` — the share of pending rows a pull leaves untouched (the platform's ETL missed them: they stay
  待上传); ``skip_keys`` names rows to leave untouched whatever the share;
* ``fail_share`` — the share of pending rows the pull fails with ``平台入库异常（模拟故障）`` (flag 失败) although
  they break none of its rules; ``fail_keys`` names such rows;
* ``down`` — the pull fails as a whole (:class:`PullFailed`) and changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

FAULT_WORDS = "平台入库异常（模拟故障）"


class PullFailed(RuntimeError):
    """The platform's ETL did not run (``down``): nothing was taken."""


@dataclass(frozen=True)
class PullFaults:
    skip_share: float = 0.0
    fail_share: float = 0.0
    skip_keys: frozenset[str] = field(default_factory=frozenset)
    fail_keys: frozenset[str] = field(default_factory=frozenset)
    down: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("skip_share", "fail_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")

    def _draw(self, salt: str, table: str, key: str) -> float:
        digest = hashlib.sha256(f"{self.seed}|{salt}|{table}|{key}".encode()).digest()
        return int.from_bytes(digest[:4], "big") / 2**32

    def skips(self, table: str, key: str) -> bool:
        return key in self.skip_keys or self._draw("skip", table, key) < self.skip_share

    def fails(self, table: str, key: str) -> bool:
        return key in self.fail_keys or self._draw("fail", table, key) < self.fail_share
