# Concertation — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app wsgi
TEST_WORKERS ?= 2
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run serve-prod test test-pg lint typecheck check install db demo clean bench bench-load

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed tests/e2e/node_modules/.installed

# axe-core for the browser tests' accessibility checks (skipped with a reason when npm is missing).
tests/e2e/node_modules/.installed: tests/e2e/package.json tests/e2e/package-lock.json
	@if command -v npm >/dev/null; then \
	  (npm ci --prefix tests/e2e --no-audit --no-fund --silent && touch $@) \
	  || echo "npm ci a échoué : les contrôles d'accessibilité des tests navigateur seront ignorés"; \
	else echo "npm introuvable : les contrôles d'accessibilité des tests navigateur seront ignorés"; fi

db: install
	$(FLASK) db upgrade
	$(FLASK) territory load

demo: db
	$(FLASK) demo load
	$(FLASK) contracts demo
	$(FLASK) demo meetings
	$(FLASK) users ensure-organiser

## make run: install, migrate, load the Lozère data and the demo élus, start web + scheduler + mail catcher
run: demo
	$(PY) -m concertation.devserver

## make serve-prod: production mode — migrations, then gunicorn (gunicorn.conf.py) and ONE scheduler process.
## SECRET_KEY and DATABASE_URL come from the environment; Ctrl-C (or the end of either process) stops both.
serve-prod: SHELL := /bin/bash
serve-prod: install
	@missing=""; for name in SECRET_KEY DATABASE_URL; do [ -n "$${!name}" ] || missing="$$missing $$name"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make serve-prod : variable(s) d'environnement manquante(s) :$$missing." >&2; \
	  echo "  Exemple : SECRET_KEY=\"\$$(python3 -c 'import secrets; print(secrets.token_urlsafe())')\" DATABASE_URL=postgresql+psycopg://utilisateur@hôte/base make serve-prod" >&2; \
	  exit 2; \
	fi
	@export CONCERTATION_ENV=production PORT="$${PORT:-8000}" LOG_FORMAT="$${LOG_FORMAT:-json}" PYTHONUNBUFFERED=1; \
	[ -n "$$PUBLIC_URL" ] || echo "make serve-prod : PUBLIC_URL n'est pas défini, les liens des courriels pointeront vers http://127.0.0.1:$$PORT" >&2; \
	$(FLASK) db upgrade || exit 1; \
	$(PY) -m scheduler & scheduler=$$!; \
	$(VENV)/bin/gunicorn --config gunicorn.conf.py wsgi:app & web=$$!; \
	trap 'kill -TERM $$web $$scheduler 2>/dev/null' INT TERM; \
	wait -n $$web $$scheduler; status=$$?; \
	kill -TERM $$web $$scheduler 2>/dev/null; wait $$web $$scheduler; exit $$status

## make test: the whole suite (SQLite; PostgreSQL when TEST_DATABASE_URL is set)
test: install
	$(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS)

test-pg:
	TEST_DATABASE_URL=$(PG_TEST_URL) $(MAKE) test

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: install
	$(PY) -m mypy

check: lint typecheck test

bench: install
	for script in bench/*.py; do case $$script in */_*) ;; *) $(PY) $$script || exit 1;; esac; done

## make bench-load: gunicorn + PostgreSQL under load while a 500-invitation convocation is sent (bench/README.md)
bench-load: install
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
