"""Platforms as data: ``name → "module:attribute"`` of its :class:`~hisbridge.pipeline.platform.Platform`.

Adding a platform adds a line here (or, for a site's own plug-in, an entry in the environment variable
``HISBRIDGE_PLATFORMS``, a JSON object of the same shape); nothing in ``pipeline/`` or ``ledger/`` changes.
The modules named here are light (options models and capabilities): a platform's client is imported only
when a task builds its sender.
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import import_module

from hisbridge.pipeline.platform import Platform

PLATFORMS: dict[str, str] = {
    "hsa": "hisbridge.platforms.hsa.feeds:PLATFORM",
    "cdc": "hisbridge.platforms.cdc.feeds:PLATFORM",
    "mutual": "hisbridge.platforms.mutual.feeds:PLATFORM",
    "city_brain": "hisbridge.platforms.city_brain.feeds:PLATFORM",
    "regional": "hisbridge.platforms.regional.feeds:PLATFORM",
}


def registered() -> dict[str, str]:
    extra = os.environ.get("HISBRIDGE_PLATFORMS")
    return {**PLATFORMS, **(json.loads(extra) if extra else {})}


def platform(name: str) -> Platform:
    target = registered().get(name)
    if target is None:
        raise ValueError(f"unknown platform {name!r}; registered: {', '.join(sorted(registered()))}")
    return _load(target)


@cache
def _load(target: str) -> Platform:
    module, _, attr = target.partition(":")
    found = getattr(import_module(module), attr)
    if not isinstance(found, Platform):
        raise TypeError(f"{target} is not a hisbridge.pipeline.platform.Platform")
    return found
