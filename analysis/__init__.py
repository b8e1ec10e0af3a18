"""suanli: reusable code for the China AI-compute research compendium.

The notebooks in ``notebooks/`` narrate; this package does the work. Importing the package
is deliberately cheap (no pandas, no statsmodels) so that the Makefile's parameter checks and
the notebook runner can fail fast, before any heavy import or kernel start.

One import is blocked here, on purpose. ``jsonschema`` (used by nbformat, papermill and
altair) imports the optional ``rfc3987_syntax`` whenever it is installed (jupyter-server's
dependencies install it), and that module compiles an Earley grammar at import time: about
1.5 s in every process, kernels included, to support the ``iri`` string format, which none of
the schemas used here (nbformat, Vega-Lite) contains. Marking it absent makes jsonschema skip
that one format checker; every other check is unchanged. JupyterLab (``make lab``) does not
import this package and keeps the full checker.
"""
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
