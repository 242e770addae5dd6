# Zaiti: the two commands of the quick start are `make run` and `make test`.
# Both create .venv with the first Python 3.11+ found and install what they need.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; \
	done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test format serve worker migrate demo bench load messages clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Zaiti needs Python 3.11 or newer on PATH." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	DEMO_MODE=1 $(BIN)/python manage.py seed_demo

## make run: install, migrate, load the demo zone (idempotent) and serve on http://127.0.0.1:8000
run: demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: install with the dev extra, lint, and run the whole test suite
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make serve: the production way: static files collected, gunicorn (set DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL)
serve: $(VENV)/.installed
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py migrate --noinput
	@# Without Redis the cache is per process: one worker (with threads), whatever
	@# WEB_CONCURRENCY says, keeps cached figures coherent with every write; with Redis, several.
	$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --access-logfile - --threads 4 \
		--workers $$(if [ -n "$$REDIS_URL" ]; then echo $${WEB_CONCURRENCY:-3}; else echo 1; fi)

## make worker: build queued reports (district PDF, large exports) from Redis (set REDIS_URL; without it reports build inline)
worker: $(VENV)/.installed
	$(BIN)/python manage.py report_worker

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

## make bench: the benchmarks on PostgreSQL at 10x the zone, run as production runs: DEBUG off
## (no query log kept in memory), INFO logging on; then the load run; then one summary table.
## The 10x zone is seeded once into BENCH_DATABASE_URL and kept: status_counts.py (first, keep
## it first) runs seed_demo --scale 10 only when the database has no units (a few minutes).
## Each benchmark prints its table and appends its headline figures to BENCH_SUMMARY (emptied
## first); bench/summary.py prints them as one table with targets, ratios and verdicts.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zaiti_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/9
BENCH_SUMMARY ?= bench/.data/summary.jsonl
BENCH_ENV = BENCH_SUMMARY=$(BENCH_SUMMARY) \
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) DEBUG=0 DEMO_MODE=0 ALLOWED_HOSTS=localhost \
	SECRET_KEY=bench-only-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
bench: $(VENV)/.installed-dev
	mkdir -p $(dir $(BENCH_SUMMARY)) && : > $(BENCH_SUMMARY)
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(BENCH_ENV) $(BIN)/python bench/status_counts.py --scale 10
	$(BENCH_ENV) $(BIN)/python bench/rank_candidates.py --scale 10
	$(BENCH_ENV) $(BIN)/python bench/unit_search.py
	$(BENCH_ENV) $(BIN)/python bench/occupancy.py --scale 10
	$(BENCH_ENV) $(BIN)/python bench/report_speed.py
	$(BENCH_ENV) $(BIN)/python bench/allocate_throughput.py 2>/dev/null
	$(BENCH_ENV) $(BIN)/python bench/import_space.py 2>/dev/null
	BENCH_SUMMARY=$(BENCH_SUMMARY) $(BIN)/python bench/load.py \
		--database-url $(LOAD_DATABASE_URL) --redis-url $(LOAD_REDIS_URL)
	$(BIN)/python bench/summary.py $(BENCH_SUMMARY)

## make load: 50 people for 60 s against gunicorn, PostgreSQL and Redis on 127.0.0.1 (bench/load.py):
## p50/p95 per page; fails on any server error or overlapping allocation. Creates, seeds and drops
## its own database (its name must contain "load") and empties its own Redis database.
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zaiti_load
LOAD_REDIS_URL ?= redis://127.0.0.1:6379/8
load: $(VENV)/.installed-dev
	$(BIN)/python bench/load.py --database-url $(LOAD_DATABASE_URL) --redis-url $(LOAD_REDIS_URL)

## make messages: refresh and compile the Chinese translations (needs GNU gettext)
messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore ".venv/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore ".venv/*"
