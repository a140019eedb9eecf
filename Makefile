# Outpost: `make demo` to try it, `make test` to check it. Both set up .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
DEMO_DIR ?= demo-data
# Two workers, one test file each at a time: files share module-scoped servers, and the machine has two cores.
PYTEST_ARGS ?= -n 2 --dist loadfile
SERVER_PORT ?= 8000
APP_PORT ?= 8550

.PHONY: venv test lint demo bench soak-tests clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

demo: venv
	$(BIN)/python -m app.demo_launcher --data-dir $(DEMO_DIR) --server-port $(SERVER_PORT) --app-port $(APP_PORT)

bench: venv
	$(BIN)/python -m bench $(if $(FULL),--full,--quick)

# The whole suite from N fresh clones of HEAD in a row (default 5), as CI runs it; lists the tests that failed.
soak-tests:
	$(PYTHON) .ci/soak $(or $(N),5)

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .ruff_cache
