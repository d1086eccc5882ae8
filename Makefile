# Set-up and everyday commands. Each target creates .venv on first use and
# installs what it needs, so `make demo` and `make test` work on a machine
# with nothing but Python 3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# `make test` runs every integration for real, so it installs their extras.
TEST_EXTRAS := test,plot,river,dask,onnx,skops,progress
DOCS_EXTRAS := docs,plot,river,dask,onnx,skops

.PHONY: demo test test-oldest lint bench bench-quick docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One stamp per set of extras; reinstalled when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[$*]"
	touch $@

demo: $(VENV)/.installed-examples
	$(BIN)/python examples/demo.py

# SCIPY_ARRAY_API=1 lets scikit-learn's array API checks run (conftest.py
# sets it too, for a plain `pytest`).
test: $(VENV)/.installed-$(TEST_EXTRAS)
	SCIPY_ARRAY_API=1 $(BIN)/python -m pytest

# The oldest supported NumPy/SciPy/scikit-learn (requirements/oldest.txt), in a
# venv of its own; the package goes in with --no-deps so pip cannot upgrade a pin.
OLDEST_VENV := .venv-oldest

$(OLDEST_VENV)/.installed: requirements/oldest.txt pyproject.toml
	rm -rf $(OLDEST_VENV)
	$(PYTHON) -m venv $(OLDEST_VENV)
	echo '*' > $(OLDEST_VENV)/.gitignore  # as venv does from Python 3.13: git and ruff skip it
	$(OLDEST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/oldest.txt
	$(OLDEST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

test-oldest: $(OLDEST_VENV)/.installed
	$(OLDEST_VENV)/bin/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks (benchmarks/README.md); the [bench] extra adds PyTorch 2.13.0
# (CPU) as a peer. Figures are medians of interleaved repeats: run on an
# otherwise idle machine.
bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py

bench-quick: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py --quick

# The documentation site (docs/), built offline into docs/_build/html; every
# warning is an error and every gallery example (examples/plot_*.py) is run.
docs: $(VENV)/.installed-$(DOCS_EXTRAS)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) $(OLDEST_VENV) build *.egg-info .pytest_cache
	rm -rf docs/_build docs/generated docs/auto_examples
