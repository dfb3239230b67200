# Zeren: two commands on a fresh machine.
#   make demo   build the environment, load the demo group into SQLite, serve on 127.0.0.1:8000
#   make test   build the environment with test extras, run the whole suite (SQLite, then PostgreSQL)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_WORKERS ?= 2

.PHONY: venv demo test test-sqlite test-postgresql lint typecheck bench browser clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(UV): $(BIN)/python
	$(BIN)/pip install -q uv

# Bytecode is compiled at install time: every process (each CLI command, each test worker)
# then starts without compiling its dependencies, even where PYTHONDONTWRITEBYTECODE is set.
$(VENV)/.synced: requirements.lock pyproject.toml | $(UV)
	$(UV) pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src >/dev/null
	touch $@

venv: $(VENV)/.synced

browser: venv
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . ; } || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

demo: venv
	$(BIN)/zeren demo --reset
	$(BIN)/zeren serve

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: venv browser lint test-sqlite test-postgresql

test-sqlite: venv
	ZEREN_TEST_BACKEND=sqlite $(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-postgresql: venv
	@$(BIN)/python -m zeren.db.probe "$(PG_URL)" || { \
	  if [ -n "$$CI" ]; then echo "FAIL: PostgreSQL at $(PG_URL) is required in CI and cannot be reached" >&2; exit 1; \
	  else echo "################################################################"; \
	       echo "## SKIPPED: PostgreSQL leg (no server at $(PG_URL))"; \
	       echo "################################################################"; exit 0; fi; }
	ZEREN_TEST_BACKEND=postgresql ZEREN_TEST_PG_URL="$(PG_URL)" $(BIN)/pytest -n $(PYTEST_WORKERS) -q -m db

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
