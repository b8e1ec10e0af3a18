# suanli — rebuild the compendium: environment → cleaning → forecasts → figures → reports.
#
# The pipeline's graph is declared once, in analysis/pipeline/registry.py; its rules are generated into
# build/steps.mk. Each step decides by content whether it must run (hashes of its inputs and
# of the outputs it wrote). `make all` hands the stale steps to one process, which runs them in
# the graph's order (`make -j2`: a step off the critical path runs beside them); the rules
# step-NN_name run one step each. Every target is a thin call of the pipeline's command line,
# `python -m analysis.pipeline <command>` (analysis/pipeline/cli.py), which a program can call
# directly instead of make. No value given by the user ever reaches a shell: only known
# variable names are accepted, and their values are handed to Python through the environment,
# as literals, and validated there first. Run `make help`.
#
# What this Makefile cannot guard: make's own language runs before this file is read. A
# `NAME:=…` or `NAME!=…` on the command line, a `$(…)` in a variable's name, MAKEFLAGS and the
# files named in MAKEFILES are expanded or run by make itself, like a command typed at a
# shell. A program that passes text it did not write calls the Python entry point instead.

override SUANLI_CLI_VARS := $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $v)),$v))
override SHELL := bash
override .SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:
# `make -q` (question mode) and `make -n` (dry run) ask the pipeline (analysis/pipeline/engine.py) what would run. Only
# the cluster of one-letter flags is searched (read before long options are added below).
override SHORT_FLAGS := $(filter-out --%,$(firstword -$(MAKEFLAGS)))
override QUESTION := $(findstring q,$(SHORT_FLAGS))$(findstring n,$(SHORT_FLAGS))
MAKEFLAGS += --no-builtin-rules

# ----------------------------------------------------------------------------- only known names
# The Makefile's own variables: none may be set on the command line (each is refused in one
# line), and a value of one in the environment is replaced here (or refused: MAKEFILES, make -e).
override OWN_VARIABLES := SHELL .SHELLFLAGS .DEFAULT_GOAL SHORT_FLAGS QUESTION OWN_VARIABLES NAME_CHARS PATH_CHARS \
	strip_chars SUANLI_CLI_VARS NO_PYTHON_GOALS ENV CHECK_PYTHON FOUND_PYTHON STEPS TOOL_PYTHON PARAM_VARIABLES \
	STEP_NAMES VARS_DIR CHECKED MAKEFILES MAKEFLAGS MFLAGS MAKEOVERRIDES MAKECMDGOALS MAKEFILE_LIST MAKE \
	MAKELEVEL CURDIR .VARIABLES .FEATURES .INCLUDE_DIRS SUANLI_ROOT SUANLI_OUTPUTS SUANLI_CACHE SUANLI_STAGE \
	SUANLI_STAGE_OWNER SUANLI_GOALS PYTHONHASHSEED JUPYTER_PREFER_ENV_PATH PYTHONPATH PYTHONDONTWRITEBYTECODE \
	PIP_DISABLE_PIP_VERSION_CHECK PYTHONS PYTHON_RANGE
$(if $(value MAKEFILES),$(error error: MAKEFILES is set ($(value MAKEFILES)); make has read those files before this Makefile, like a command you typed: unset MAKEFILES))
$(if $(findstring e,$(SHORT_FLAGS)),$(error error: make -e (environment overrides) is not supported: it would let the environment replace the Makefile's own variables))
# The root is where this Makefile is. The pipeline's internal variables (analysis/base/paths.py) are
# set by the runner for its kernels, and by the tests for theirs; one left in the environment stops
# make here, in one line (`SUANLI_ROOT=<another clone> make clean` must not delete that clone's files).
$(foreach v,SUANLI_ROOT SUANLI_OUTPUTS SUANLI_CACHE SUANLI_STAGE SUANLI_STAGE_OWNER,$(if $(and $(filter environment,$(origin $v)),$(value $v),$(if $(filter SUANLI_ROOT,$v),$(filter-out $(CURDIR),$(abspath $(value SUANLI_ROOT))),1)),\
	$(error error: $v is set in the environment; it is internal to the pipeline (the root is the folder of this Makefile): unset $v)))
override NAME_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 _
override strip_chars = $(if $(2),$(call strip_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
# Every variable given on the command line: its name must be plain (letters, digits, '_') and
# not the Makefile's own; Python then admits only the known ones (analysis/pipeline/params.py:
# the parameters and BUILD_VARIABLES), before anything runs. (SUANLI_CLI_VARS is listed first
# thing, before an `override` below changes the origin of a variable given on the command line.)
$(foreach v,$(SUANLI_CLI_VARS),$(if $(call strip_chars,$v,$(NAME_CHARS)),\
	$(error error: '$v' is not a variable make accepts (a name holds only letters, digits and '_'; `make help` lists them))))
$(foreach v,$(filter $(OWN_VARIABLES),$(SUANLI_CLI_VARS)),\
	$(error error: $v is internal to the Makefile and cannot be set on the command line (`make help` lists the variables)))
$(foreach v,$(SUANLI_CLI_VARS),$(if $(filter simple,$(flavor $v)),\
	$(error error: $v was given with ':=' (make expanded its value before this Makefile was read); give $v=value)))
# Goals that run no pipeline code take only the Python and environment variables.
override NO_PYTHON_GOALS := $(if $(filter-out help clean distclean,$(or $(MAKECMDGOALS),all)),,1)
$(if $(NO_PYTHON_GOALS),$(foreach v,$(filter-out PYTHON BASE_PYTHON VENV,$(SUANLI_CLI_VARS)),\
	$(error error: $v is not used by make $(MAKECMDGOALS); it takes only PYTHON, BASE_PYTHON and VENV)))
# Every variable given on the command line becomes a literal (never expanded by make, so a
# value such as $(shell …) runs nothing), and is exported to Python through the environment.
# Its names are passed too (SUANLI_CLI_VARS), so Python can refuse any it does not know.
$(foreach v,$(SUANLI_CLI_VARS),$(eval override $v := $$(value $v))$(eval export $v))
export SUANLI_CLI_VARS
# make's goals, for the pipeline's check of which variables they use (exported: never a shell word)
override export SUANLI_GOALS := $(or $(MAKECMDGOALS),all)
# Internal variables that are only set in some cases start empty, whatever the environment holds.
CHECK_PYTHON :=
FOUND_PYTHON :=
override PARAM_VARIABLES :=
override STEP_NAMES :=
override VARS_DIR :=
override CHECKED :=
# Set by the runner for its kernels only (analysis/base/paths.py, analysis/base/atomic.py).
unexport SUANLI_ROOT SUANLI_OUTPUTS SUANLI_CACHE SUANLI_STAGE SUANLI_STAGE_OWNER

override export PYTHONHASHSEED := 0
override export JUPYTER_PREFER_ENV_PATH := 1
override export PYTHONPATH := $(CURDIR)
override export PYTHONDONTWRITEBYTECODE := 1
override export PIP_DISABLE_PIP_VERSION_CHECK := 1

# ----------------------------------------------------------------------------- environment
BASE_PYTHON ?= python3
VENV := .venv
## PYTHON=python  use an already-activated environment (conda, …) instead of .venv
PYTHON ?= $(VENV)/bin/python
# PYTHON, BASE_PYTHON and VENV are run, so each must be a plain path (letters, digits, / . _ - +),
# checked here by make itself before any shell sees it; a value from the environment is taken
# as a literal, like one from the command line.
$(foreach v,PYTHON BASE_PYTHON VENV LAB_ARGS FONT_SRC,$(if $(filter environment,$(origin $v)),$(eval override $v := $$(value $v))$(eval export $v)))
override PATH_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 	0 1 2 3 4 5 6 7 8 9 / . _ - +
$(foreach v,VENV BASE_PYTHON PYTHON,$(if $(or $(filter-out 1,$(words $($v))),$(call strip_chars,$($v),$(PATH_CHARS))),\
	$(error error: $v must be a plain path (letters, digits, / . _ - +), e.g. $v=python3.11)))
# VENV is created, installed into and (by distclean) deleted: one folder name inside the repository.
$(if $(or $(findstring /,$(VENV)),$(filter . ..,$(VENV))),\
	$(error error: VENV must be one folder name inside the repository (no '/', not '.' or '..'), e.g. VENV=.venv))
# The environment is built into and (by distclean) deleted only if it is a virtual environment:
# an existing VENV must hold pyvenv.cfg. (Python checks the rest before it acts: no file git
# tracks, nothing at its top that a virtual environment does not hold; analysis/pipeline/housekeeping.py.)
$(if $(and $(or $(filter $(VENV)/bin/python,$(PYTHON)),$(filter distclean,$(MAKECMDGOALS))),$(wildcard $(VENV)),\
	$(if $(wildcard $(VENV)/pyvenv.cfg),,1)),\
	$(error error: VENV=$(VENV) is not a virtual environment (no $(VENV)/pyvenv.cfg): make neither builds into it nor deletes it))
ifeq ($(PYTHON),$(VENV)/bin/python)
ENV := $(VENV)/.stamp
else
ENV :=
endif
# The supported Pythons: requirements.txt is one lock for all of them (`make lock`), .ci/run builds
# with each, and pyproject.toml and environment.yml name the same range (tests/test_python_range.py).
# Any other version stops here, with one line, before any work.
# (Checked on the Python that will run: .venv's if it exists, else BASE_PYTHON, or PYTHON=….)
override PYTHONS := 3.11 3.12 3.13
override PYTHON_RANGE := $(firstword $(PYTHONS)) to $(lastword $(PYTHONS))
ifeq ($(filter-out help clean distclean,$(or $(MAKECMDGOALS),all)),)
else
CHECK_PYTHON := $(if $(ENV),$(if $(wildcard $(VENV)/bin/python),$(VENV)/bin/python,$(BASE_PYTHON)),$(PYTHON))
FOUND_PYTHON := $(shell $(CHECK_PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifneq ($(words $(FOUND_PYTHON)) $(filter $(FOUND_PYTHON),$(PYTHONS)),1 $(FOUND_PYTHON))
$(error suanli needs Python $(PYTHON_RANGE), but $(CHECK_PYTHON) is $(if $(FOUND_PYTHON),Python $(FOUND_PYTHON),not a working Python)$(if $(ENV),$(if $(wildcard $(VENV)/bin/python),; delete .venv (make distclean) and,;) run e.g. make BASE_PYTHON=python$(lastword $(PYTHONS)),; activate a Python $(PYTHON_RANGE) environment or run make BASE_PYTHON=python$(lastword $(PYTHONS)) without PYTHON=))
endif
endif

# ----------------------------------------------------------------------------- parameters
# The parameters are declared in analysis/pipeline/params.py (make variable = upper-case name; `make
# help` lists them). They are read by Python from the environment, never pasted into a recipe.
override STEPS = $(PYTHON) -m analysis.pipeline
# The Python for the targets that must work before or without the environment (clean, distclean).
override TOOL_PYTHON := $(if $(ENV),$(BASE_PYTHON),$(PYTHON))
ifneq ($(filter-out clean distclean help,$(or $(MAKECMDGOALS),all)),)
ifeq ($(QUESTION),)
include build/steps.mk
else
# make -n and make -q write nothing: the step rules are read if they exist, never made (the plan
# they print comes from the pipeline, which reads the registry itself).
-include build/steps.mk
endif
endif
# Parameters, RUN and REPLACE count only when given on the command line: a METHOD or SERIES left
# in a shell's environment must not quietly rebuild the committed outputs with it.
$(foreach v,$(PARAM_VARIABLES) RUN REPLACE,$(if $(filter environment,$(origin $v)),$(eval override $v :=)$(eval unexport $v)))
# Check every variable now, at parse time, so a bad name or value stops make with one line and
# exit status 2 before anything runs. The values reach Python as files written by make itself
# ($(file), no shell involved) in a folder private to this make process, with the goals.
# (Skipped until the environment exists: make then builds it and build/steps.mk, and restarts.)
ifeq ($(NO_PYTHON_GOALS),)
ifneq ($(wildcard $(firstword $(PYTHON)))$(shell command -v -- $(PYTHON) 2>/dev/null),)
override VARS_DIR := build/vars/$(shell echo $$PPID)
$(shell mkdir -p $(VARS_DIR))
$(foreach v,$(SUANLI_CLI_VARS),$(file >$(VARS_DIR)/$v,$(value $v)))
$(file >$(VARS_DIR)/.names,$(SUANLI_CLI_VARS))
$(file >$(VARS_DIR)/.goals,$(or $(MAKECMDGOALS),all))
override CHECKED := $(shell $(STEPS) check --vars $(VARS_DIR))
$(if $(filter-out suanli:up-to-date,$(CHECKED)),$(error $(CHECKED)))
endif
endif

ifeq ($(QUESTION),)
build/steps.mk: analysis/pipeline/registry.py analysis/pipeline/cli.py analysis/pipeline/params.py | $(ENV)
	@mkdir -p $(@D)
	@$(PYTHON) -m analysis.pipeline mk > $@.part && mv $@.part $@
endif

## all              build the environment if needed, run every stale step, write every output (default)
ifneq ($(QUESTION),)
all: | $(ENV)
	+@$(STEPS) plan $(if $(findstring q,$(QUESTION)),-q)
else ifeq ($(CHECKED),suanli:up-to-date)
# the parse-time check found nothing stale (its plan is make -n's): no step process is started
all:
	@echo "suanli: everything is up to date."
else
# something is stale: one process runs the stale steps in the graph's order (engine.build; make's
# -jN lets a step off the critical path run beside them), then the index
all: check | $(ENV)
	+@$(STEPS) build
	@echo "suanli: everything is up to date."
endif

# ----------------------------------------------------------------------------- environment rules
$(VENV)/.stamp: requirements.txt
	@$(BASE_PYTHON) -m analysis.pipeline env --venv $(VENV)

## env              build (or refresh) the Python environment in .venv from requirements.txt
env: $(ENV)

## lock             re-resolve requirements.in into the pinned requirements.txt (needs uv): one
##                  version of every package for every supported Python (uv's universal resolution;
##                  today's pins are kept where they still fit)
lock: | $(ENV)
	$(PYTHON) -m pip install --quiet uv 2>&1 | { grep -v "^WARNING: Location" || true; }
	@mkdir -p build && cp requirements.txt build/requirements.txt.part
	$(PYTHON) -m uv pip compile requirements.in --universal --python-version $(firstword $(PYTHONS)) --fork-strategy fewest \
		--no-header --annotation-style line --quiet -o build/requirements.txt.part
	@{ echo "# Python $(PYTHONS): one lock for all of them, one version of every package (a line with a marker"; \
	   echo "# installs only where it applies). Generated from requirements.in by \`make lock\`; do not edit."; \
	   cat build/requirements.txt.part; } > requirements.txt && rm build/requirements.txt.part

build/kernel.stamp: | $(ENV)
	$(PYTHON) -m ipykernel install --sys-prefix --name suanli --display-name "Python (suanli)" \
		--env PYTHONPATH "$(CURDIR)" --env PYTHONHASHSEED 0
	@mkdir -p $(@D) && touch $@

## lab              open JupyterLab on the project's kernel ("Python (suanli)"); LAB_ARGS=… passes options
##                  (project settings from jupyter/: .py opens as a notebook, saving an unchanged
##                  notebook keeps its committed bytes; adds --allow-root when run as root)
lab: build/kernel.stamp
	@$(STEPS) lab

## font             rebuild fonts/SuanliSans-*.otf from Debian's fonts-noto-cjk (hash-checked); FONT_SRC=dir
font: | $(ENV)
	@$(STEPS) font

# ----------------------------------------------------------------------------- pipeline rules
# The step rules (step-NN_name, step-index, run-NN_name, run-index) are in build/steps.mk.
check: | $(ENV)

# ----------------------------------------------------------------------------- parameterised reruns
## forecast         rerun the forecasts with your parameters: make forecast RUN=name METHOD=… HORIZON=…
##                  (a parameter of an earlier step, e.g. TOLERANCE, reruns that step too, in the run)
forecast: | $(ENV)
	@$(STEPS) forecast

## runs             list the parameterised reruns, and compare each with the default forecasts
runs: | $(ENV)
	@$(STEPS) runs

# ----------------------------------------------------------------------------- checks
## test             run the unit tests, the integration drills and strict nbval on every notebook
test: all | $(ENV)
	@$(STEPS) test

## bench            time a clean build, a no-op rebuild, a parameter rerun and the tests, per step
bench: | $(ENV)
	@$(STEPS) bench

## clean            delete the built outputs, build/ and the project's temporaries (never data/raw/, .venv or runs/)
clean:
	@$(TOOL_PYTHON) -m analysis.pipeline clean

## distclean        clean, and delete the parameterised runs and the environment (if it is one)
distclean:
	@$(TOOL_PYTHON) -m analysis.pipeline distclean --venv $(VENV)

## help             list the targets and variables
help: | $(ENV)
	@echo "usage: make [target] [VARIABLE=value …]"
	@echo
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  /'
	@echo
	@echo "variables (from analysis/pipeline/params.py):"
	@$(STEPS) help 2>/dev/null || echo "  (run make with Python $(PYTHON_RANGE) to list the parameters)"

.PHONY: all env lock lab font check forecast runs test bench clean distclean help
