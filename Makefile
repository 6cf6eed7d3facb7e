# Everything runs from a project-local virtual environment in .venv; each target sets up what it
# needs and is quick when nothing changed. DEBUG=1 builds the Cython with its checks on.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.stamp
MODE := $(if $(filter-out 0,$(DEBUG)),debug,release)
BUILD_STAMP := build/.built-$(MODE)
PYX := $(wildcard engine/systems_cy/*.pyx engine/systems_cy/*.pxd engine/systems_cy/*.h game/mechanics/*/*.pyx) engine/grid.py engine/build.py engine/params.py engine/systems_cy/args.py engine/systems_cy/stepgen.py engine/systems_cy/constgen.py game/mechanics/build.py $(wildcard game/mechanics/*/__init__.py) game/mechanics/registry.py game/mechanics/mechanic.py game/mechanics/args.py game/rules/constants.py game/mechanics/observation/features.py
# `make train` trains the default recipe (a curriculum to the arena); LEVEL=path trains one level
RECIPE ?= recipes/arena.toml
LEVEL ?=

.PHONY: setup build train test lint bench clean

setup: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	KINSHIP_GRID_EDITABLE=1 $(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

build: $(BUILD_STAMP)

$(BUILD_STAMP): $(VENV_STAMP) setup.py $(PYX)
	@mkdir -p build
	rm -f build/.built-*
	DEBUG=$(if $(filter debug,$(MODE)),1,0) $(PY) setup.py -q build_ext --inplace --force
	touch $@

train: build
	$(PY) -m learn train $(if $(LEVEL),$(LEVEL),--config $(RECIPE)) $(ARGS)

test: build
	$(PY) -m pytest $(ARGS)

# the code's style as CI checks it: ruff's lint rules and its formatting (pyproject.toml [tool.ruff])
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: build
	$(PY) benchmarks/compare.py $(ARGS)

clean:
	rm -rf build engine/systems_cy/*.c engine/systems_cy/*.so engine/systems_cy/_build.py engine/systems_cy/*_steps.pxi engine/systems_cy/constants.pxd
	rm -f game/mechanics/*/*.c game/mechanics/*/*.so game/mechanics/*/*_steps.pxi game/mechanics/constants.pxd game/mechanics/*/constants.pxd
