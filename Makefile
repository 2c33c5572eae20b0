# The two commands: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
NPM_STAMP := node_modules/.installed-$(shell sha256sum package-lock.json | cut -c1-12)
export FLASK_APP := reviewapp
HOST ?= 127.0.0.1
PORT ?= 5000

CATALOGUES := $(patsubst %.po,%.mo,$(wildcard reviewapp/translations/*/LC_MESSAGES/messages.po))

.PHONY: install translations test-tools browser-deps run db demo test test-sqlite test-postgres test-browser lint format serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The reader's chrome in each article language: the compiled catalogues are built, not kept.
%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

install: $(STAMP) $(CATALOGUES)

# Extract the marked strings again and merge them into each language's catalogue, to translate.
translations: install
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o reviewapp/translations/messages.pot reviewapp
	$(BIN)/pybabel update --no-location -i reviewapp/translations/messages.pot -d reviewapp/translations

# axe-core and the Nu HTML checker, at the versions package-lock.json pins. Scripts stay off:
# vnu-jar's would fetch a Java runtime, and the machine's Java is the one used.
$(NPM_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: the accessibility and HTML checks will skip (fail under REQUIRE_BROWSER=1)"; \
	fi

# Debian's Chromium (and Java for the Nu checker), and the Pango and HarfBuzz libraries
# WeasyPrint renders signed records with, when missing: only as root with apt, and a failed
# install never stops the build; those tests then skip, or fail under REQUIRE_BROWSER=1.
browser-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing=" chromium fonts-liberation"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	ldconfig -p | grep -q 'libpangoft2-1.0.so.0 ' || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	ldconfig -p | grep -q 'libharfbuzz-subset.so.0 ' || missing="$$missing libharfbuzz-subset0"; \
	if [ -z "$$missing" ]; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== apt-get install$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; } \
			|| echo "Could not install$$missing: the browser tests will skip or fail"; \
	else \
		echo "Missing$$missing (apt-get install as root): the browser tests will skip or fail"; \
	fi

test-tools: $(NPM_STAMP) browser-deps

db: install
	mkdir -p instance
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/articles/necrotic-metastatic-tumor"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# gunicorn loads wsgi.py: the production configuration unless REVIEWAPP_CONFIG names another,
# and production needs SECRET_KEY, DATABASE_URL and AUDIT_SIGNING_KEY_FILE of its own (README,
# Production).
serve: install
	@if [ "$${REVIEWAPP_CONFIG:-production}" = production ] && { [ -z "$$SECRET_KEY" ] || [ -z "$$DATABASE_URL" ] || [ -z "$$AUDIT_SIGNING_KEY_FILE" ]; }; then \
		echo "make serve runs the production configuration: export SECRET_KEY, DATABASE_URL and AUDIT_SIGNING_KEY_FILE first (README, Production)" >&2; \
		exit 1; \
	fi
	mkdir -p instance
	REVIEWAPP_CONFIG=$${REVIEWAPP_CONFIG:-production} $(BIN)/flask db upgrade
	$(BIN)/gunicorn --workers $${GUNICORN_WORKERS:-2} --bind $(HOST):$(PORT) wsgi:app

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite runs on SQLite; when TEST_DATABASE_URL names PostgreSQL it runs there too.
test: lint test-sqlite test-postgres

# Two workers (pytest-xdist) for the tests that need nothing but a database; the browser
# and multi-server tests start servers of their own and run after, one at a time.
test-sqlite: install test-tools
	POSTGRES_URL="$${TEST_DATABASE_URL:-$$POSTGRES_URL}" TEST_DATABASE_URL= $(BIN)/pytest -n 2 -m "not browser and not servers"
	POSTGRES_URL="$${TEST_DATABASE_URL:-$$POSTGRES_URL}" TEST_DATABASE_URL= $(BIN)/pytest -m "browser or servers"

test-postgres: install
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the suite again on $$TEST_DATABASE_URL (browser tests ran above on their own SQLite file)"; \
		$(BIN)/pytest -n 2 -m "not browser and not servers"; \
	else \
		echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; \
	fi

# The quality gates alone: end-to-end journeys, axe-core and the Nu HTML checker.
test-browser: install test-tools
	$(BIN)/pytest -m browser

clean:
	rm -rf $(VENV) instance reviewapp/translations/*/LC_MESSAGES/*.mo .pytest_cache .ruff_cache node_modules test-artifacts
