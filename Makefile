# protonats — every target sets up what it needs, from nothing but python3 (3.11+).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install generate dist lint-proto lint typecheck check test demo bench breaking clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

lint: install
	$(BIN)/ruff check src codegen tests bench
	$(BIN)/ruff format --check src codegen tests bench

typecheck: install
	$(BIN)/mypy src codegen tests

check: lint typecheck

test: install check
	$(BIN)/pytest -q

demo: install
	$(PY) -m protonats._demo

bench: install
	$(PY) bench/emit.py

clean:
	rm -rf $(VENV) gen dist build .mypy_cache .ruff_cache .pytest_cache
