"""The build machinery: how the notebooks are run, checked, recorded and published.

Why a subpackage: the compendium has two layers, and the layout shows which is which.

* **Science** (``analysis/*.py``): the sources and their schemas, cleaning, the audit, series
  assembly, forecasting, scoring, the track record, the findings and figure notes, the charts
  (with their font and drawing caches, ``figure_cache``, ``vega_bundle``), the data package,
  the domain constants. This is what a reader checks.
* **Build** (``analysis/build/``, here): the registry of steps (:mod:`.steps`), the notebook
  runner and its nbconvert template (:mod:`.runner`, ``templates/``), the parameter specs
  (:mod:`.params`), atomic and staged writes (:mod:`.atomic`), the index page (:mod:`.report`),
  named runs (:mod:`.runs`), the JupyterLab hook (:mod:`.lab`), the notebooks' set-up and table
  rendering (:mod:`.notebook`) and the one source of truth for locations (:mod:`.paths`).

The build imports the science (the registry runs it, the index page quotes its findings); the
science does not import the build, with two exceptions, both leaf modules that import nothing
from the package: :mod:`.paths` (where the raw data and outputs live: one source of truth for
both layers) and :mod:`.atomic` (every output is written atomically and staged, which is what
makes a step all-or-nothing). ``tests/test_layers.py`` enforces this.

Importing this package imports nothing (the Makefile's parameter check must stay fast).
"""
