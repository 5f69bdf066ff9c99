#!/usr/bin/env bash
# Make sure Redis answers on 127.0.0.1:6379 for the Celery scale-out test (the broker of the CeleryExecutor):
# start it when it is installed but stopped, then wait for it. Without Redis that test skips (fails under CI=true).
set -u
ready() { command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }
ready && exit 0
if ! command -v redis-server >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -q redis-server >/dev/null 2>&1 || true  # these machines run Redis; a fresh one may lack it
fi
if command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null 2>&1 || true
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "Redis is not answering on 127.0.0.1:6379; the Celery scale-out test will skip (or fail under CI=true)" >&2
exit 0
