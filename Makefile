# Two commands matter (README): `make run` and `make test`. Everything else
# here is what they need: a virtual environment built from pyproject.toml.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint typecheck check migrate clean bench bench-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Sentinels re-run the install whenever pyproject.toml changes.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime  ## serve on 127.0.0.1:8000 (embedded SQLite unless MY_API_DATABASE_URL says otherwise)
	$(BIN)/my-api serve

migrate: $(VENV)/.runtime
	$(BIN)/my-api migrate

test: $(VENV)/.dev  ## the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.dev
	$(BIN)/mypy

check: lint typecheck test

# Benchmarks are not tests: neither `make test` nor CI runs them (docs/performance.md).
bench:  ## vs bare Starlette+asyncpg, FastAPI+SQLAlchemy and itself without databases (~14 min), then the in-process profile
	$(PYTHON) bench/run.py --servers service,bare,fastapi,nodb
	$(PYTHON) bench/profile_inprocess.py

bench-smoke:  ## proves the benchmark harness still runs end to end (~30 s)
	$(PYTHON) bench/run.py --smoke

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache .hypothesis
