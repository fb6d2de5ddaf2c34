# Two commands for a fresh machine: `make run` (the demo) and `make test` (the whole suite).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench-rollups

$(PY):
	"$$(scripts/find-python)" -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(STAMP)

# The embedded demo: SQLite in var/, tasks in-process, demo data, http://localhost:8000
run: $(STAMP)
	mkdir -p var
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_instruments
	DEBUG=true $(PY) manage.py seed_demo --if-empty
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

# The whole suite. Uses DATABASE_URL / REDIS_URL when set (CI sets both to the real services).
test: $(STAMP)
	scripts/ensure-chromium
	$(PY) -m pytest

# ruff is the linter and the formatter: `ruff format .` writes what this checks.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
