# `make run` sets up everything and serves the app; `make test` sets up and runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
USWDS := static/vendor/uswds
AXE := static/vendor/axe
HOST ?= 127.0.0.1
PORT ?= 5000
# Before a server starts: the port must be free (binding it as the server will), else say how to choose another.
PORT_FREE = $(PYTHON) -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], int(sys.argv[2])))' $(HOST) $(PORT) 2>/dev/null \
	|| { echo "Port $(PORT) is in use on $(HOST): run 'make $@ PORT=$$(($(PORT) + 1))' (or HOST=... PORT=... for another address)"; exit 1; }
# Before a server starts: index the content. Content errors (listed, exit status 1) do not stop the
# server: the files are indexed with safe defaults and editors see the list on the site.
INDEX_FOR_SERVER = $(BIN)/flask --app app kb index || [ $$? -eq 1 ]

.PHONY: setup assets run test test-browser test-load test-cluster lint index db check serve watch bench bench-quick clean

setup: $(VENV)/.installed assets

assets: $(USWDS)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { echo "The venv module is missing: apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(USWDS)/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the USWDS assets: apt-get install npm"; exit 1; }
	npm ci --no-audit --no-fund --silent
	rm -rf $(USWDS) && mkdir -p $(USWDS)
	cp -r node_modules/@uswds/uswds/dist/css node_modules/@uswds/uswds/dist/js \
	      node_modules/@uswds/uswds/dist/fonts node_modules/@uswds/uswds/dist/img $(USWDS)/
	rm -rf $(AXE) && mkdir -p $(AXE) && cp node_modules/axe-core/axe.min.js $(AXE)/  # for tests only; no page links it
	# the offline bundle's search (kb/export/search_index.py): MiniSearch and the Snowball stemmers
	rm -rf static/vendor/minisearch static/vendor/snowball-stemmers && mkdir -p static/vendor/minisearch static/vendor/snowball-stemmers
	cp node_modules/minisearch/dist/umd/index.js static/vendor/minisearch/minisearch.js
	cp node_modules/snowball-stemmers/snowball-stemmers.js static/vendor/snowball-stemmers/
	touch $@

index: setup
	$(BIN)/flask --app app kb index

db: setup
	$(BIN)/flask --app app kb db upgrade

check: setup
	$(BIN)/flask --app app kb check

run: setup db
	@$(PORT_FREE)
	$(INDEX_FOR_SERVER)
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

serve: setup db
	@$(PORT_FREE)
	$(INDEX_FOR_SERVER)
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) app:app

# Beside `make serve`, in a second terminal: index each content change at once (see README, Deploying).
watch: setup
	$(BIN)/flask --app app kb watch

test: setup lint
	$(BIN)/python -m pytest

# The real-browser journeys and accessibility checks alone (also part of `make test`).
test-browser: setup
	$(BIN)/python -m pytest tests/browser

# Faults and load: gunicorn under load while the index is updated, rebuilt, deleted, corrupted, killed, full.
test-load: setup
	$(BIN)/python -m pytest -m load tests/load

# Two app servers, one PostgreSQL and nginx in front (Debian's nginx and postgresql packages): see README, Deploying.
test-cluster: setup
	$(BIN)/python -m pytest -m cluster tests/cluster

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/run.py

bench-quick: setup
	$(BIN)/python bench/run.py --quick

clean:
	rm -rf $(VENV) node_modules $(USWDS) $(AXE) instance test-artifacts
