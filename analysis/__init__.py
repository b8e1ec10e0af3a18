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

# The registry check (the -j1 build of tests/integration/test_determinism.py) runs make with
# SUANLI_TRACE set to a folder, and the runner gives each step's kernel its own file there,
# <folder>/<step>.trace (analysis/pipeline/runner.py, Kernel.start); set to a file, every kernel
# appends to that one file. Every `analysis` module imported and every file opened by the kernel
# is appended to its trace, so the declared reads, writes and imports of each step can be
# compared with what the code does. A traced kernel starts cold (runner.warm_imports gives no
# warm-up imports while SUANLI_TRACE is set): its trace holds only what the cells import, never
# the registry's declared modules imported ahead of the first cell. A folder reaching a kernel
# the runner did not start (nbval's) is not a file to append to: nothing is traced there.
import os as _os

if (_os.environ.get("SUANLI_TRACE") and "ipykernel" in sys.modules  # in a notebook's kernel only
        and not _os.path.isdir(_os.environ["SUANLI_TRACE"])):
    def _trace(event, args, _path=_os.environ["SUANLI_TRACE"], _busy=[]):  # noqa: B006
        if _busy or event not in ("open", "import"):
            return
        if event == "import":
            parts = str(args[0]).split(".")
            if parts[0] != "analysis":
                return
            # importlib loads a missing parent package (analysis.pipeline for analysis.pipeline.params)
            # without an audit event of its own: record every package on the way.
            line = "".join(f"import\t{'.'.join(parts[:i])}\n" for i in range(1, len(parts) + 1))
        else:
            if not isinstance(args[0], (str, bytes, _os.PathLike)) or args[0] == _path:
                return
            mode = args[1] if isinstance(args[1], str) else ("w" if isinstance(args[2], int) and args[2] & 3 else "r")
            line = f"open\t{mode}\t{_os.path.abspath(_os.fsdecode(args[0]))}\n"
        _busy.append(1)
        try:
            with open(_path, "a", encoding="utf-8") as fh:
                fh.write(line)
        finally:
            _busy.pop()

    _trace("import", ("analysis",))
    sys.addaudithook(_trace)
