#!/usr/bin/env bash
# The Airflow UI on the demo data (`make airflow`, after `make demo`): `airflow standalone` with the hisbridge
# DAGs and plugin, the demo HIS and ledger (SQLite files in var/demo/) as connections his_db / hisbridge_db,
# the 医保 simulator on 127.0.0.1:8097 as hsa_platform, the 互认 simulator on :8883 and the 城市大脑 simulator on
# :8885 (it receives the pushes; its caller calls the hospital API at /city-brain).
#
#   scripts/airflow_demo.sh                        # start it all; Ctrl-C (or SIGTERM) stops everything it started
#   scripts/airflow_demo.sh airflow dags list      # any command, in the same environment, next to a running one
#   HISBRIDGE_DRY_RUN=1 scripts/airflow_demo.sh    # print the environment and commands (secrets masked); change nothing
#   HISBRIDGE_DEMO_DIR=/tmp/d scripts/airflow_demo.sh   # on the data of `python -m hisbridge demo --dir /tmp/d`
#
# Everything lives under var/airflow (AIRFLOW_HOME): metadata database, logs, the generated admin password.
# Connections are AIRFLOW_CONN_* environment variables, so none is stored in the metadata database. The secret
# is the local simulator's DEMO value (as in airflow_settings.yaml): never a real one.
#
# Stopping: `airflow standalone` ends on Ctrl-C but not on SIGTERM, which kills it and leaves its scheduler,
# API server, DAG processor, triggerer and their task processes running (task processes even move to process
# groups of their own). So standalone runs in a session of its own (setsid), and on Ctrl-C, SIGTERM, or its own
# exit this script sends SIGTERM to every process of that session and to the simulators, waits for them
# (HISBRIDGE_STOP_TIMEOUT seconds, default 30), kills what is left, and checks that nothing survived (exit 1
# naming the survivors otherwise). Each simulator keeps its data in $DEMO_DIR/<name>_simulator_state.json (hsa,
# mutual, city_brain: --state), so a restart finds the uploads, sign-ins, reports and pushes it had; make demo,
# which rebuilds the ledger, writes them afresh from its own run. The 互认 simulator is seeded with other
# hospitals' reports only while it holds none (seeded again on another day they would be new reports).
#
# Other environment (tests): HISBRIDGE_AIRFLOW (the airflow executable), HISBRIDGE_AIRFLOW_HOME,
# HISBRIDGE_HSA_PORT / HISBRIDGE_MUTUAL_PORT / HISBRIDGE_CITY_BRAIN_PORT (default 8097 / 8883 / 8885).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
PY="$ROOT/.venv/bin/python"
AIRFLOW="${HISBRIDGE_AIRFLOW:-$ROOT/.venv/bin/airflow}"
DEMO_DIR="$(cd "${HISBRIDGE_DEMO_DIR:-$ROOT/var/demo}" 2>/dev/null && pwd || echo "${HISBRIDGE_DEMO_DIR:-$ROOT/var/demo}")"
HIS_DB="$DEMO_DIR/his.db"
LEDGER_DB="$DEMO_DIR/ledger.db"
HSA_STATE="$DEMO_DIR/hsa_simulator_state.json"
MUTUAL_STATE="$DEMO_DIR/mutual_simulator_state.json"
CITY_BRAIN_STATE="$DEMO_DIR/city_brain_simulator_state.json"
HSA_PORT="${HISBRIDGE_HSA_PORT:-8097}"
STOP_TIMEOUT="${HISBRIDGE_STOP_TIMEOUT:-30}"
HSA_PAASID=hisbridge-demo
HSA_SECRET=demo-only-hsa-secret-not-for-production  # the local simulator's; see airflow_settings.yaml
DRY_RUN="${HISBRIDGE_DRY_RUN:-0}"

die() { echo "airflow_demo: $*" >&2; exit 1; }

[[ -x "$AIRFLOW" ]] || die "$AIRFLOW not found: run make venv first"
[[ -f "$HIS_DB" ]] || die "${HIS_DB#"$ROOT"/} is missing: run make demo first (it builds the demo HIS and ledger)"

export AIRFLOW_HOME="${HISBRIDGE_AIRFLOW_HOME:-$ROOT/var/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$ROOT/plugins"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=True
# Times: Airflow's default zone (naive datetimes, CLI dates without an offset). The UI shows the browser's zone
# (Airflow 3.3 has no server default): pick Asia/Shanghai in its user menu → 时区 where the machine runs on UTC.
export AIRFLOW__CORE__DEFAULT_TIMEZONE=Asia/Shanghai
# The health page reads the demo's ledger as of the end of the demo day (demo/clock.py writes the instant), not
# the real clock: the ledger holds that day's runs, stamped when the scheduler would have made them.
# (empty: the real clock; a value set by the caller wins)
HISBRIDGE_HEALTH_AS_OF="${HISBRIDGE_HEALTH_AS_OF:-}"
if [[ -z "$HISBRIDGE_HEALTH_AS_OF" && -f "$DEMO_DIR/demo_clock.json" ]]; then
  HISBRIDGE_HEALTH_AS_OF="$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$DEMO_DIR/demo_clock.json")"
fi
export HISBRIDGE_HEALTH_AS_OF
export HISBRIDGE_GO_LIVE=2026-11-24
export PYTHONPATH="$ROOT/plugins:$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"  # standalone starts its components as `airflow …` from the PATH
export GX_ANALYTICS_ENABLED=false
export TQDM_DISABLE=1

# Connection JSON built by Python (paths and text quoted properly); hsa_platform's extras are those of
# airflow_settings.yaml, so the demo and the settings file cannot drift apart.
sqlite_conn() {
  "$PY" -c 'import json, sys; print(json.dumps({"conn_type": "sqlite", "host": sys.argv[1]}))' "$1"
}
AIRFLOW_CONN_HIS_DB="$(sqlite_conn "$HIS_DB")"
AIRFLOW_CONN_HISBRIDGE_DB="$(sqlite_conn "$LEDGER_DB")"
AIRFLOW_CONN_HSA_PLATFORM="$(HSA_PORT="$HSA_PORT" HSA_SECRET="$HSA_SECRET" "$PY" - <<'PYEOF'
import json
import os

import yaml

with open("airflow_settings.yaml", encoding="utf-8") as f:
    settings = yaml.safe_load(f)
conn = next(c for c in settings["airflow"]["connections"] if c["conn_id"] == "hsa_platform")
extra = {**(conn.get("conn_extra") or {}), "ip": "127.0.0.1"}
print(json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": int(os.environ["HSA_PORT"]), "schema": "http",
                  "password": os.environ["HSA_SECRET"], "extra": extra}, ensure_ascii=False))
PYEOF
)"
# the 互认 platform (simulator below) and the workstation service's settings, exactly as airflow_settings.yaml has them
MUTUAL_PORT="${HISBRIDGE_MUTUAL_PORT:-8883}"
CITY_BRAIN_PORT="${HISBRIDGE_CITY_BRAIN_PORT:-8885}"
settings_conn() {  # conn_id [port: the local simulator's, when not the settings file's default]
  "$PY" - "$@" <<'PYEOF'
import json
import sys

import yaml

with open("airflow_settings.yaml", encoding="utf-8") as f:
    conn = next(c for c in yaml.safe_load(f)["airflow"]["connections"] if c["conn_id"] == sys.argv[1])
keys = {"conn_type": "conn_type", "host": "conn_host", "port": "conn_port", "schema": "conn_schema",
        "login": "conn_login", "password": "conn_password", "extra": "conn_extra"}
out = {k: conn[v] for k, v in keys.items() if conn.get(v) is not None}
if len(sys.argv) > 2:
    out["port"] = int(sys.argv[2])
print(json.dumps(out, ensure_ascii=False))
PYEOF
}
AIRFLOW_CONN_MUTUAL_RECOGNITION="$(settings_conn mutual_recognition "$MUTUAL_PORT")"
AIRFLOW_CONN_MUTUAL_WORKSTATION="$(settings_conn mutual_workstation)"
AIRFLOW_CONN_CITY_BRAIN="$(settings_conn city_brain "$CITY_BRAIN_PORT")"
AIRFLOW_CONN_CITY_BRAIN_API="$(settings_conn city_brain_api)"
CITY_BRAIN_CALLER_SECRET=demo-only-city-brain-caller-secret  # city_brain_api's demo caller (airflow_settings.yaml)
export AIRFLOW_CONN_HIS_DB AIRFLOW_CONN_HISBRIDGE_DB AIRFLOW_CONN_HSA_PLATFORM AIRFLOW_CONN_MUTUAL_RECOGNITION \
  AIRFLOW_CONN_MUTUAL_WORKSTATION AIRFLOW_CONN_CITY_BRAIN AIRFLOW_CONN_CITY_BRAIN_API

# name, slots, description (as in airflow_settings.yaml)
POOLS=("hsa_platform 4 医保平台并发上限" "his_read 4 HIS 读库负载" "mutual_recognition 4 省检查检验互认平台并发上限"
       "city_brain 4 城市大脑平台并发上限")
SIM_CMD=("$PY" -m simulators.hsa --port "$HSA_PORT" --auth tif --paasid "$HSA_PAASID" --state "$HSA_STATE")
LOG_DIR="$AIRFLOW_HOME/logs"
SIM_LOG="$LOG_DIR/hsa_simulator.log"
MUTUAL_CMD=("$PY" -m simulators.mutual --port "$MUTUAL_PORT" --state "$MUTUAL_STATE")
MUTUAL_LOG="$LOG_DIR/mutual_simulator.log"
# accepts the demo hospital's pushes
CITY_BRAIN_CMD=("$PY" -m simulators.city_brain --port "$CITY_BRAIN_PORT" --state "$CITY_BRAIN_STATE")
CITY_BRAIN_LOG="$LOG_DIR/city_brain_simulator.log"

if [[ "$DRY_RUN" == 1 ]]; then
  echo "HISBRIDGE_DRY_RUN=1: nothing is started or changed. The environment Airflow would get:"
  for name in AIRFLOW_HOME AIRFLOW__CORE__DAGS_FOLDER AIRFLOW__CORE__PLUGINS_FOLDER AIRFLOW__CORE__LOAD_EXAMPLES \
              AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION AIRFLOW__CORE__DEFAULT_TIMEZONE HISBRIDGE_GO_LIVE \
              HISBRIDGE_HEALTH_AS_OF \
              PYTHONPATH AIRFLOW_CONN_HIS_DB AIRFLOW_CONN_HISBRIDGE_DB AIRFLOW_CONN_HSA_PLATFORM \
              AIRFLOW_CONN_MUTUAL_RECOGNITION AIRFLOW_CONN_MUTUAL_WORKSTATION AIRFLOW_CONN_CITY_BRAIN \
              AIRFLOW_CONN_CITY_BRAIN_API; do
    value="${!name}"
    value="${value//"$HSA_SECRET"/***}"
    value="${value//"$CITY_BRAIN_CALLER_SECRET"/***}"
    value="${value//city-brain-demo-secret/***}"
    echo "  $name=${value//demo-only-mutual-page-secret-not-for-production/***}"
  done
  echo "and the commands:"
  if (($#)); then
    echo "  exec $*"
    exit 0
  fi
  echo "  $AIRFLOW db migrate"
  for pool in "${POOLS[@]}"; do
    read -r name slots description <<<"$pool"
    echo "  $AIRFLOW pools set $name $slots \"$description\""
  done
  echo "  HSA_SIM_SECRET=*** ${SIM_CMD[*]} > ${SIM_LOG#"$ROOT"/} &"
  echo "  ${MUTUAL_CMD[*]} > ${MUTUAL_LOG#"$ROOT"/} &"
  echo "  $PY -m demo.mutual_demo seed --url http://127.0.0.1:$MUTUAL_PORT --his $HIS_DB   # while it holds no reports"
  echo "  ${CITY_BRAIN_CMD[*]} > ${CITY_BRAIN_LOG#"$ROOT"/} &"
  echo "  setsid $AIRFLOW standalone &   # its own session: stopped as a whole, with the simulators, on exit"
  exit 0
fi

if (($#)); then  # a command in the demo's environment, e.g. `airflow backfill create …` next to standalone
  exec "$@"
fi

# ---------------------------------------------------------------------------------------------- stopping
SIM_PIDS=()
AF_PID=""
AF_SID=""
STOPPING=0

live_pids() {  # what still runs of standalone's session and of the simulators (zombies are gone, not running)
  ps -e -o pid=,sid=,stat= | awk -v sid="${AF_SID:--1}" -v sims=" ${SIM_PIDS[*]} " \
    '$3 !~ /^Z/ && ($2 == sid || index(sims, " " $1 " ")) { print $1 }'
}

describe() {  # pid… → "pid command; …" (for the messages)
  (($#)) && ps -o pid=,args= -p "$(IFS=,; echo "$*")" | cut -c1-100 | tr '\n' ';'
}

stop_all() {  # status: the exit status of this script
  local status="$1" pid
  local -a left
  local -A signalled=()
  trap - EXIT INT TERM
  ((STOPPING)) && exit "$status"
  STOPPING=1
  mapfile -t left < <(live_pids)
  if ((${#left[@]})); then
    echo "airflow_demo: stopping Airflow and the simulators (SIGTERM to ${left[*]}) …" >&2
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while ((${#left[@]})) && ((SECONDS < deadline)); do
      for pid in "${left[@]}"; do  # once each: a second SIGTERM makes some servers skip their clean-up
        [[ -n "${signalled[$pid]:-}" ]] && continue
        signalled[$pid]=1
        kill -TERM "$pid" 2>/dev/null || true
      done
      sleep 0.2
      mapfile -t left < <(live_pids)  # a task process started meanwhile is in the session: it is found too
    done
    if ((${#left[@]})); then
      echo "airflow_demo: still running after ${STOP_TIMEOUT}s, killed: $(describe "${left[@]}")" >&2
      kill -KILL "${left[@]}" 2>/dev/null || true
      sleep 0.5
      mapfile -t left < <(live_pids)
    fi
  fi
  if ((${#left[@]})); then
    echo "airflow_demo: could not stop: $(describe "${left[@]}")" >&2
    exit 1
  fi
  wait 2>/dev/null || true  # reap this script's own children (all ended by now)
  if ((${#SIM_PIDS[@]})) || [[ -n "$AF_PID" ]]; then
    echo "airflow_demo: stopped; no Airflow or simulator process is left" >&2
  fi
  exit "$status"
}
trap 'stop_all $?' EXIT
trap 'stop_all 130' INT
trap 'stop_all 143' TERM

mkdir -p "$LOG_DIR"
echo "Airflow metadata database (${AIRFLOW_HOME#"$ROOT"/}) …"
"$AIRFLOW" db migrate >"$LOG_DIR/db_migrate.log" 2>&1 \
  || { tail -n 20 "$LOG_DIR/db_migrate.log" >&2; die "airflow db migrate failed (log: $LOG_DIR/db_migrate.log)"; }
for pool in "${POOLS[@]}"; do
  read -r name slots description <<<"$pool"
  "$AIRFLOW" pools set "$name" "$slots" "$description" >/dev/null
done

if (exec 3<>"/dev/tcp/127.0.0.1/$HSA_PORT") 2>/dev/null; then
  die "port $HSA_PORT is already in use (a simulator left running?); stop that process first"
fi
echo "医保 simulator on 127.0.0.1:$HSA_PORT (log: ${SIM_LOG#"$ROOT"/}; data kept in ${HSA_STATE#"$ROOT"/}) …"
HSA_SIM_SECRET="$HSA_SECRET" "${SIM_CMD[@]}" >"$SIM_LOG" 2>&1 &
SIM_PID=$!
SIM_PIDS+=("$SIM_PID")
for _ in $(seq 100); do
  kill -0 "$SIM_PID" 2>/dev/null || { tail -n 20 "$SIM_LOG" >&2; die "the simulator did not start"; }
  (exec 3<>"/dev/tcp/127.0.0.1/$HSA_PORT") 2>/dev/null && break
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$HSA_PORT") 2>/dev/null || die "the simulator does not answer on port $HSA_PORT"

if (exec 3<>"/dev/tcp/127.0.0.1/$MUTUAL_PORT") 2>/dev/null; then
  die "port $MUTUAL_PORT is already in use (a simulator left running?); stop that process first"
fi
echo "互认 simulator on 127.0.0.1:$MUTUAL_PORT (log: ${MUTUAL_LOG#"$ROOT"/}; data kept in ${MUTUAL_STATE#"$ROOT"/}) …"
"${MUTUAL_CMD[@]}" >"$MUTUAL_LOG" 2>&1 &
MUTUAL_PID=$!
SIM_PIDS+=("$MUTUAL_PID")
for _ in $(seq 100); do
  kill -0 "$MUTUAL_PID" 2>/dev/null || { tail -n 20 "$MUTUAL_LOG" >&2; die "the 互认 simulator did not start"; }
  (exec 3<>"/dev/tcp/127.0.0.1/$MUTUAL_PORT") 2>/dev/null && break
  sleep 0.1
done
seeded_reports() {  # how many other hospitals' reports the 互认 simulator holds (kept in its state file)
  "$PY" -c 'import json, sys, urllib.request
state = json.load(urllib.request.urlopen(sys.argv[1] + "/admin/state", timeout=10))["data"]
print(sum(state["seeded_reports"].values()))' "http://127.0.0.1:$MUTUAL_PORT"
}
SEEDED="$(seeded_reports)" || die "the 互认 simulator does not answer (log: ${MUTUAL_LOG#"$ROOT"/})"
if [[ "$SEEDED" == 0 ]]; then
  "$PY" -m demo.mutual_demo seed --url "http://127.0.0.1:$MUTUAL_PORT" --his "$HIS_DB" || die "seeding the 互认 simulator failed"
fi

if (exec 3<>"/dev/tcp/127.0.0.1/$CITY_BRAIN_PORT") 2>/dev/null; then
  die "port $CITY_BRAIN_PORT is already in use (a simulator left running?); stop that process first"
fi
echo "城市大脑 simulator on 127.0.0.1:$CITY_BRAIN_PORT (log: ${CITY_BRAIN_LOG#"$ROOT"/}; data kept in ${CITY_BRAIN_STATE#"$ROOT"/}) …"
"${CITY_BRAIN_CMD[@]}" >"$CITY_BRAIN_LOG" 2>&1 &
CITY_BRAIN_PID=$!
SIM_PIDS+=("$CITY_BRAIN_PID")
for _ in $(seq 100); do
  kill -0 "$CITY_BRAIN_PID" 2>/dev/null || { tail -n 20 "$CITY_BRAIN_LOG" >&2; die "the 城市大脑 simulator did not start"; }
  (exec 3<>"/dev/tcp/127.0.0.1/$CITY_BRAIN_PORT") 2>/dev/null && break
  sleep 0.1
done

cat <<EOF

  Airflow UI     http://localhost:8080  user admin, password printed by standalone below and kept in
                 ${AIRFLOW_HOME#"$ROOT"/}/simple_auth_manager_passwords.json.generated (SimpleAuthManager)
  DAGs           start paused, and no run starts (scheduled or backfilled) while a DAG is paused.
                 Two ways to run the demo day (2026-11-24, Asia/Shanghai) of e.g. hsa_trace_sale:
                 1. unpause it (toggle in the UI): it catches up every window from go-live ($HISBRIDGE_GO_LIVE)
                    to now, one window at a time;
                 2. backfill just that day (or in the UI: Trigger → Backfill), then unpause it; the catch-up
                    then continues after the backfilled day. In another terminal:
                      scripts/airflow_demo.sh airflow backfill create --dag-id hsa_trace_sale \\
                        --from-date 2026-11-24T00:00:00+08:00 --to-date 2026-11-25T00:00:00+08:00
                      scripts/airflow_demo.sh airflow dags unpause hsa_trace_sale
                 Records make demo already delivered are skipped: the ledger is the same file.
  Ledger pages   http://localhost:8080/hisbridge/ledger/  (in the UI's navigation: 投递台账)
  互认 page      the link make demo printed (http://localhost:8080/mutual/page?…); 互认 simulator on :$MUTUAL_PORT
  城市大脑 API   http://localhost:8080/city-brain/docs ; the simulator walking a patient's journey through it:
                   scripts/airflow_demo.sh python -m simulators.city_brain walk --url http://localhost:8080 \
                     --app-id citybrain-demo --secret $CITY_BRAIN_CALLER_SECRET --patient-id 0050000001 \
                     --start 2026-11-24 --end 2026-11-24
                 pushes (DAG city_brain_push) go to the 城市大脑 simulator on :$CITY_BRAIN_PORT (GET /admin/visits)
  Ledger CLI     scripts/airflow_demo.sh python -m hisbridge ledger summary
  Logs           ${LOG_DIR#"$ROOT"/}/ (task logs, the simulators')
  Simulators     their data survives a restart: ${DEMO_DIR#"$ROOT"/}/{hsa,mutual,city_brain}_simulator_state.json
                 (make demo writes them afresh)
  Stop           Ctrl-C (or SIGTERM to this script): Airflow, its task processes and the simulators all stop

EOF

# standalone in a session of its own (setsid: its process id is the session id), so that stop_all finds every
# process it started, task processes that moved to process groups of their own included; this script waits.
setsid "$AIRFLOW" standalone </dev/null &
AF_PID=$!
for _ in $(seq 50); do  # setsid has run once the process leads its own session; never stop the caller's session
  [[ "$(ps -o sid= -p "$AF_PID" | tr -d ' ')" == "$AF_PID" ]] && break
  kill -0 "$AF_PID" 2>/dev/null || break
  sleep 0.1
done
if [[ "$(ps -o sid= -p "$AF_PID" | tr -d ' ')" == "$AF_PID" ]]; then
  AF_SID="$AF_PID"
else
  SIM_PIDS+=("$AF_PID")  # it ended already (or setsid failed): stop it by its id at least
fi
status=0
wait "$AF_PID" || status=$?
echo "airflow_demo: airflow standalone ended (status $status)" >&2
exit "$status"
