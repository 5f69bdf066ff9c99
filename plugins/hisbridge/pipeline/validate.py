"""Row validation before anything is sent: the platform's typed model, then the feed's data checks.

Two layers, both row-level so a bad row is quarantined with its reason while the rest of the batch goes on:

1. pydantic: the transaction's model (required fields, lengths, formats, code values).
2. Great Expectations (core API, 1.x): the feed's ``checks`` (e.g. 20-digit traceability codes, a national
   code present), run on the chunk as a DataFrame; ``unexpected_index_list`` names the failing rows.

GX and pandas are imported here, inside the task, never at DAG parse time. Reasons name fields and rules, never
values, so no patient data reaches a log through them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from hisbridge.pipeline.extract import SourceRecord
from hisbridge.pipeline.spec import Check, FeedSpec

ROW = "__row"


@dataclass
class Checked:
    record: SourceRecord
    wire: dict[str, Any]
    model: BaseModel | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.model is not None and not self.reasons


def model_errors(exc: ValidationError) -> list[str]:
    """Field and rule only: pydantic's own str() would echo the input value."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"]) or "row"
        out.append(f"{loc}: {err['msg']}")
    return out


def validate_rows(spec: FeedSpec, model_cls: type[BaseModel], items: Sequence[Checked]) -> list[Checked]:
    for item in items:
        try:
            item.model = model_cls.model_validate(item.wire)
        except ValidationError as exc:
            item.reasons.extend(model_errors(exc))
    if spec.checks and items:
        for idx, check in run_checks(spec, [i.wire for i in items], [i.record.values for i in items]):
            item = items[idx]
            # the check's reason says it for ops; drop the model's generic words about the same field
            field_name = check.list_field or check.column
            item.reasons = [r for r in item.reasons if not r.startswith(f"{field_name}:")]
            if check.reason not in item.reasons:
                item.reasons.append(check.reason)
    return list(items)


def run_checks(spec: FeedSpec, rows: Sequence[dict[str, Any]],
               sources: Sequence[dict[str, Any]] | None = None) -> list[tuple[int, Check]]:
    """(row index, check) for every failed check, via Great Expectations suites built from ``spec.checks``.

    A check with ``when`` runs on the rows whose SQL values (``sources``) match it, and only on those.
    """
    import pandas as pd

    failures: list[tuple[int, Check]] = []
    groups: dict[tuple, list[Check]] = {}
    for check in spec.checks:  # checks on the same rows share one suite run
        groups.setdefault((check.item_field is not None, tuple(sorted((check.when or {}).items()))), []).append(check)
    for (per_item, when), checks in groups.items():
        eligible = [n for n in range(len(rows))
                    if not when or (sources is not None and all(str(sources[n].get(k)) == v for k, v in when))]
        if not eligible:
            continue
        if not per_item:
            frame = pd.DataFrame({_row_column(c): [_row_value(c, rows[n]) for n in eligible] for c in checks})
            for check, indexes in _run_suite(spec.feed, _part("rows", when), tuple(checks), frame):
                failures.extend((eligible[i], check) for i in indexes)
            continue
        for check in checks:
            owners, values = [], []
            for n in eligible:
                for item in rows[n].get(check.list_field) or []:
                    owners.append(n)
                    values.append(item.get(check.item_field))
            if values:
                frame = pd.DataFrame({_row_column(check): values})
                for _, indexes in _run_suite(spec.feed, _part(f"items_{check.column}", when), (check,), frame):
                    failures.extend((owners[i], check) for i in indexes)
    return failures


def _part(name: str, when: tuple) -> str:
    return name + "".join(f"__{k}_{v}" for k, v in when)


def _row_column(check: Check) -> str:
    if check.expect == "min_items":
        return f"{check.column}__count"
    return check.item_field or check.column


def _row_value(check: Check, row: dict[str, Any]) -> Any:
    if check.expect == "min_items":
        return len(row.get(check.column) or [])
    value = row.get(check.column)
    return None if value == "" else value


def _run_suite(feed: str, part: str, checks: tuple[Check, ...], frame) -> list[tuple[Check, list[int]]]:
    definition = _validation_definition(feed, part, checks)
    result = definition.run(batch_parameters={"dataframe": frame},
                            result_format={"result_format": "COMPLETE"})
    by_expectation = {(_GX_TYPES[c.expect], _row_column(c)): c for c in checks}
    out = []
    for res in result.results:
        if res.success:
            continue
        cfg = res.expectation_config
        check = by_expectation[(cfg.type, cfg.kwargs["column"])]
        out.append((check, [int(i) for i in res.result.get("unexpected_index_list") or []]))
    return out


_GX_TYPES = {
    "not_null": "expect_column_values_to_not_be_null",
    "regex": "expect_column_values_to_match_regex",
    "min_items": "expect_column_values_to_be_between",
    "in_set": "expect_column_values_to_be_in_set",
}


@cache
def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # a hospital intranet: no telemetry
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


_definitions: dict[tuple[str, str], Any] = {}


def _validation_definition(feed: str, part: str, checks: tuple[Check, ...]):
    """One GX suite per (feed, part), built on first use and kept for the process (feeds do not change)."""
    if (feed, part) not in _definitions:
        _definitions[(feed, part)] = _build_definition(feed, part, checks)
    return _definitions[(feed, part)]


def _build_definition(feed: str, part: str, checks: tuple[Check, ...]):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    context = _gx_context()
    name = f"{feed}__{part}"
    source = context.data_sources.add_pandas(name)
    batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    expectations = []
    for c in checks:
        column = _row_column(c)
        if c.expect == "not_null":
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=column))
        elif c.expect == "regex":
            expectations.append(gxe.ExpectColumnValuesToMatchRegex(column=column, regex=c.regex))
        elif c.expect == "min_items":
            expectations.append(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=c.min))
        elif c.expect == "in_set":
            expectations.append(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=c.values))
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    return context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
