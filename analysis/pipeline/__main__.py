"""``python -m analysis.pipeline``: the pipeline's command line (:mod:`analysis.pipeline.cli`)."""
import sys

try:
    from analysis.pipeline.cli import main
except ValueError as err:  # analysis/base/paths.py refuses a SUANLI_OUTPUTS that is not a run name
    print(f"error: {' '.join(str(err).split())}; it is internal (set by the runner for its kernels only): unset it",
          file=sys.stderr)
    sys.exit(2)

sys.exit(main(sys.argv[1:]))
