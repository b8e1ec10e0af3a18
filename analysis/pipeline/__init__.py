"""The pipeline: how the notebooks are declared, run, checked, recorded and published.

Why a subpackage: the compendium has two layers, and the layout shows which is which.

* **Science** (``analysis/*.py``): the sources and their schemas, cleaning, the audit, series
  assembly, forecasting, scoring, the track record, the findings and figure notes, the charts
  (with their font and drawing caches, ``figure_cache``, ``vega_bundle``), the data package,
  the domain constants. This is what a reader checks.
* **Pipeline** (``analysis/pipeline/``, here): the declaration of the steps
  (:mod:`.registry`), the engine that decides by content what must run and runs it
  (:mod:`.engine`), the command line the Makefile calls (:mod:`.cli`), the notebook runner and
  its nbconvert template (:mod:`.runner`, ``templates/``), the parameter specs (:mod:`.params`),
  the index page (:mod:`.report`), named runs (:mod:`.runs`), the JupyterLab hook (:mod:`.lab`),
  and the notebooks' set-up and table rendering (:mod:`.notebook`).

Below both, ``analysis/base/`` holds the two leaves they share: paths and atomic writes.
The pipeline may import the science and the base; the science imports the base, never the
pipeline. ``tests/test_layers.py`` enforces this and forbids import cycles.

Importing this package imports nothing (the Makefile's parameter check must stay fast).
"""
