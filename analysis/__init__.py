"""suanli: reusable code for the China AI-compute research compendium.

The notebooks in ``notebooks/`` narrate; this package does the work. Importing the package
is deliberately cheap (no pandas, no statsmodels) so that the Makefile's parameter checks and
the notebook runner can fail fast, before any heavy import or kernel start.
"""
