"""The notebook runner: execute one notebook with papermill, reproducibly and atomically.

Why a wrapper and not the papermill CLI:

* **Fail before a kernel starts.** Unknown parameter names and bad values are rejected
  against :mod:`analysis.params` (papermill itself only warns), with exit status 2.
* **One working directory.** The kernel runs in the folder of the executed notebook, which is
  where nbval runs it too, so relative paths mean the same thing in both.
* **Byte-reproducible output.** Timings, papermill's paths, kernel patch versions and the
  random id of the injected-parameters cell are removed or fixed, so an unchanged tree
  rebuilds to identical bytes.
* **Atomic.** The executed notebook and its HTML rendering are written to ``.part`` files
  and renamed into place only after the whole notebook succeeded: a failed or interrupted
  run leaves the previous outputs untouched.
* **Kernel starts can fail** (port races under ``make -j``): the start is retried once.

Sources are jupytext "percent" scripts in ``notebooks/src/`` (diff-friendly, reviewable);
executed notebooks in ``notebooks/`` are the committed, rendered artefacts.

Usage::

    python -m analysis.runner notebooks/src/01_clean.py notebooks/01_clean.ipynb \
        --params build/params/01_clean.yml --html reports/01_clean.html
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from analysis import params as P
from analysis import paths

KERNEL_DISPLAY = {"name": "suanli", "display_name": "Python (suanli)", "language": "python"}


class RunnerError(RuntimeError):
    """The notebook could not be run; the message says which notebook and why."""


def notebook_name(source: Path) -> str:
    return Path(source).stem


def load_source(source: Path):
    import jupytext
    import nbformat

    source = Path(source)
    if source.suffix == ".py":
        nb = jupytext.read(source, fmt="py:percent")
    else:
        nb = nbformat.read(source, as_version=4)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = dict(KERNEL_DISPLAY)
    return nb


def declared_parameters(nb) -> set[str]:
    """Names assigned in the cell tagged ``parameters``."""
    import ast

    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            names = set()
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
                elif isinstance(node, ast.Assign):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            return names
    return set()


def normalise(nb) -> None:
    """Strip volatile metadata in place (timings, paths, versions, random cell ids)."""
    nb.metadata.pop("papermill", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    nb.metadata["kernelspec"] = dict(KERNEL_DISPLAY)
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        cell.id = f"cell-{i:02d}"
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"


def render_html(nb, name: str) -> str:
    """Render an executed notebook to a self-contained HTML page (no network requests)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="suanli",
                            extra_template_basedirs=[str(Path(__file__).parent / "templates")])
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    return body


def execute(source: Path, output: Path, parameters: dict | None = None, html: Path | None = None,
            kernel_name: str | None = None, retries: int = 1) -> None:
    """Execute ``source`` into ``output`` (and ``html``); raise RunnerError or ParameterError."""
    source, output = Path(source), Path(output)
    name = notebook_name(source)
    values = P.check(name, dict(parameters or {}))  # unknown names / bad values: fail before any heavy import
    if not source.exists():
        raise RunnerError(f"{paths.rel(source)}: no such notebook source")

    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from analysis.atomic import write_text

    nb = load_source(source)
    declared = declared_parameters(nb)
    if declared != set(P.known(name)):
        raise RunnerError(f"{paths.rel(source)}: the parameters cell declares {sorted(declared)} but "
                          f"analysis/params.py declares {sorted(P.known(name))}; keep them in step")
    kernel = kernel_name or os.environ.get("SUANLI_KERNEL", "python3")
    # The kernel must import `analysis` whatever its working directory.
    root = str(paths.ROOT.resolve())
    if root not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    output.parent.mkdir(parents=True, exist_ok=True)
    attempt = 0
    while True:
        try:
            executed = pm.execute_notebook(
                nb, None, parameters=values, kernel_name=kernel, cwd=str(output.parent),
                progress_bar=False, log_output=False, record_timing=False, start_timeout=60)
            break
        except PapermillExecutionError as err:
            raise RunnerError(f"{paths.rel(source)}: cell {err.exec_count} raised {err.ename}: {err.evalue}") from None
        except Exception as err:  # kernel could not start (no such kernel, port race, timeout)
            if attempt >= retries:
                raise RunnerError(
                    f"{paths.rel(source)}: the kernel '{kernel}' could not be started after "
                    f"{attempt + 1} attempts ({type(err).__name__}: {err}). Check that the environment "
                    f"is built (make env) and that the kernel name is right.") from None
            attempt += 1
            print(f"runner: kernel start failed ({type(err).__name__}); retrying once", file=sys.stderr)
            time.sleep(1)
    normalise(executed)
    nbformat.validate(executed)
    text = nbformat.writes(executed) + "\n"
    page = render_html(executed, name) if html else None
    if html:  # the page first: the notebook is the make target, so it is written last
        write_text(Path(html), page, touch=True)
    write_text(output, text, touch=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.runner", description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--params", type=Path, help="YAML file of parameters")
    ap.add_argument("--html", type=Path, help="also render the executed notebook to this HTML file")
    ap.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                    help="a parameter (repeatable)")
    args = ap.parse_args(argv)
    try:
        values = P.read(args.params) if args.params else {}
        values.update(dict(args.p))
        execute(args.source, args.output, values, args.html)
    except P.ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RunnerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"runner: wrote {paths.rel(args.output)}" + (f" and {paths.rel(args.html)}" if args.html else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
