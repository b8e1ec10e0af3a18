"""The pipeline, declared once: every step, what it reads, what it writes.

Why this module exists: the Makefile, the engine, the index page, ``make runs``, the bench, the
tests, ``make help`` and the README all need the pipeline's shape, and they all read it here.
Adding a notebook or a figure is one entry in :data:`STEPS` plus its code; the determinism
drill's ``-j1`` build (``tests/integration/test_determinism.py``) runs every notebook traced, and
checks that what it actually reads, writes and imports is exactly what is declared. Parameters are declared beside the
notebooks' other inputs in :mod:`analysis.pipeline.params`.

This module only declares, and derives the graph from the declaration. Deciding what is stale
and running it is :mod:`analysis.pipeline.engine`; the command line is :mod:`analysis.pipeline.cli`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.base import paths

FORMATS = ("svg", "png", "vl.json", "html")  # every figure is written in each


@dataclass(frozen=True)
class Step:
    """One notebook: what it reads and writes. Parameters come from ``params.SPECS[name]``."""

    name: str
    summary: str
    modules: tuple[str, ...]  # every `analysis` module the kernel imports (transitively), see module_name()
    reads_raw: bool = False  # every file in data/raw/
    reads: tuple[str, ...] = ()  # processed tables (data/processed/<t>.csv, or the run's copy)
    assets: tuple[str, ...] = ()  # other files read (repository paths or globs, e.g. "fonts/*.ttf")
    tables: tuple[str, ...] = ()  # processed tables written
    figures: tuple[str, ...] = ()  # figures written, each in every format of FORMATS
    files: tuple[str, ...] = ()  # other files written (repository paths)
    in_runs: bool = False  # part of every parameterised rerun (make forecast RUN=…); see downstream()


# Modules are named relative to the package, so the layer shows: "cleaning" is analysis/cleaning.py
# (science), "base.atomic" is analysis/base/atomic.py (a shared leaf), "pipeline.notebook" is
# analysis/pipeline/notebook.py, "base.__init__" the subpackage itself. Modules every notebook
# kernel imports (the packages, the domain constants, each notebook's parameter check, set-up and
# paths):
_BASE = ("__init__", "domain", "base.__init__", "base.paths", "pipeline.__init__", "pipeline.params",
         "pipeline.notebook")
# The drawing package: every notebook that draws imports all of it (through analysis/charts/__init__.py).
CHARTS = ("charts.__init__", "charts.claims", "charts.context", "charts.forecasts", "charts.machinery",
          "charts.outcomes", "charts.rankings", "charts.record", "charts.style", "charts.world")
# The shipped font: every figure is drawn with it and every page embeds it.
FONT_FILES = ("fonts/*.otf",)

STEPS: dict[str, Step] = {s.name: s for s in (
    Step("01_clean", "the information set as of AS_OF → validated, cleaned tables, implied values, the vintage table, "
                     "the audit, the data package",
         modules=_BASE + ("assembly", "base.atomic", "audit", "cleaning", "editions", "findings", "infoset", "package",
                          "sources"),
         reads_raw=True,
         tables=("figures", "implied", "audit", "series", "vintages", "editions", "information_set", "rankings",
                 "codebook"),
         files=("data/datapackage.json",)),
    Step("02_evaluation", "the prior and the combination rule, stated; then every forecast of every vintage and "
                          "model scored in real time against the next figure published",
         modules=_BASE + ("assembly", "base.atomic", "choice", "cleaning", "editions", "evaluation",
                          "figure_notes", "forecasting", "package", "priors", "scoring", "sources"),
         reads=("series", "figures", "implied"),
         tables=("evaluation", "evaluation_summary", "error_scale", "bias_test")),
    Step("03_forecast", "the forecasts with the real-time record's rule and scale, coherence with the world, and the "
                        "comparison with the report",
         modules=_BASE + ("assembly", "base.atomic", "choice", "cleaning", "coherence", "editions", "evaluation",
                          "figure_notes", "forecasting", "package", "priors", "scoring", "sources", "world"),
         reads=("series", "figures", "implied", "editions", "evaluation", "evaluation_summary", "error_scale",
                "bias_test"),
         tables=("forecasts", "model_comparison", "series_assembly", "plausibility", "decay_prior",
                 "world_triangulation"),
         in_runs=True),
    # The real-time record's figures are drawn here, beside the forecasts, not after them: they do
    # not depend on the forecasts, and 05 is the end of the critical path.
    Step("04_context_figures", "the figures drawn from the cleaned data and the real-time record",
         modules=_BASE + CHARTS + ("audit", "base.atomic", "cleaning", "figure_cache", "figure_notes", "findings", "fonts",
                                   "sources", "vega_bundle"),
         reads=("figures", "audit", "rankings", "evaluation", "evaluation_summary", "vintages"),
         assets=FONT_FILES,
         figures=("adoption_survey", "industry_ranking", "nvidia_revenue", "genai_share", "audit", "city_ranking",
                  "track_record", "edition_paths")),
    Step("05_forecast_figures", "the forecast figures and the models' comparison, each with what it shows",
         modules=_BASE + CHARTS + ("base.atomic", "figure_cache", "figure_notes", "fonts", "vega_bundle"),
         reads=("forecasts", "model_comparison", "series_assembly", "evaluation", "evaluation_summary", "plausibility",
                "series", "world_triangulation"),
         assets=FONT_FILES,
         figures=("compute_growth", "ai_server_market", "model_comparison", "world_triangulation"),
         in_runs=True),
    # The unblinding builds its own information set, as of the newest raw row (domain.LATEST_AS_OF),
    # and scores the registered sets against it; the steps above stay as of their AS_OF.
    Step("06_unblinding", "the registered forecast sets scored against the first figures published after "
                          "2023-12-07, on the information set of everything now known",
         modules=_BASE + CHARTS + ("assembly", "base.atomic", "choice", "cleaning", "editions", "evaluation",
                                   "figure_cache", "fonts", "forecasting", "infoset", "priors", "registered", "scoring",
                                   "sources", "unblinding", "unblinding_notes", "vega_bundle"),
         reads_raw=True,
         assets=FONT_FILES + ("data/registered/*/forecasts.csv", "data/registered/*/manifest.json"),
         tables=("registered_scores", "unblinding_record", "unblinding_forecasts", "unblinding_information_set"),
         figures=("unblinding",)),
)}
# Pipeline code whose bytes shape every executed notebook and page (the HTML template embeds the font).
RUNNER_FILES = ("analysis/pipeline/runner.py", "analysis/pipeline/templates/suanli/conf.json",
                "analysis/pipeline/templates/suanli/index.html.j2", "analysis/fonts.py", "fonts/SuanliSans-Regular.otf",
                "fonts/SuanliSans-Bold.otf")
INDEX_FILES = ("analysis/pipeline/report.py", "analysis/fonts.py", "fonts/SuanliSans-Regular.otf",
               "fonts/SuanliSans-Bold.otf", "requirements.txt")


# ----------------------------------------------------------------------------- the graph

def writer_of(table: str) -> str:
    for step in STEPS.values():
        if table in step.tables:
            return step.name
    raise KeyError(table)


def upstream(name: str) -> list[str]:
    return sorted({writer_of(t) for t in STEPS[name].reads} - {name})


def downstream(names) -> list[str]:
    """``names`` and every step that reads, directly or not, what one of them writes (in order)."""
    found = set(names)
    for n in STEPS:  # STEPS is in dependency order: a reader comes after its writers
        if any(u in found for u in upstream(n)):
            found.add(n)
    return [n for n in STEPS if n in found]


def run_steps() -> list[str]:
    """The steps every named run executes (the forecasts and their figures); a run executes more
    when it sets a parameter of an earlier step (:func:`analysis.pipeline.engine.run_plan`)."""
    return [n for n, s in STEPS.items() if s.in_runs]


def source(name: str) -> Path:
    return paths.NOTEBOOK_SOURCES / f"{name}.py"


def module_name(module: str) -> str:
    """The import name of a registry module: "base.atomic" → "analysis.base.atomic",
    "pipeline.__init__" → "analysis.pipeline", "__init__" → "analysis"."""
    return ".".join(["analysis", *module.split(".")][:-1 if module.endswith("__init__") else None])


def module_file(module: str) -> Path:
    """The source of a registry module: "base.atomic" → analysis/base/atomic.py."""
    return paths.ROOT / "analysis" / (module.replace(".", "/") + ".py")


def module_files(name: str) -> list[Path]:
    return [module_file(m) for m in STEPS[name].modules]
