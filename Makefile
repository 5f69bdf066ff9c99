# hisbridge — the two commands a newcomer needs:
#   make demo   run every feed of every platform for the demo day on the embedded default (SQLite HIS + simulators),
#               then the gateway settlement, the nightly jobs, the 互认 reminders and the 城市大脑 calls
#   make test   lint (ruff, incl. Airflow AIR3 rules) and the whole test suite
# Both create .venv and install requirements.txt on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
export PYTHONPATH := $(CURDIR)/plugins:$(CURDIR)
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export GX_ANALYTICS_ENABLED := false

.PHONY: venv demo test lint pg redis browser airflow bench clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python -q -r requirements.txt || $(BIN)/python -m pip install -q -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

# plugins/ (the hisbridge package) and the repo root (simulators) on the venv's path, so that
# `.venv/bin/python -m hisbridge …` works from anywhere, as PYTHONPATH does for Airflow in production.
venv: $(STAMP)
	@printf '%s\n%s\n' "$(CURDIR)/plugins" "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/hisbridge-paths.pth"

demo: venv
	$(BIN)/python -m hisbridge demo $(ARGS)

lint: venv
	$(BIN)/ruff check .

test: venv lint pg redis browser
	AIRFLOW_HOME=$(CURDIR)/var/test-airflow $(BIN)/python -m pytest -n 2 --dist loadfile $(ARGS)

# PostgreSQL for the tests: start the local cluster if it is not answering (a no-op where it already runs).
pg:
	@scripts/ensure_postgres.sh

# Redis for the Celery scale-out test (the CeleryExecutor's broker): started when installed but stopped.
redis:
	@scripts/ensure_redis.sh

# Debian's Chromium for the page tests (Playwright drives it): installed with apt when missing.
browser:
	@scripts/ensure_chromium.sh

# The Airflow UI on the demo data: run `make demo` first. Starts the 医保 simulator and `airflow standalone`.
airflow: venv
	scripts/airflow_demo.sh

bench: venv
	$(BIN)/python bench/bench_sale_feed.py $(ARGS)

clean:
	rm -rf var .pytest_cache
