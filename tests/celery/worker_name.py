"""``[core] hostname_callable`` of the test's Celery workers: both run on this machine, so the FQDN Airflow records
in ``task_instance.hostname`` by default would be the same for both; each worker names itself instead
(``HISBRIDGE_WORKER_NAME``), and the metadata database then says which worker ran each task."""

from __future__ import annotations

import os


def worker_name() -> str:
    return os.environ["HISBRIDGE_WORKER_NAME"]
