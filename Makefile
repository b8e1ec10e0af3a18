# suanli — rebuild the compendium: environment → cleaning → forecasts → figures → reports.
#
# Every output is a real file target, so `make` reruns only what changed, `make -j2` runs the
# independent notebooks side by side, and a second `make` does nothing. Run `make help`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:
# `make -q` (question mode) and `make -n` (dry run): see the note on side outputs below. Only
# the cluster of one-letter flags is searched (read before long options are added below).
SHORT_FLAGS := $(filter-out --%,$(firstword -$(MAKEFLAGS)))
QUESTION := $(findstring q,$(SHORT_FLAGS))$(findstring n,$(SHORT_FLAGS))
PARAMS_FORCE := $(if $(QUESTION),,FORCE)
MAKEFLAGS += --no-builtin-rules

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
# Each notebook's parameters file is rewritten only when a value changes, so changing one
# parameter reruns exactly the notebooks that depend on it. Empty means "the default".
## TOLERANCE=0     audit: extra slack in percent on each check's derived tolerance (01_clean)
TOLERANCE ?=
## SERIES=all       forecast series: all, ai_server_market, intelligent_compute, general_compute
SERIES ?=
## METHOD=all       forecast model: all, drift, decay, loglinear, ets, combination
METHOD ?=
## HORIZON=2027     last forecast year (2024–2035)
HORIZON ?=
## LEVELS=0.5,0.8,0.95  prediction-interval coverages (a fan), each strictly between 0 and 1
LEVELS ?=
## TRAIN_START=2021 first year used for fitting (2021 or 2022)
TRAIN_START ?=
## GROWTH=          scenario growth replacing the drift: 0.2 (every series) or ai_server_market:0.3,general_compute:0.1
GROWTH ?=
## DECAY_HALF_LIFE=1.5   decay model: half-life in years of growth above the long-run rate (0.25–20)
DECAY_HALF_LIFE ?=
## LONG_RUN_GROWTH=0.15  decay model: long-run yearly growth rate (-0.2–1)
LONG_RUN_GROWTH ?=
## RUN=name         name of a parameterised rerun (make forecast), written to runs/<name>/
RUN ?=

FORECAST_ARGS = series=$(SERIES) method=$(METHOD) horizon_end=$(HORIZON) levels=$(LEVELS) \
	train_start=$(TRAIN_START) growth_override=$(GROWTH) decay_half_life=$(DECAY_HALF_LIFE) \
	long_run_growth=$(LONG_RUN_GROWTH)
PARAMS_01_clean = tolerance_pct=$(TOLERANCE)
PARAMS_02_forecast = $(FORECAST_ARGS) run_name=
PARAMS_03_context_figures =
PARAMS_04_forecast_figures = run_name=

# ----------------------------------------------------------------------------- files
RAW := $(sort $(wildcard data/raw/*.csv))
CORE := analysis/__init__.py analysis/paths.py analysis/atomic.py analysis/params.py analysis/domain.py \
	analysis/runner.py analysis/notebook.py $(wildcard analysis/templates/suanli/*)
RUNNER = $(PYTHON) -m analysis.runner
EXEC = $(RUNNER) $< $@ --params $(word 2,$^) --html reports/$(basename $(notdir $@)).html
FMT := svg png vl.json html

CLEAN_OUT := $(addprefix data/processed/,figures.csv implied.csv audit.csv series.csv rankings.csv codebook.csv) \
	data/datapackage.json
FORECAST_OUT := $(addprefix data/processed/,forecasts.csv backtests.csv model_comparison.csv series_assembly.csv \
	track_record.csv)
FORECAST_PY := analysis/forecasting.py analysis/assembly.py analysis/domain.py analysis/scoring.py \
	analysis/track_record.py
CONTEXT_FIGS := adoption_survey industry_ranking nvidia_revenue genai_share audit city_ranking
FORECAST_FIGS := compute_growth ai_server_market model_comparison track_record
CONTEXT_FIG_FILES := $(foreach f,$(CONTEXT_FIGS),$(foreach x,$(FMT),figures/$(f).$(x)))
FORECAST_FIG_FILES := $(foreach f,$(FORECAST_FIGS),$(foreach x,$(FMT),figures/$(f).$(x)))
NOTEBOOKS := 01_clean 02_forecast 03_context_figures 04_forecast_figures
EXECUTED := $(NOTEBOOKS:%=notebooks/%.ipynb)
REPORTS := $(NOTEBOOKS:%=reports/%.html)

## all              build the environment if needed, run every notebook, write every output (default)
all: $(EXECUTED) $(REPORTS) $(CLEAN_OUT) $(FORECAST_OUT) $(CONTEXT_FIG_FILES) $(FORECAST_FIG_FILES) reports/index.html
ifeq ($(QUESTION),)
	@echo "suanli: everything is up to date."
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
	$(PYTHON) -m analysis.lab $(LAB_ARGS)

## font             rebuild fonts/SuanliSans-*.otf from Debian's fonts-noto-cjk (hash-checked); FONT_SRC=dir
font: | $(ENV)
	$(PYTHON) scripts/build_font.py $(if $(FONT_SRC),--source-dir "$(FONT_SRC)")

# ----------------------------------------------------------------------------- pipeline rules
# Under -q/-n nothing may be written, so the parameters files whose values would change are
# found here, at parse time, and only those are forced.
ifneq ($(QUESTION),)
ifneq ($(shell command -v $(PYTHON) 2>/dev/null),)
STALE_PARAMS := $(shell $(PYTHON) -m analysis.params stale build/params $(foreach n,$(NOTEBOOKS),$(n) $(PARAMS_$(n)) --))
$(STALE_PARAMS): FORCE
endif
endif
build/params/%.yml: $(PARAMS_FORCE) | $(ENV)
	@$(PYTHON) -m analysis.params write $* $@ $(PARAMS_$*)

build/raw.ok: $(RAW) analysis/sources.py | $(ENV)
	@$(PYTHON) -m analysis.sources check $@

# A notebook's rule has one target, its executed notebook (so .DELETE_ON_ERROR and an
# interrupt can only ever remove that, and a failed run leaves every earlier output in place).
# The runner also renders its HTML page. The notebook's other outputs (CSVs, figures) are
# rewritten only when their bytes change, so a rerun that changes nothing reruns nothing
# downstream; their own rule only checks that they exist (and remakes the notebook if one was
# deleted by hand).
#
# In question mode (`make -q`) and in a dry run (`make -n`, which then lists exactly the
# notebooks that would run) a side output counts as up to date when it exists: it is
# current exactly when its notebook is, and the notebooks are goals of `all` themselves.
# (Otherwise an unchanged side output, older than its rerun notebook by design, would always
# look stale to make -q.) Likewise the parameters files are not re-checked under -q.
ifeq ($(QUESTION),)
define side_outputs
$(2): $(1)
	@test -f $$@ || { rm -f $(1) && $$(MAKE) --no-print-directory $(1); }
endef
else
define side_outputs
$(2):
	@true
endef
endif

notebooks/01_clean.ipynb: notebooks/src/01_clean.py build/params/01_clean.yml \
		build/raw.ok $(RAW) $(CORE) analysis/sources.py analysis/cleaning.py analysis/audit.py analysis/findings.py \
		analysis/package.py | $(ENV)
	$(EXEC)
$(eval $(call side_outputs,notebooks/01_clean.ipynb,reports/01_clean.html $(CLEAN_OUT)))

notebooks/02_forecast.ipynb: notebooks/src/02_forecast.py \
		build/params/02_forecast.yml data/processed/series.csv data/processed/figures.csv data/processed/implied.csv \
		data/raw/vintages.csv $(CORE) $(FORECAST_PY) analysis/cleaning.py analysis/package.py | $(ENV)
	$(EXEC)
$(eval $(call side_outputs,notebooks/02_forecast.ipynb,reports/02_forecast.html $(FORECAST_OUT)))

notebooks/03_context_figures.ipynb: notebooks/src/03_context_figures.py \
		build/params/03_context_figures.yml data/processed/figures.csv data/processed/audit.csv \
		data/processed/rankings.csv $(CORE) analysis/charts.py | $(ENV)
	$(EXEC)
$(eval $(call side_outputs,notebooks/03_context_figures.ipynb,reports/03_context_figures.html $(CONTEXT_FIG_FILES)))

notebooks/04_forecast_figures.ipynb: notebooks/src/04_forecast_figures.py \
		build/params/04_forecast_figures.yml data/processed/forecasts.csv data/processed/backtests.csv \
		data/processed/model_comparison.csv data/processed/series_assembly.csv data/processed/track_record.csv \
		data/processed/series.csv data/processed/figures.csv $(CORE) analysis/charts.py analysis/domain.py | $(ENV)
	$(EXEC)
$(eval $(call side_outputs,notebooks/04_forecast_figures.ipynb,reports/04_forecast_figures.html $(FORECAST_FIG_FILES)))

reports/index.html: $(EXECUTED) $(CONTEXT_FIG_FILES) $(FORECAST_FIG_FILES) $(CLEAN_OUT) $(FORECAST_OUT) $(RAW) \
		$(wildcard analysis/*.py) $(wildcard notebooks/src/*.py) requirements.txt | $(ENV)
	$(PYTHON) -m analysis.report

# ----------------------------------------------------------------------------- parameterised reruns
RUN_DIR := runs/$(RUN)
RUN_OUT := $(RUN_DIR)/notebooks/02_forecast.ipynb $(RUN_DIR)/notebooks/04_forecast_figures.ipynb

## forecast         rerun the forecasts with your parameters: make forecast RUN=name METHOD=… HORIZON=…
forecast: $(if $(RUN),$(RUN_OUT),forecast-needs-run)
	@echo "suanli: run '$(RUN)' is up to date in $(RUN_DIR)/ (parameters: $(RUN_DIR)/params.yaml)"

forecast-needs-run: FORCE
	@$(PYTHON) -m analysis.params check 02_forecast $(FORECAST_ARGS) run_name=$(RUN)
	@echo "error: give the run a name: make forecast RUN=name [METHOD=… HORIZON=… LEVELS=… …]" >&2; exit 2

ifneq ($(RUN),)
$(RUN_DIR)/params.yaml: FORCE | $(ENV)
	@$(PYTHON) -m analysis.params write 02_forecast $@ $(FORECAST_ARGS) run_name=$(RUN)

$(RUN_DIR)/notebooks/02_forecast.ipynb: notebooks/src/02_forecast.py $(RUN_DIR)/params.yaml \
		data/processed/series.csv data/processed/figures.csv data/processed/implied.csv data/raw/vintages.csv \
		$(CORE) $(FORECAST_PY) analysis/cleaning.py analysis/package.py | $(ENV)
	$(RUNNER) $< $@ --params $(RUN_DIR)/params.yaml --html $(RUN_DIR)/reports/02_forecast.html

$(RUN_DIR)/notebooks/04_forecast_figures.ipynb: notebooks/src/04_forecast_figures.py \
		$(RUN_DIR)/notebooks/02_forecast.ipynb $(CORE) analysis/charts.py | $(ENV)
	$(RUNNER) $< $@ -p run_name $(RUN) --html $(RUN_DIR)/reports/04_forecast_figures.html
endif

## runs             list the parameterised reruns, and compare each with the default forecasts
runs: | $(ENV)
	@$(PYTHON) -m analysis.runs

# ----------------------------------------------------------------------------- checks
## test             run the unit tests, the integration drills and strict nbval on every notebook
test: all | $(ENV)
	$(PYTHON) -m pytest -n 2 --dist loadfile

## bench            time a clean build, a no-op rebuild, a parameter rerun and the tests (markdown table)
bench: | $(ENV)
	$(PYTHON) scripts/bench.py $(if $(REPEAT),--repeat $(REPEAT))

## clean            delete every built output (never data/raw/ or .venv)
clean:
	rm -rf build data/processed data/datapackage.json figures reports $(EXECUTED)
	find . -name '*.part' -not -path './.venv/*' -delete

## distclean        clean, and delete the environment and the parameterised runs
distclean: clean
	rm -rf $(VENV) runs

## help             list the targets and variables
help:
	@echo "usage: make [target] [VARIABLE=value …]"
	@echo
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  /'

.PHONY: all env lock lab font forecast forecast-needs-run runs test bench clean distclean help FORCE
FORCE:
