"""Settings kept as JSON in an Airflow Variable: one way to read them, with errors that name the Variable and
show an example, so a typo in the UI says what to fix instead of failing somewhere later."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def json_object(raw: object, variable: str, example: str, error: type[Exception]) -> dict[str, Any] | None:
    """The Variable's value (JSON text, an already parsed dict, or unset) as a dict; ``None`` when unset."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise error(f"Airflow Variable {variable!r} is not valid JSON ({exc.msg}); expected e.g. {example}") from exc
    if not isinstance(raw, dict):
        raise error(f"Airflow Variable {variable!r} must be a JSON object such as {example}")
    return dict(raw)


def validated(model: type[M], values: dict[str, Any], variable: str, error: type[Exception]) -> M:
    """``values`` as ``model``; every problem named by its key."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors())
        raise error(f"Airflow Variable {variable!r} is invalid: {problems}") from exc
