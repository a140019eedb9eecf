# Outpost: `make demo` to try it, `make test` to check it. Both set up .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
DEMO_DIR ?= demo-data
# Two workers, one test file each at a time: files share module-scoped servers, and the machine has two cores.
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=25
SERVER_PORT ?= 8000
APP_PORT ?= 8550

.PHONY: venv test lint demo bench screenshots soak-tests reliability-docs clean catalogs catalogs-extract catalogs-update catalogs-compile

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

# Types: mypy, strict on app/domain, protocol, sync, app/store, app/usecases and app/bootstrap.py ([tool.mypy]);
# about 8 s of CPU from a clean checkout.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

demo: venv
	$(BIN)/python -m app.demo_launcher --data-dir $(DEMO_DIR) --server-port $(SERVER_PORT) --app-port $(APP_PORT)

# FULL=1 also syncs over emulated field links (2G, 3G, a link cut every minute) and writes docs/field-conditions.md.
bench: venv
	$(BIN)/python -m bench $(if $(FULL),--full,--quick)
	$(if $(FULL),$(BIN)/python -m bench.field_conditions,)

# The browser tests, writing their pictures to docs/screenshots instead of build/screenshots: run it on purpose
# when a screen changed, and commit the pictures.
screenshots: venv
	OUTPOST_SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest $(PYTEST_ARGS) -m browser tests/e2e/browser

# docs/reliability.md's tables from the figures the last test run wrote to build/reliability-figures.json.
reliability-docs: venv
	$(BIN)/python tests/reliability_figures.py

# The whole suite from N fresh clones of HEAD in a row (default 5), as CI runs it; lists the tests that failed.
soak-tests:
	$(PYTHON) .ci/soak $(or $(N),5)

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .ruff_cache .mypy_cache

# The app's catalogs (domain "outpost", docs/translation.md) and the console's (domain "console", its own: the server
# installs apart from the app): `make catalogs` extracts every message into the templates and merges them into the
# catalogs, where a translator fills in what is new (fuzzy matching is off, so nothing half-right slips in). The unit tests fail while a catalog lags the code or a French entry is missing or
# fuzzy. `catalogs-compile` compiles each catalog as the app does at start, with Babel's checks, into build/locale.
APP_LOCALE := app/locale
CONSOLE_LOCALE := server/console/locale
APP_CATALOG_LOCALES := en fr_CA
PYBABEL_WIDTH := --width 120
catalogs: catalogs-extract catalogs-update

catalogs-extract: venv
	$(BIN)/pybabel --quiet extract -F $(APP_LOCALE)/babel.cfg -k tr -k N_ -k ngettext:1,2 -k pgettext:1c,2 \
		--add-comments Translators: --no-location --omit-header --sort-output $(PYBABEL_WIDTH) \
		-o $(APP_LOCALE)/outpost.pot .
	$(BIN)/pybabel --quiet extract -F server/console/babel.cfg -k N_ --no-location --omit-header --sort-output \
		$(PYBABEL_WIDTH) -o $(CONSOLE_LOCALE)/console.pot .

catalogs-update: venv
	for locale in $(APP_CATALOG_LOCALES); do \
		$(BIN)/pybabel --quiet update -D outpost -i $(APP_LOCALE)/outpost.pot -d $(APP_LOCALE) -l $$locale \
			--no-fuzzy-matching --ignore-obsolete $(PYBABEL_WIDTH) || exit 1; \
	done
	$(BIN)/pybabel --quiet update -D console -i $(CONSOLE_LOCALE)/console.pot -d $(CONSOLE_LOCALE) -l fr_CA \
		--no-fuzzy-matching --ignore-obsolete $(PYBABEL_WIDTH)

catalogs-compile: venv
	for locale in $(APP_CATALOG_LOCALES); do \
		mkdir -p build/locale/$$locale/LC_MESSAGES && \
		$(BIN)/pybabel compile -D outpost -l $$locale -i $(APP_LOCALE)/$$locale/LC_MESSAGES/outpost.po \
			-o build/locale/$$locale/LC_MESSAGES/outpost.mo --statistics || exit 1; \
	done
	mkdir -p build/console-locale/fr_CA/LC_MESSAGES
	$(BIN)/pybabel compile -D console -l fr_CA -i $(CONSOLE_LOCALE)/fr_CA/LC_MESSAGES/console.po \
		-o build/console-locale/fr_CA/LC_MESSAGES/console.mo --statistics
