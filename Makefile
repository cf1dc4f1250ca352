# Two commands matter: `make run` (demo on the embedded defaults) and `make test` (everything).
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
BIN := $(VENV)/bin
EWC_FILE ?= ../shared/data/ewc-codes.json
POSTCODE_FILE ?= ../shared/data/geonames_postnummer_norra_mellansverige.tsv
BOUNDARY_FILES ?= ../shared/data/norra_mellansverige_kommuner.geojson ../shared/data/norra_mellansverige_lan.geojson
TRANSLATIONS := marketplace/translations
export FLASK_APP := marketplace

.PHONY: run test install install-dev translations messages lint migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS) 2>&1 | tail -n 1

## Re-extract messages and merge them into the catalogues (then translate the new entries).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o $(TRANSLATIONS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

migrate: $(VENV)/.installed
	$(BIN)/alembic upgrade head

demo: migrate translations
	$(BIN)/flask taxonomy seed
	@if [ -f "$(EWC_FILE)" ]; then $(BIN)/flask taxonomy import-ewc "$(EWC_FILE)"; \
	  else echo "No $(EWC_FILE): only the curated waste codes are loaded."; fi
	@if [ -f "$(POSTCODE_FILE)" ]; then $(BIN)/flask geo import-postcodes "$(POSTCODE_FILE)"; fi
	@for f in $(BOUNDARY_FILES); do if [ -f "$$f" ]; then $(BIN)/flask geo import-boundaries "$$f"; \
	  else echo "No $$f: maps draw no municipality outlines."; fi; done
	$(BIN)/flask impact load-defaults
	$(BIN)/flask demo load

run: demo
	@echo "Demo on http://127.0.0.1:$(PORT) — logins in README.md (password demo-password-2026)"
	BASE_URL=$${BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(VENV)/.installed-dev translations lint
	$(BIN)/pytest --durations=25 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
