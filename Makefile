# The two commands: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
export FLASK_APP := reviewapp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run db demo test test-sqlite test-postgres lint format serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

db: install
	mkdir -p instance
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/articles/necrotic-metastatic-tumor"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

serve: db
	$(BIN)/gunicorn --workers $${GUNICORN_WORKERS:-2} --bind $(HOST):$(PORT) wsgi:app

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite runs on SQLite; when TEST_DATABASE_URL names PostgreSQL it runs there too.
test: lint test-sqlite test-postgres

test-sqlite: install
	POSTGRES_URL="$${TEST_DATABASE_URL:-$$POSTGRES_URL}" TEST_DATABASE_URL= $(BIN)/pytest

test-postgres: install
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the suite again on $$TEST_DATABASE_URL"; \
		$(BIN)/pytest; \
	else \
		echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
