"""The package has three layers, and its imports run one way only, with no cycle.

* ``analysis/base/`` (paths, atomic writes): leaves below both layers; they import nothing from
  ``analysis``.
* ``analysis/*.py``, the science: it imports the base and other science, never the pipeline.
* ``analysis/pipeline/``: it may import the science and the base.

Imports are read with :mod:`ast` at every depth (a lazy import inside a function counts), in
every form (``import a.b``, ``from a import b``, relative imports, ``importlib.import_module``
or ``__import__`` with a literal name); a violation names the file, the line and the module. The
same reading gives the module graph, which must have no cycle. A last check imports every
science module in a fresh interpreter and looks at what was loaded, which catches whatever the
reading misses.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "analysis"
BASE = "analysis.base"
PIPELINE = "analysis.pipeline"


def module_name(path: Path, root: Path = REPO) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_sources(root: Path = REPO) -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(p, root): p for p in sorted((root / PACKAGE).rglob("*.py"))}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer(module: str) -> str:
    if _within(module, BASE):
        return "base"
    if _within(module, PIPELINE):
        return "pipeline"
    return "science"


def imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, dotted name) of everything ``source`` imports, as absolute names.

    ``from a import b`` yields ``a.b`` (a submodule or an attribute of ``a``: either way it
    lies inside ``a``); a relative import is resolved against ``module``."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ("import_module", "__import__"):
                found.append((node.lineno, node.args[0].value))
    return found


def resolve(name: str, modules: set[str]) -> str | None:
    """The package module an imported name lies in (``analysis.base.atomic.write_text`` →
    ``analysis.base.atomic``), or None for a name outside the package."""
    if not _within(name, PACKAGE):
        return None
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in modules:
            return candidate
    return PACKAGE


def graph(sources: dict[str, str], packages: set[str]) -> dict[str, list[tuple[int, str]]]:
    """module → [(line, imported package module)], from the sources' text."""
    modules = set(sources)
    out: dict[str, list[tuple[int, str]]] = {}
    for module, text in sources.items():
        edges = []
        for line, name in imports(text, module, module in packages):
            target = resolve(name, modules)
            if target is not None and target != module:
                edges.append((line, target))
        out[module] = edges
    return out


def violations(sources: dict[str, str], packages: set[str] = frozenset(),
               files: dict[str, str] | None = None) -> list[str]:
    """One message per import that runs against the layers."""
    files = files or {m: m.replace(".", "/") + ".py" for m in sources}
    out = []
    for module, edges in graph(sources, packages).items():
        for line, target in edges:
            here, there = layer(module), layer(target)
            if here == "base" and not _within(target, BASE):
                rule = "the base imports nothing from the package but itself"
            elif here == "science" and there == "pipeline":
                rule = "the science never imports the pipeline"
            else:
                continue
            out.append(f"{files[module]}:{line}: {module} imports {target}; {rule} (see analysis/base/__init__.py)")
    return out


def cycles(sources: dict[str, str], packages: set[str] = frozenset()) -> list[list[str]]:
    """Every import cycle (each as the modules along it, the first repeated at the end)."""
    edges = {m: sorted({t for _, t in e}) for m, e in graph(sources, packages).items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def strongconnect(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, []):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component) + [sorted(component)[0]])

    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    return found


def _read(root: Path = REPO) -> tuple[dict[str, str], set[str], dict[str, str]]:
    found = package_sources(root)
    sources = {m: p.read_text(encoding="utf-8") for m, p in found.items()}
    packages = {m for m, p in found.items() if p.name == "__init__.py"}
    return sources, packages, {m: p.relative_to(root).as_posix() for m, p in found.items()}


# ----------------------------------------------------------------------------- the real package

def test_the_three_layers_are_where_the_layout_says():
    sources, _, _ = _read()
    by_layer = {}
    for m in sources:
        by_layer.setdefault(layer(m), set()).add(m.rsplit(".", 1)[-1])
    assert by_layer["base"] >= {"base", "paths", "atomic"}
    assert by_layer["pipeline"] >= {"pipeline", "registry", "engine", "cli", "runner", "params", "report", "runs",
                                    "lab", "notebook"}
    assert by_layer["science"] >= {"sources", "cleaning", "audit", "assembly", "forecasting", "scoring", "charts",
                                   "package", "domain", "figure_cache"}
    # the drawing package: machinery, the shared style and one module per family of figures, all science
    charts = {m for m in sources if m.startswith("analysis.charts.")}
    assert charts >= {f"analysis.charts.{m}" for m in ("machinery", "style", "forecasts", "record", "context",
                                                       "rankings", "claims")}
    assert {layer(m) for m in charts} == {"science"}


def test_every_import_runs_down_the_layers():
    sources, packages, files = _read()
    found = violations(sources, packages, files)
    assert found == [], "\n".join(found)


def test_the_package_has_no_import_cycle():
    sources, packages, _ = _read()
    found = cycles(sources, packages)
    assert found == [], "import cycles: " + "; ".join(" → ".join(c) for c in found)


def test_no_folder_in_the_repository_is_named_build():
    """Tools treat a folder named build as output (pytest, .gitignore templates, coverage); the only
    one is the ignored top-level state folder, which git does not track."""
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    named_build = sorted({"/".join(Path(f).parts[:i + 1]) for f in tracked.splitlines()
                          for i, part in enumerate(Path(f).parts[:-1]) if part == "build"})
    assert named_build == []


def test_importing_every_science_module_loads_no_pipeline_module():
    sources, _, _ = _read()
    names = sorted(m for m in sources if layer(m) == "science")
    code = ("import importlib, json, sys\n"
            f"for name in {names!r}:\n    importlib.import_module(name)\n"
            f"print(json.dumps(sorted(m for m in sys.modules if m == {PIPELINE!r} or m.startswith({PIPELINE + '.'!r}))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "0",
                               "SUANLI_ROOT": str(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []


# ----------------------------------------------------------------------------- the checks can fail

def _package(**modules: str) -> dict[str, str]:
    """A small package: module name → source."""
    base = {"analysis": "", "analysis.base": "", "analysis.base.paths": "", "analysis.pipeline": "",
            "analysis.pipeline.engine": "", "analysis.pipeline.report": "", "analysis.sources": "",
            "analysis.charts": "", "analysis.figure_cache": ""}
    base.update(modules)
    return base


PACKAGES = {"analysis", "analysis.base", "analysis.pipeline"}


@pytest.mark.parametrize("module, source, line, target", [
    ("analysis.sources", "from analysis.pipeline import engine\n", 1, "analysis.pipeline.engine"),
    ("analysis.sources", "from analysis.pipeline.engine import run_step\n", 1, "analysis.pipeline.engine"),
    ("analysis.sources", "import analysis.pipeline.report\n", 1, "analysis.pipeline.report"),
    ("analysis.sources", "import analysis.pipeline\n", 1, "analysis.pipeline"),
    ("analysis.sources", "from analysis import pipeline\n", 1, "analysis.pipeline"),
    ("analysis.sources", "from analysis.pipeline import *\n", 1, "analysis.pipeline"),
    ("analysis.sources", "from . import pipeline\n", 1, "analysis.pipeline"),
    ("analysis.sources", "from .pipeline.engine import STEPS\n", 1, "analysis.pipeline.engine"),
    ("analysis.sources", "import pandas\n\n\ndef f():\n    from analysis.pipeline import report\n", 5,
     "analysis.pipeline.report"),
    ("analysis.sources", "import importlib\nimportlib.import_module('analysis.pipeline.engine')\n", 2,
     "analysis.pipeline.engine"),
    ("analysis.sources", "__import__('analysis.pipeline.report')\n", 1, "analysis.pipeline.report"),
    ("analysis.base.paths", "from analysis import sources\n", 1, "analysis.sources"),
    ("analysis.base.paths", "def f():\n    from analysis.pipeline import engine\n", 2, "analysis.pipeline.engine"),
    ("analysis.base.paths", "from .. import charts\n", 1, "analysis.charts"),
])
def test_an_import_against_the_layers_fails_naming_file_line_and_module(module, source, line, target):
    found = violations(_package(**{module: source}), PACKAGES)
    assert len(found) == 1, found
    assert found[0].startswith(f"{module.replace('.', '/')}.py:{line}: {module} imports {target};")


@pytest.mark.parametrize("module, source", [
    ("analysis.sources", "from analysis.base import paths\n"),
    ("analysis.sources", "from analysis.base.paths import RAW\n"),
    ("analysis.sources", "from .base import paths\n"),
    ("analysis.sources", "from analysis import charts, figure_cache\n"),
    ("analysis.sources", "import analysis.pipelineings\n"),  # a name that only starts like the pipeline
    ("analysis.pipeline.engine", "from analysis import sources\nfrom analysis.base import paths\n"),
    ("analysis.pipeline.report", "from analysis.pipeline import engine\n"),
])
def test_imports_down_the_layers_pass(module, source):
    assert violations(_package(**{module: source}), PACKAGES) == []


@pytest.mark.parametrize("modules, cycle", [
    ({"analysis.charts": "def f():\n    from analysis import figure_cache\n",
      "analysis.figure_cache": "from analysis import charts\n"},
     ["analysis.charts", "analysis.figure_cache", "analysis.charts"]),
    ({"analysis.pipeline.engine": "def f():\n    from analysis.pipeline import report\n",
      "analysis.pipeline.report": "from analysis.pipeline import engine\n"},
     ["analysis.pipeline.engine", "analysis.pipeline.report", "analysis.pipeline.engine"]),
    ({"analysis.sources": "from analysis.charts import X\n", "analysis.charts": "import analysis.figure_cache\n",
      "analysis.figure_cache": "from . import sources\n"},
     ["analysis.charts", "analysis.figure_cache", "analysis.sources", "analysis.charts"]),
])
def test_an_import_cycle_is_found_even_through_a_lazy_import(modules, cycle):
    assert cycles(_package(**modules), PACKAGES) == [cycle]


def test_a_package_without_cycles_passes():
    assert cycles(_package(**{"analysis.charts": "from analysis import figure_cache\n",
                              "analysis.pipeline.report": "from analysis import charts\n"}), PACKAGES) == []
