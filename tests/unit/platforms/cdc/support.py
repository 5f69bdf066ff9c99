"""Feed declarations for the CDC tests, built like a feed YAML would be (feed ids are the tests' own, so that
the real ``include/mappings/cdc_*.yaml`` feeds never meet these)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hisbridge.pipeline.spec import FeedSpec


def cdc_spec(tmp_path: Path, feed: str, table: str, sql: str, fields: dict[str, Any], **extra: Any) -> FeedSpec:
    path = tmp_path / f"{feed}.sql"
    path.write_text(sql, encoding="utf-8")
    return FeedSpec.model_validate({
        "feed": feed, "title": feed, "platform": "cdc", "window": "5m", "sql": str(path),
        "options": {"table": table, **extra.pop("options", {})}, "business_key": extra.pop("business_key", ["id"]),
        "fields": fields, **extra,
    })
