# The two commands a new machine needs: `make run` and `make test`.
# Each one sets up what it needs: the virtualenv, Kafka from Maven Central, PostgreSQL.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WEB := api/web
TEST_WORKERS ?= 2

.PHONY: setup run test lint stop bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(WEB)/static/vendor/echarts.min.js: $(WEB)/package-lock.json
	npm --prefix $(WEB) ci --no-audit --no-fund
	npm --prefix $(WEB) run --silent vendor

setup: $(BIN)/.installed $(WEB)/static/vendor/echarts.min.js  ## virtualenv, Python and web dependencies

run: setup  ## the whole platform with demo data (Ctrl-C stops it)
	$(BIN)/casetrail up

lint: setup  ## ruff (checks and formatting) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint  ## lint, start the local stack, run every test on the real servers and in Chromium (TEST_WORKERS at once, then those that stop the servers alone)
	infra/ensure_browser.sh
	$(BIN)/casetrail stack up
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial"
	$(BIN)/python -m pytest -m serial

bench: setup  ## every benchmark stage on the real servers, beside its baseline: figures printed, report in test-artifacts/bench/run
	$(BIN)/casetrail stack up
	$(BIN)/casetrail bench

stop:  ## stop the local Kafka and PostgreSQL
	$(BIN)/casetrail stack down

clean: stop  ## remove the virtualenv and all local state
	rm -rf $(VENV) .casetrail $(WEB)/node_modules $(WEB)/static/vendor
