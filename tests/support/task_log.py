"""Operators log through ``self.log``, an Airflow structlog logger that pytest's ``caplog`` does not see (it prints
to stderr outside a task runner). The ``task_log`` fixture here is pytest's ``caplog`` with structlog routed into
the standard library for one test, so an operator's own lines land in ``caplog.records`` under the operator's
logger name (``airflow.task.operators.<module>.<class>``), exactly as the task log names them. Import it into a
test module (``from tests.support.task_log import operator_lines, task_log  # noqa: F401``), mark the test
``@pytest.mark.usefixtures("task_log")`` and read ``caplog`` as usual."""

from __future__ import annotations

import logging
from collections.abc import Iterator

# Airflow configures logging (structlog and the standard library) when it is first imported: done here, before the
# fixture routes structlog, or an operator imported inside a test would undo the routing
import airflow.sdk  # noqa: F401
import pytest
import structlog


@pytest.fixture
def task_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """pytest's ``caplog``, also capturing the operators' structlog lines (restored afterwards)."""
    saved = structlog.get_config()
    structlog.configure(
        processors=[structlog.stdlib.PositionalArgumentsFormatter(), structlog.stdlib.render_to_log_kwargs],
        logger_factory=structlog.stdlib.LoggerFactory(), wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False)
    caplog.set_level(logging.INFO)
    try:
        yield caplog
    finally:
        structlog.configure(**saved)


def operator_lines(caplog: pytest.LogCaptureFixture, operator: type | object) -> list[tuple[int, str]]:
    """The (level, text) lines an operator class logged itself, in order (not its modules' loggers)."""
    cls = operator if isinstance(operator, type) else type(operator)
    name = f"airflow.task.operators.{cls.__module__}.{cls.__qualname__}"
    return [(r.levelno, r.getMessage()) for r in caplog.records
            if r.name == name and "outside of the Task Runner" not in r.getMessage()]
