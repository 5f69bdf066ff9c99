"""Nightly data quality per feed: the feed's YAML ``checks`` as a Great Expectations suite over a day's extract.

The feed runs themselves check rows with plain compiled checks (fast, every 5 minutes); this module runs the
same ``checks`` once a day, out of the hot path, where Great Expectations is worth its import time: one suite
per feed, results kept per window, and Data Docs (HTML) that ops and auditors can open without Airflow.

For a window it extracts the feed's records (``extract_records``), maps each one (``map_record``; a record
whose codes do not map is counted as *unmapped*, not checked) and builds one pandas DataFrame per *dataset*:

* ``records``: one row per mapped record — scalar checks and ``min_items`` (the list's length);
* ``items_<list>``: one row per list item (e.g. every scanned 追溯码) for ``list[].item`` checks;
* ``…_personal``: checks on a field the log masker treats as personal (``hisbridge.logging.is_pii_key``) run
  apart and report counts only, so no ID number or name reaches a result file or a Data Docs page.

Every row carries its record's business key (``business_key``, how ops find a failing record in the HIS and
the ledger; failing keys are sampled, at most 20 per expectation) and the SQL columns its ``when`` conditions
name, which become GX row conditions. Nothing else of a record enters a frame.

Files, under ``out_dir/<feed>/`` (one GX project per feed, so feeds checked in parallel never share a file):

* ``gx/`` — the file-based GX project: suites, validation definitions and every validation result
  (``gx/uncommitted/validations/``); one run per window, keyed by the window, so re-checking a day replaces
  that day's result instead of adding a second one;
* ``gx/uncommitted/data_docs/local_site/index.html`` — the Data Docs site, one page per dataset and window;
* ``results/<window>.json`` — :class:`QualityResult` plus GX's validation results, the file to archive.

GX's Data Docs templates load jQuery/Bootstrap and the GX logo from public CDNs (not configurable in 1.24):
offline, the index page's list stays empty. The per-window pages and the JSON files still read without them.

pandas and GX are imported inside the functions that need them, never when this module is imported.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import Engine

from hisbridge.logging import is_pii_key
from hisbridge.pipeline.spec import Check, FeedSpec

KEY = "business_key"
CHUNK_SIZE = 5000
SAMPLE_KEYS = 20
SHANGHAI = ZoneInfo("Asia/Shanghai")
DOCS_SITE = "local_site"  # the site a new file-based GX project configures
DOCS_INDEX = Path("gx", "uncommitted", "data_docs", DOCS_SITE, "index.html")


class ExpectationOutcome(BaseModel):
    """One check of the feed's YAML as GX judged it over the window."""

    dataset: str
    column: str  # as the YAML spells it: wire field, ``list[]`` or ``list[].item``
    expect: str
    reason: str
    when: dict[str, str] | None = None
    success: bool
    checked: int  # rows (or list items) the expectation looked at, after ``when``
    unexpected: int
    unexpected_percent: float | None = None
    sample_keys: list[str] = []  # business keys of failing records (none for personal fields)

    @property
    def label(self) -> str:
        """``drugtracinfo min_items when trace_required=Y``: the check as ops read it in logs and XCom."""
        when = "".join(f" when {k}={v}" for k, v in sorted((self.when or {}).items()))
        return f"{self.column} {self.expect}{when}"


class QualityResult(BaseModel):
    feed: str
    title: str
    window_start: datetime  # naive Asia/Shanghai, as the HIS keeps times
    window_end: datetime
    records: int  # records the feed's SQL returned for the window
    rows_checked: int  # of which mapped and checked
    unmapped: int  # of which a code did not map (the feed run quarantines these)
    items: dict[str, int] = {}  # list items checked, per list
    success: bool
    expectations: list[ExpectationOutcome]
    results_path: Path
    docs_index: Path

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]

    def summary(self) -> dict[str, Any]:
        """Counts and paths only (no keys, no values): what the task returns to XCom and logs."""
        return {
            "feed": self.feed,
            "window": window_label(self.window_start, self.window_end),
            "records": self.records,
            "rows_checked": self.rows_checked,
            "unmapped": self.unmapped,
            "items": self.items,
            "success": self.success,
            "expectations": len(self.expectations),
            "failed": {e.label: e.unexpected for e in self.failed},
            "results_path": str(self.results_path),
            "docs_index": str(self.docs_index),
        }


@dataclass
class _Dataset:
    """One DataFrame and the checks run on it, filled column by column while the window streams past."""

    name: str
    list_field: str | None
    personal: bool
    checks: list[tuple[int, Check]] = field(default_factory=list)  # (index in spec.checks, check)
    columns: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def when_columns(self) -> list[str]:
        return sorted({c for _, check in self.checks for c in (check.when or {})})

    def prepare(self) -> None:
        names = [KEY, *self.when_columns, *dict.fromkeys(_frame_column(c) for _, c in self.checks)]
        if len(set(names)) != len(names):
            raise ValueError(f"dataset {self.name}: a 'when' column has the name of a checked field: {names}")
        self.columns = {n: [] for n in names}

    def add(self, key: str, sources: dict[str, Any], values: dict[str, Any]) -> None:
        self.columns[KEY].append(key)
        for column in self.when_columns:
            self.columns[column].append(str(sources.get(column)))  # as the feed run compares them
        for column, value in values.items():
            self.columns[column].append(value)

    @property
    def size(self) -> int:
        return len(self.columns[KEY])


def plan_datasets(spec: FeedSpec) -> list[_Dataset]:
    """The feed's checks grouped by the frame they run on (records or one list's items; personal apart)."""
    datasets: dict[tuple[str | None, bool], _Dataset] = {}
    for index, check in enumerate(spec.checks):
        list_field = check.list_field if check.item_field else None
        personal = is_pii_key(check.item_field or check.column.split("[]", 1)[0])
        name = ("records" if list_field is None else f"items_{list_field}") + ("_personal" if personal else "")
        datasets.setdefault((list_field, personal), _Dataset(name, list_field, personal)).checks.append((index, check))
    out = list(datasets.values())
    for dataset in out:
        dataset.prepare()
    return out


def window_label(start: datetime, end: datetime) -> str:
    """``2026-11-24`` for a calendar day, else ``20261124T0000-20261124T0600``."""
    if end - start == timedelta(days=1) and start.time() == datetime.min.time():
        return f"{start:%Y-%m-%d}"
    return f"{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}"


def run_quality_suite(
    spec: FeedSpec, his: Engine, window_start: datetime, window_end: datetime, out_dir: Path,
    *, chunk_size: int = CHUNK_SIZE,
) -> QualityResult:
    """Check the feed's records of ``[window_start, window_end)`` (naive local times) against its YAML checks.

    Failed expectations are findings, kept in the result and the files; only a suite that cannot run (the
    HIS unreachable, the SQL broken, GX failing) raises.
    """
    from hisbridge.pipeline.extract import extract_records
    from hisbridge.pipeline.mapping import MappingError, map_record

    datasets = plan_datasets(spec)
    records = unmapped = 0
    for chunk in extract_records(his, spec, window_start, window_end, chunk_size=chunk_size):
        for record in chunk:
            records += 1
            try:
                wire = map_record(spec, record)
            except MappingError:
                unmapped += 1
                continue
            for dataset in datasets:
                _collect(dataset, record.key, record.values, wire)

    root = Path(out_dir) / spec.feed
    label = window_label(window_start, window_end)
    validations = _validate(spec, datasets, root, label, window_start.replace(tzinfo=SHANGHAI))
    outcomes = sorted((o for _, outs in validations for o in outs), key=lambda o: o[0])
    result = QualityResult(
        feed=spec.feed, title=spec.title, window_start=window_start, window_end=window_end,
        records=records, rows_checked=records - unmapped, unmapped=unmapped,
        items={d.list_field: d.size for d in datasets if d.list_field and not d.personal},
        success=all(o.success for _, o in outcomes), expectations=[o for _, o in outcomes],
        results_path=root / "results" / f"{label}.json", docs_index=root / DOCS_INDEX,
    )
    _write_json(result.results_path, {
        "quality": result.model_dump(mode="json"),
        "gx": [gx_result.to_json_dict() for gx_result, _ in validations],
    })
    return result


def _collect(dataset: _Dataset, key: str, sources: dict[str, Any], wire: dict[str, Any]) -> None:
    if dataset.list_field is None:
        dataset.add(key, sources, {_frame_column(c): _row_value(c, wire) for _, c in dataset.checks})
        return
    for item in wire.get(dataset.list_field) or []:
        dataset.add(key, sources, {_frame_column(c): item.get(c.item_field) for _, c in dataset.checks})


def _frame_column(check: Check) -> str:
    if check.expect == "min_items":
        return f"{check.column}__count"
    return check.item_field or check.column


def _row_value(check: Check, wire: dict[str, Any]) -> Any:
    if check.expect == "min_items":
        return len(wire.get(check.column) or [])
    value = wire.get(check.column)
    return None if value == "" else value


#: GX's loggers: at import, ``great_expectations._docs_decorators`` logs ~214 INFO lines ("Skipping registering
#: function …") — 214 of a quality task's 233 log lines before this was set
GX_LOGGERS = ("great_expectations", "great_expectations._docs_decorators", "great_expectations.expectations.registry")


def quiet_great_expectations() -> None:
    """Keep GX's registration and progress chatter out of the task log (WARNING and above still pass).

    It must run *before* the first ``import great_expectations`` of the process: the lines are logged while
    the package is imported, so setting the level afterwards (as this module once did) is too late. Idempotent
    and cheap: called before every GX import here.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # a hospital intranet: no telemetry
    for name in GX_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


def _validate(spec: FeedSpec, datasets: Sequence[_Dataset], root: Path, label: str, run_time: datetime):
    """Run every dataset's suite in the feed's GX project; build Data Docs for this window's results."""
    quiet_great_expectations()  # before the first GX import below
    import pandas as pd
    from great_expectations.core.run_identifier import RunIdentifier

    context = _gx_context(root)
    run_id = RunIdentifier(run_name=label, run_time=run_time)
    out = []
    for dataset in datasets:
        definition = _validation_definition(context, spec, dataset)
        frame = pd.DataFrame(dataset.columns)
        result = definition.run(batch_parameters={"dataframe": frame}, run_id=run_id,
                                result_format=_result_format(dataset))
        out.append((result, _outcomes(spec, dataset, result)))
    _build_docs(context, [f"{spec.feed}.{d.name}" for d in datasets], run_id)
    return out


def _gx_context(root: Path):
    quiet_great_expectations()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    site = context.list_data_docs_sites().get(DOCS_SITE)
    if site is not None and site.get("show_how_to_buttons", True):  # no newsletter form and tutorial links
        context.update_data_docs_site(DOCS_SITE, {**site, "show_how_to_buttons": False})
    return context


def _validation_definition(context, spec: FeedSpec, dataset: _Dataset):
    """The dataset's suite, rebuilt from the YAML on every run (a changed check takes effect the next night)."""
    import great_expectations as gx

    name = f"{spec.feed}.{dataset.name}"
    try:
        source = context.data_sources.get(spec.feed)
    except KeyError:
        source = context.data_sources.add_pandas(spec.feed)
    try:
        asset = source.get_asset(dataset.name)
    except LookupError:
        asset = source.add_dataframe_asset(dataset.name)
    try:
        batch = asset.get_batch_definition(dataset.name)
    except KeyError:
        batch = asset.add_batch_definition_whole_dataframe(dataset.name)
    suite = context.suites.add_or_update(gx.ExpectationSuite(
        name=name, expectations=[_expectation(index, check) for index, check in dataset.checks],
        meta={"feed": spec.feed, "title": spec.title, "source": f"include/mappings/{spec.feed}.yaml checks"},
    ))
    return context.validation_definitions.add_or_update(gx.ValidationDefinition(name=name, data=batch, suite=suite))


def _expectation(index: int, check: Check):
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    kwargs: dict[str, Any] = {
        "column": _frame_column(check), "notes": check.reason,
        "meta": {"check": index, "column": check.column, "reason": check.reason},
    }
    if check.when:
        conditions = [Column(col) == value for col, value in sorted(check.when.items())]
        condition = conditions[0]
        for more in conditions[1:]:
            condition = condition & more
        kwargs["row_condition"] = condition
    if check.expect == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(**kwargs)
    if check.expect == "regex":
        return gxe.ExpectColumnValuesToMatchRegex(regex=check.regex, **kwargs)
    if check.expect == "min_items":
        return gxe.ExpectColumnValuesToBeBetween(min_value=check.min, **kwargs)
    if check.expect == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(value_set=check.values, **kwargs)
    raise ValueError(f"check on {check.column}: no expectation for {check.expect!r}")


def _result_format(dataset: _Dataset) -> dict[str, Any]:
    if dataset.personal:  # counts only: no value and no key of a failing row leaves the process
        return {"result_format": "BASIC", "partial_unexpected_count": 0}
    return {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_KEYS,
            "unexpected_index_column_names": [KEY]}


def _outcomes(spec: FeedSpec, dataset: _Dataset, result) -> list[tuple[int, ExpectationOutcome]]:
    out = []
    for res in result.results:
        index = int(res.expectation_config.meta["check"])
        check = spec.checks[index]
        details = res.result or {}
        keys = [] if dataset.personal else [
            str(row[KEY]) for row in details.get("partial_unexpected_index_list") or [] if KEY in row
        ]
        out.append((index, ExpectationOutcome(
            dataset=dataset.name, column=check.column, expect=check.expect, reason=check.reason, when=check.when,
            success=bool(res.success), checked=int(details.get("element_count") or 0),
            unexpected=int(details.get("unexpected_count") or 0), unexpected_percent=details.get("unexpected_percent"),
            sample_keys=list(dict.fromkeys(keys)),
        )))
    return out


def _build_docs(context, suite_names: list[str], run_id) -> None:
    """Render this window's results (and the suites) and the index; older pages stay as they were built."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    store = context.validation_results_store
    ours = [key for key in store.list_keys()
            if key.run_id == run_id and key.expectation_suite_identifier.name in suite_names]
    suites = [ExpectationSuiteIdentifier(name=name) for name in suite_names]
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=[*suites, *ours])


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
