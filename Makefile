# Two commands for a fresh clone: `make demo` and `make test`. Only Python 3.11 and make are assumed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-fast lint docs bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: install
	$(BIN)/segmart demo

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not dbt and not prefect"

lint: install
	$(BIN)/ruff check python_models flows tests bench
	cd dbt_project && ../$(BIN)/sqlfluff lint models

docs: install
	$(BIN)/segmart contracts --markdown > docs/source_contracts.md

bench: install
	$(BIN)/python bench/pipeline_bench.py --people 10000 100000 1000000

clean:
	rm -rf lake dbt_project/target dbt_project/logs
	find warehouse -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
