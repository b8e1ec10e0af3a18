# suanli — rebuild the compendium: environment → cleaning → forecasts → figures → reports.
#
# The pipeline's graph is declared once, in analysis/build/steps.py; its rules are generated into
# build/steps.mk. Each step decides by content whether it must run (hashes of its inputs and
# of the outputs it wrote), so make only orders the steps and runs independent ones side by
# side (`make -j2`). No value given by the user ever reaches a shell: variables are handed to
# Python through the environment, as literals, and validated there first. Run `make help`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:
# `make -q` (question mode) and `make -n` (dry run) ask analysis.build.steps what would run. Only
# the cluster of one-letter flags is searched (read before long options are added below).
SHORT_FLAGS := $(filter-out --%,$(firstword -$(MAKEFLAGS)))
QUESTION := $(findstring q,$(SHORT_FLAGS))$(findstring n,$(SHORT_FLAGS))
MAKEFLAGS += --no-builtin-rules

# Every variable given on the command line becomes a literal (never expanded by make, so a
# value such as $(shell …) runs nothing), and is exported to Python through the environment.
# Its names are passed too, so a misspelt or miscased one (method=, HORIZN=) can be refused.
export SUANLI_CLI_VARS := $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $v)),$v))
$(foreach v,$(SUANLI_CLI_VARS),$(eval override $v := $$(value $v))$(eval export $v))

export PYTHONHASHSEED := 0
export JUPYTER_PREFER_ENV_PATH := 1
export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# ----------------------------------------------------------------------------- environment
BASE_PYTHON ?= python3
VENV := .venv
## PYTHON=python  use an already-activated environment (conda, …) instead of .venv
PYTHON ?= $(VENV)/bin/python
# PYTHON, BASE_PYTHON and VENV are run, so each must be a plain path (letters, digits, / . _ - +),
# checked here by make itself before any shell sees it; a value from the environment is taken
# as a literal, like one from the command line.
$(foreach v,PYTHON BASE_PYTHON VENV LAB_ARGS FONT_SRC,$(if $(filter environment,$(origin $v)),$(eval override $v := $$(value $v))$(eval export $v)))
PATH_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 	0 1 2 3 4 5 6 7 8 9 / . _ - +
strip_chars = $(if $(2),$(call strip_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
$(foreach v,VENV BASE_PYTHON PYTHON,$(if $(or $(filter-out 1,$(words $($v))),$(call strip_chars,$($v),$(PATH_CHARS))),\
	$(error error: $v must be a plain path (letters, digits, / . _ - +), e.g. $v=python3.11)))
# VENV is created, installed into and (by distclean) deleted: one folder name inside the repository.
$(if $(or $(findstring /,$(VENV)),$(filter . ..,$(VENV))),\
	$(error error: VENV must be one folder name inside the repository (no '/', not '.' or '..'), e.g. VENV=.venv))
ifeq ($(PYTHON),$(VENV)/bin/python)
ENV := $(VENV)/.stamp
else
ENV :=
endif
# The pins are for Python 3.11: any other version stops here, with one line, before any work.
# (Checked on the Python that will run: .venv's if it exists, else BASE_PYTHON, or PYTHON=….)
ifeq ($(filter-out help clean distclean,$(or $(MAKECMDGOALS),all)),)
else
CHECK_PYTHON := $(if $(ENV),$(if $(wildcard $(VENV)/bin/python),$(VENV)/bin/python,$(BASE_PYTHON)),$(PYTHON))
FOUND_PYTHON := $(shell $(CHECK_PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifneq ($(FOUND_PYTHON),3.11)
$(error suanli needs Python 3.11, but $(CHECK_PYTHON) is $(if $(FOUND_PYTHON),Python $(FOUND_PYTHON),not a working Python)$(if $(ENV),$(if $(wildcard $(VENV)/bin/python),; delete .venv (make distclean) and,;) run e.g. make BASE_PYTHON=python3.11,; activate a 3.11 environment or run make BASE_PYTHON=python3.11 without PYTHON=))
endif
endif

# ----------------------------------------------------------------------------- parameters
# The parameters are declared in analysis/build/params.py (make variable = upper-case name; `make
# help` lists them). They are read by Python from the environment, never pasted into a recipe.
STEPS = $(PYTHON) -m analysis.build.steps
ifneq ($(filter-out clean distclean,$(or $(MAKECMDGOALS),all)),)
include build/steps.mk
endif
# Parameters, RUN and REPLACE count only when given on the command line: a METHOD or SERIES left
# in a shell's environment must not quietly rebuild the committed outputs with it.
$(foreach v,$(PARAM_VARIABLES) RUN REPLACE,$(if $(filter environment,$(origin $v)),$(eval override $v :=)$(eval unexport $v)))
# Check every variable now, at parse time, so a bad one stops make with one line and exit
# status 2 before anything runs. The values reach Python as files written by make itself
# ($(file), no shell involved) in a folder private to this make process.
# (Skipped until the environment exists: make then builds it and build/steps.mk, and restarts.)
ifneq ($(PARAM_VARIABLES)$(filter-out help clean distclean,$(or $(MAKECMDGOALS),all)),$(PARAM_VARIABLES))
ifneq ($(wildcard $(firstword $(PYTHON)))$(shell command -v -- $(PYTHON) 2>/dev/null),)
VARS_DIR := build/vars/$(shell echo $$PPID)
$(shell mkdir -p $(VARS_DIR))
$(foreach v,$(PARAM_VARIABLES) RUN REPLACE,$(file >$(VARS_DIR)/$v,$(value $v)))
$(file >$(VARS_DIR)/.names,$(SUANLI_CLI_VARS))
CHECKED := $(shell $(STEPS) check --vars $(VARS_DIR) $(if $(filter forecast,$(MAKECMDGOALS)),--forecast))
$(if $(CHECKED),$(error $(CHECKED)))
endif
endif

build/steps.mk: analysis/build/steps.py analysis/build/params.py | $(ENV)
	@mkdir -p $(@D)
	@$(PYTHON) -m analysis.build.steps mk > $@.part && mv $@.part $@

## all              build the environment if needed, run every stale step, write every output (default)
ifeq ($(QUESTION),)
all: step-index
	@echo "suanli: everything is up to date."
else
all: | $(ENV)
	+@$(STEPS) plan $(if $(findstring q,$(QUESTION)),-q)
endif

# ----------------------------------------------------------------------------- environment rules
$(VENV)/.stamp: requirements.txt
	@echo "suanli: building the environment in $(VENV) from requirements.txt"
	@test -x $(VENV)/bin/python || $(BASE_PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --requirement requirements.txt 2>&1 | { grep -v "^WARNING: Location" || true; }
	@touch $@

## env              build (or refresh) the Python environment in .venv from requirements.txt
env: $(ENV)

## lock             re-resolve requirements.in into the pinned requirements.txt (needs uv)
lock: | $(ENV)
	$(PYTHON) -m pip install --quiet uv 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(PYTHON) -m uv pip compile requirements.in --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--no-header --annotation-style line -o requirements.txt

build/kernel.stamp: | $(ENV)
	$(PYTHON) -m ipykernel install --sys-prefix --name suanli --display-name "Python (suanli)" \
		--env PYTHONPATH "$(CURDIR)" --env PYTHONHASHSEED 0
	@mkdir -p $(@D) && touch $@

## lab              open JupyterLab on the project's kernel ("Python (suanli)"); LAB_ARGS=… passes options
##                  (project settings from jupyter/: .py opens as a notebook, saving an unchanged
##                  notebook keeps its committed bytes; adds --allow-root when run as root)
lab: build/kernel.stamp
	$(PYTHON) -m analysis.build.lab

## font             rebuild fonts/SuanliSans-*.otf from Debian's fonts-noto-cjk (hash-checked); FONT_SRC=dir
font: | $(ENV)
	$(PYTHON) scripts/build_font.py

# ----------------------------------------------------------------------------- pipeline rules
# The step rules (step-NN_name, step-index, run-NN_name, run-index) are in build/steps.mk.
check: | $(ENV)

# ----------------------------------------------------------------------------- parameterised reruns
## forecast         rerun the forecasts with your parameters: make forecast RUN=name METHOD=… HORIZON=…
forecast: run-index
	@$(STEPS) forecast-done

forecast-start: | $(ENV)
	@$(STEPS) forecast-start

## runs             list the parameterised reruns, and compare each with the default forecasts
runs: | $(ENV)
	@$(PYTHON) -m analysis.build.runs

# ----------------------------------------------------------------------------- checks
## test             run the unit tests, the integration drills and strict nbval on every notebook
test: all | $(ENV)
	$(PYTHON) -m pytest -n 2 --dist loadfile

## bench            time a clean build, a no-op rebuild, a parameter rerun and the tests, per step
bench: | $(ENV)
	@$(PYTHON) scripts/bench.py

## clean            delete every built output (never data/raw/, .venv or runs/)
clean:
	rm -rf build data/processed data/datapackage.json figures reports notebooks/*.ipynb
	find . -name '*.part' -not -path './.venv/*' -delete

## distclean        clean, and delete the environment and the parameterised runs
distclean: clean
	rm -rf $(VENV) runs

## help             list the targets and variables
help: | $(ENV)
	@echo "usage: make [target] [VARIABLE=value …]"
	@echo
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  /'
	@echo
	@echo "variables (from analysis/build/params.py):"
	@$(STEPS) help 2>/dev/null || echo "  (run make with Python 3.11 to list the parameters)"

.PHONY: all env lock lab font check forecast forecast-start runs test bench clean distclean help
