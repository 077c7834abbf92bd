# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000
DEMO_CONTACTS ?= 2000

.PHONY: install demo test lint format migrations-check browser bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Browser tests drive Debian's Chromium; Playwright's own browser download cannot work offline.
browser:
	@command -v chromium >/dev/null || scripts/install-chromium

# Seeding runs eagerly; then scripts/demo-serve starts the web server with a real Celery worker
# and beat on a broker that needs no server (see README.md, "The demo").
demo: install
	env -u CELERY_BROKER_URL $(PY) manage.py migrate
	env -u CELERY_BROKER_URL $(PY) manage.py seed_demo --contacts $(DEMO_CONTACTS) --if-empty
	PY=$(PY) ADDR=$(ADDR) scripts/demo-serve

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .ruff_cache .hypothesis
