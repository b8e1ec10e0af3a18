"""``python -m analysis.pipeline``: the pipeline's command line (:mod:`analysis.pipeline.cli`)."""
import sys

from analysis.pipeline.cli import main

sys.exit(main(sys.argv[1:]))
