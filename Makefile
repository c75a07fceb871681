# Two commands do all set-up on a fresh clone: `make run` and `make test`.
PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
REGISTRY ?= var/registry
SAMPLE   ?= var/sample
HOST     ?= 127.0.0.1
PORT     ?= 8000

.PHONY: run test test-fast install install-dev test-deps sample train lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp files re-run the install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# A write key for local use only (the README's curl commands use it); set your own anywhere else.
run: export SENTINEL_API_KEYS ?= dev-write-key:write

# Train on the built-in sample data only when the registry has no champion yet (per model family).
run: install
	@if ! $(BIN)/sentinel registry champion --registry $(REGISTRY) >/dev/null 2>&1; then \
		echo "No trained forecast model in $(REGISTRY): generating sample data and training (about a minute)"; \
		$(BIN)/sentinel sample --out $(SAMPLE) && \
		$(BIN)/sentinel train forecast --data $(SAMPLE)/sales.csv --country-holidays US --group-cols region,store_format \
			--regressors promo --future $(SAMPLE)/future.csv --registry $(REGISTRY) || exit 1; \
	fi
	@if ! $(BIN)/sentinel registry champion --model churn --registry $(REGISTRY) >/dev/null 2>&1; then \
		echo "No trained churn model in $(REGISTRY): training on the sample customers (about 15 s)"; \
		{ test -f $(SAMPLE)/customers.csv || $(BIN)/sentinel sample --out $(SAMPLE); } && \
		$(BIN)/sentinel train churn --data $(SAMPLE)/customers.csv --value-col monthly_value \
			--segment-col region --time-budget 3 --registry $(REGISTRY) || exit 1; \
	fi
	$(BIN)/sentinel serve --registry $(REGISTRY) --host $(HOST) --port $(PORT) --print-example

# Alertmanager, promtool, PostgreSQL and Chromium for the real-process tests: installed when missing (as root
# with apt-get), otherwise listed; those tests then skip locally and fail under CI=true.
test-deps:
	@bash scripts/install-test-deps.sh

test: install-dev lint test-deps
	$(BIN)/python -m pytest

# The pre-commit loop: everything but the real-data fits.
test-fast: install-dev test-deps
	$(BIN)/python -m pytest -m "not slow"

lint: install-dev
	$(BIN)/ruff check models service training tests bench
	$(BIN)/ruff format --check models service training tests bench
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python bench/serve.py
	$(BIN)/python bench/churn.py

clean:
	rm -rf var .pytest_cache
