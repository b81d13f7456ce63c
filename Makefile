# Concertation — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app wsgi
TEST_WORKERS ?= 2
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run serve-prod test test-pg lint typecheck check install db demo clean bench

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

db: install
	$(FLASK) db upgrade
	$(FLASK) territory load

demo: db
	$(FLASK) demo load
	$(FLASK) contracts demo
	$(FLASK) users ensure-organiser

## make run: install, migrate, load the Lozère data and the demo élus, start web + scheduler + mail catcher
run: demo
	$(PY) -m concertation.devserver

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

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
