"""The leaves below both layers: where things live, and how a file is written.

Why a subpackage: the compendium has two layers, the science (``analysis/*.py``) and the
pipeline (``analysis/pipeline/``), and both need to know where the raw data and the outputs
are (:mod:`.paths`) and to write a file so that a failed or concurrent step never leaves half
of it (:mod:`.atomic`). Kept apart from both, these two make the layer rule exception-free:

* ``base`` imports nothing from ``analysis``;
* the science imports ``base`` and other science, never the pipeline;
* the pipeline imports anything below it.

``tests/test_layers.py`` reads every import with :mod:`ast` and fails on any other edge and on
any import cycle. Importing this package imports nothing.
"""
