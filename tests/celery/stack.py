"""The production stack of docker-compose.yaml without Docker: Airflow 3's API server, scheduler and dag-processor
and N Celery workers, on the machine's real Redis (the broker) and PostgreSQL (metadata database, Celery result
backend, the hisbridge ledger), every component a process of its own as its container would be.

Why a harness and not ``airflow standalone``: standalone forces the LocalExecutor, so it proves nothing about
Celery. Everything here is per run and removed afterwards: a Redis database claimed with a key (never db 0, never
one holding keys), a fresh metadata database, an AIRFLOW_HOME in a temporary directory. Each component runs in its
own session (process group) and carries a marker in its environment, so :meth:`CeleryStack.stop` ends the group
and then any process that still has the marker (a task runner that left the group) — and only those.

Used by tests/celery/test_scale_out.py; ``python -m tests.celery.stack`` starts one for a look around (Ctrl-C
stops it).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
AIRFLOW = [PYTHON, "-m", "airflow"]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CLAIM_KEY = "hisbridge:celery-stack:claim"
MARKER = "HISBRIDGE_CELERY_STACK"
#: a go-live after every test window: the scheduler creates no catch-up run of its own, so the only runs are
#: the backfills the test asks for (backfill runs are not bound by the DAG's start_date)
FAR_GO_LIVE = "2099-01-01"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Redis: one database of the running server, claimed for the run -------------------------------------------


def redis_problem() -> str | None:
    """Why the machine's Redis cannot be used, or ``None``."""
    import redis

    try:
        if redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=3).ping():
            return None
        return "PING did not answer PONG"
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"


def claim_redis_db(token: str) -> int:
    """The first empty database 1…N-1 that this run manages to claim (SET NX of :data:`CLAIM_KEY`, expiring in an
    hour should the run die without cleaning up). Database 0 is left to whoever else uses this Redis."""
    import redis

    admin = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=3)
    count = int(admin.config_get("databases").get("databases", 16))
    for db in range(1, count):
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=3)
        if client.dbsize() == 0 and client.set(CLAIM_KEY, token, nx=True, ex=3600):
            return db
    raise RuntimeError(f"no free Redis database: 1…{count - 1} all hold keys")


def release_redis_db(db: int, token: str) -> None:
    """Empty the claimed database (the broker's queues and bindings) — only if the claim is still this run's."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=3)
    if client.get(CLAIM_KEY) == token.encode():
        client.flushdb()


# --- processes --------------------------------------------------------------------------------------------


@dataclass
class Component:
    """One Airflow component: its command, its environment on top of the stack's, and its log file."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log: Path | None = None

    def tail(self, lines: int = 40) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def marked_pids(marker_value: str) -> list[int]:
    """Processes whose environment carries ``MARKER=marker_value``: everything this stack started, wherever its
    process group went."""
    needle = f"{MARKER}={marker_value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies (prctl PR_SET_PDEATHSIG), so that a
    test run killed outright (SIGKILL, no teardown) does not leave Airflow running."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # start_new_session: the group id is the leader's pid
    except ProcessLookupError:
        pass


def _wait_until(what: str, check: Callable[[], bool], timeout_s: float, on_fail: Callable[[], str],
                interval_s: float = 0.5) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout_s:.0f} s\n{on_fail()}")
        time.sleep(interval_s)


# --- the stack --------------------------------------------------------------------------------------------


@dataclass
class CeleryStack:
    """Airflow with the CeleryExecutor on this machine. ``metadata_db`` names an empty database on the PostgreSQL
    server at ``pg_host:pg_port`` (trust auth for ``pg_user``), which the stack migrates; ``worker_env`` what only the workers get (the platform connections the tasks use) and ``api_env`` what only the
    API server gets (the connections of the hisbridge plugin's apps), as in docker-compose.yaml."""

    home: Path
    dag_files: Iterable[Path]
    metadata_db: str
    worker_env: Mapping[str, str]
    api_env: Mapping[str, str] = field(default_factory=dict)
    workers: int = 2
    concurrency: int = 2
    extra_env: Mapping[str, str] = field(default_factory=dict)
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"

    def __post_init__(self) -> None:
        self.marker = uuid.uuid4().hex
        self.redis_db: int | None = None
        self.api_port = free_port()
        self.password = secrets.token_hex(16)
        self.components: list[Component] = []
        self._token: str | None = None
        from cryptography.fernet import Fernet

        # the secrets every component shares (.env's AIRFLOW_* secrets in the compose stack), new per run
        self._secrets = {"api_secret_key": secrets.token_hex(32), "jwt_secret": secrets.token_hex(32),
                         "fernet_key": Fernet.generate_key().decode()}
        #: seconds per start-up phase, for the report
        self.timings: dict[str, float] = {}

    def _phase(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.timings[name] = round(now - since, 1)
        return now

    # -- configuration -------------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def api_connection(self) -> str:
        """Connection ``airflow_api`` (as AIRFLOW_CONN_* JSON) to this stack's API server: what a task that calls
        the REST API uses (the window-gap check submits its backfills through it), with the admin's password."""
        return json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": self.api_port, "schema": "http",
                           "login": "admin", "password": self.password})

    @property
    def worker_names(self) -> list[str]:
        return [f"celery-worker-{chr(ord('a') + i)}" for i in range(self.workers)]

    def base_env(self) -> dict[str, str]:
        """What every component gets — the x-airflow-common environment of docker-compose.yaml, with local
        addresses. Nothing of the caller's Airflow configuration leaks in."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AIRFLOW_", "AIRFLOW__", "OTEL_", "PYTEST_"))}
        db = f"{self.pg_user}@{self.pg_host}:{self.pg_port}/{self.metadata_db}"
        env.update({
            MARKER: self.marker,
            "AIRFLOW_HOME": str(self.home / "airflow"),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{db}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
            "AIRFLOW__CELERY__TASK_ACKS_LATE": "true",
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": "default",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__API__SECRET_KEY": self._secret("api_secret_key"),
            "AIRFLOW__API_AUTH__JWT_SECRET": self._secret("jwt_secret"),
            "AIRFLOW__CORE__FERNET_KEY": self._secret("fernet_key"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.home / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
            "AIRFLOW__CORE__AUTH_MANAGER":
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
            # a new DAG file is seen within seconds (the default is 5 min); the test starts with its DAGs present
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            # the DAG files do not change during a run: parse each once, not every 30 s (less load)
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "HISBRIDGE_GO_LIVE": FAR_GO_LIVE,
            "PYTHONPATH": f"{ROOT / 'plugins'}{os.pathsep}{ROOT}",
            "GX_ANALYTICS_ENABLED": "false",
            "TQDM_DISABLE": "1",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        return env

    def _secret(self, name: str) -> str:
        return self._secrets[name]

    def _prepare_home(self) -> None:
        (self.home / "airflow").mkdir(parents=True, exist_ok=True)
        (self.home / "logs").mkdir(exist_ok=True)
        (self.home / "component-logs").mkdir(exist_ok=True)
        dags = self.home / "dags"
        dags.mkdir(exist_ok=True)
        for path in self.dag_files:  # the real DAG files, and only those the run needs: less to parse
            (dags / path.name).symlink_to(path)
        (self.home / "passwords.json").write_text(json.dumps({"admin": self.password}), encoding="utf-8")

    def create_pools(self) -> dict[str, int]:
        """The pools of airflow_settings.yaml, as airflow-init applies them (here through the REST API: one
        ``airflow`` CLI process per pool costs seconds each)."""
        settings = yaml.safe_load((ROOT / "airflow_settings.yaml").read_text(encoding="utf-8"))["airflow"]
        for pool in settings["pools"]:
            self.api("POST", "/pools", json={"name": pool["pool_name"], "slots": pool["pool_slot"],
                                             "description": pool.get("pool_description", "")})
        return {pool["pool_name"]: pool["pool_slot"] for pool in settings["pools"]}

    # -- life cycle ----------------------------------------------------------------------------------------

    def start(self, meanwhile: Callable[[], None] | None = None) -> CeleryStack:
        """Migrate the metadata database (``meanwhile`` runs in the mean time: the caller's own set-up), start
        every component, wait until the API server answers and the workers are ready, and create the pools."""
        t = time.monotonic()
        self.redis_db = claim_redis_db(self.marker)
        self._prepare_home()
        migrate = subprocess.Popen([*AIRFLOW, "db", "migrate"], env=self.base_env(), cwd=self.home,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            if meanwhile is not None:
                meanwhile()
            out, _ = migrate.communicate(timeout=300)
        finally:
            if migrate.poll() is None:
                _signal_group(migrate, signal.SIGKILL)
                migrate.wait()
        if migrate.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed ({migrate.returncode}):\n{out.decode()[-3000:]}")
        t = self._phase("db migrate", t)
        self._spawn(Component("api-server", [*AIRFLOW, "api-server", "--host", "127.0.0.1",
                                             "--port", str(self.api_port), "--workers", "1"],
                                  env=dict(self.api_env)))
        self._spawn(Component("scheduler", [*AIRFLOW, "scheduler"]))
        self._spawn(Component("dag-processor", [*AIRFLOW, "dag-processor"]))
        for name in self.worker_names:
            self._spawn(Component(name, [
                *AIRFLOW, "celery", "worker", "--celery-hostname", f"{name}@%h",
                "--concurrency", str(self.concurrency), "--queues", "default", "--skip-serve-logs",
                "--without-gossip", "--without-mingle"], env={
                "AIRFLOW_CONN_AIRFLOW_API": self.api_connection(),
                **self.worker_env,
                "HISBRIDGE_WORKER_NAME": name,
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.celery.worker_name.worker_name",
            }))
        _wait_until("the API server answers", self._api_healthy, 240, self.diagnostics)
        t = self._phase("API server up", t)
        self.pools = self.create_pools()
        for name in self.worker_names:
            _wait_until(f"{name} is ready", lambda n=name: self._worker_ready(n), 240, self.diagnostics)
        self._phase("workers ready", t)
        return self

    def _spawn(self, component: Component) -> None:
        component.log = self.home / "component-logs" / f"{component.name}.log"
        out = component.log.open("wb")
        try:
            component.process = subprocess.Popen(
                component.argv, env={**self.base_env(), **component.env}, cwd=self.home, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            out.close()
        self.components.append(component)

    def _api_healthy(self) -> bool:
        self._check_alive()
        try:
            return httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def _worker_ready(self, name: str) -> bool:
        self._check_alive()
        component = next(c for c in self.components if c.name == name)
        return component.log is not None and b" ready." in component.log.read_bytes()

    def _check_alive(self) -> None:
        for component in self.components:
            if component.process is not None and component.process.poll() is not None:
                raise RuntimeError(f"{component.name} exited with {component.process.returncode}:\n"
                                   f"{component.tail(60)}")

    def diagnostics(self) -> str:
        return "\n".join(f"--- {c.name} (last lines of {c.log}) ---\n{c.tail(25)}" for c in self.components)

    def stop(self, grace_s: float = 20) -> list[int]:
        """End every component: SIGTERM to each process group (a Celery worker's warm shutdown lets a running
        task finish), SIGKILL for whatever is still there after ``grace_s``, then any process still carrying the
        marker. Returns the pids that had to be killed that last way (there should be none)."""
        running = [c.process for c in self.components if c.process is not None]
        for process in running:
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
            _signal_group(process, signal.SIGKILL)  # the group's stragglers
        stragglers = marked_pids(self.marker)
        for pid in stragglers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.redis_db is not None:
            release_redis_db(self.redis_db, self.marker)
        return stragglers

    def __enter__(self) -> CeleryStack:
        try:
            return self.start()
        except BaseException:
            self.stop(grace_s=5)
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the REST API, as an operator's script uses it ---------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        if self._token is None:
            answer = httpx.post(f"{self.api_url}/auth/token", json={"username": "admin", "password": self.password},
                                timeout=30)
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = httpx.request(method, f"{self.api_url}/api/v2{path}", headers=self._headers(), timeout=60, **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:2000]}")
        return answer.json() if answer.content else None

    def wait_for_dags(self, dag_ids: Iterable[str], timeout_s: float = 180) -> None:
        """Until the dag-processor has parsed and serialized every DAG (the API knows it)."""
        def known(dag_id: str) -> bool:
            self._check_alive()
            answer = httpx.get(f"{self.api_url}/api/v2/dags/{dag_id}", headers=self._headers(), timeout=30)
            return answer.status_code == 200

        t = time.monotonic()
        for dag_id in dag_ids:
            _wait_until(f"DAG {dag_id} parsed", lambda d=dag_id: known(d), timeout_s, self.diagnostics, 1)
        self._phase("DAGs parsed", t)


def main() -> None:  # pragma: no cover - a manual look around
    """Start an empty stack (no DAG, no connection, no plugin: the hisbridge plugin's apps need the platform
    connections) and keep it until Ctrl-C."""
    import tempfile

    from tests.conftest import _create_database, _drop_database

    url = _create_database()
    home = Path(tempfile.mkdtemp(prefix="hisbridge-celery-"))
    try:
        (home / "no-plugins").mkdir()
        with CeleryStack(home=home, dag_files=[], metadata_db=url.rsplit("/", 1)[1], worker_env={},
                         extra_env={"AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "no-plugins")}) as stack:
            print(f"API server {stack.api_url} (admin / {stack.password}); Redis db {stack.redis_db}; logs {home}")
            try:
                while True:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
    finally:
        _drop_database(url)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    main()
