"""The two layers stay apart: the science (``analysis/*.py``) does not import the build
machinery (``analysis/build/``), except the two leaf modules it needs.

The build may import the science (the registry runs it, the index page quotes its findings).
The science may import from the build only :data:`ALLOWED`: :mod:`analysis.build.paths` (the
one source of truth for locations, shared by both layers) and :mod:`analysis.build.atomic`
(atomic, staged writes, which make a step all-or-nothing). Both are leaves, importing nothing
from the package, so they cannot pull the rest of the machinery in behind them.

Imports are read with :mod:`ast` at every depth (a lazy import inside a function counts), in
every form (``import a.b``, ``from a import b``, relative imports, ``importlib.import_module``
or ``__import__`` with a literal name); a violation names the file, the line and the module.
A second check imports every science module in a fresh interpreter and looks at what was
loaded, which catches whatever the reading misses.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUILD = "analysis.build"
ALLOWED = frozenset({"analysis.build.paths", "analysis.build.atomic"})


def science_modules() -> list[Path]:
    return sorted((REPO / "analysis").glob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(source: str, module: str, filename: str) -> list[str]:
    """One message per import of the build machinery that the science is not allowed."""
    out = []
    for line, name in imports(source, module):
        if _within(name, BUILD) and not any(_within(name, ok) for ok in ALLOWED):
            out.append(f"{filename}:{line}: science module {module} imports {name}; the science may import "
                       f"only {', '.join(sorted(ALLOWED))} from the build (see analysis/build/__init__.py)")
    return out


# ----------------------------------------------------------------------------- the real package

def test_the_science_imports_no_build_machinery_but_paths_and_atomic_writes():
    modules = science_modules()
    assert {m.stem for m in modules} >= {"sources", "cleaning", "audit", "assembly", "forecasting", "charts", "package"}
    found = []
    for path in modules:
        found += violations(path.read_text(encoding="utf-8"), module_name(path), path.relative_to(REPO).as_posix())
    assert found == [], "\n".join(found)


def test_the_allowed_build_modules_are_leaves():
    """paths and atomic import nothing from the package: allowing them allows nothing else."""
    for name in sorted(ALLOWED):
        path = REPO / (name.replace(".", "/") + ".py")
        inside = [(line, n) for line, n in imports(path.read_text(encoding="utf-8"), name) if _within(n, "analysis")]
        assert inside == [], f"{path.relative_to(REPO)} imports {inside}: an allowed module must be a leaf"


def test_the_build_machinery_lives_in_analysis_build():
    moved = {"steps", "runner", "params", "atomic", "report", "runs", "lab", "notebook", "paths"}
    assert {p.stem for p in (REPO / "analysis" / "build").glob("*.py")} >= moved
    assert not moved & {p.stem for p in science_modules()}


def test_importing_every_science_module_loads_no_other_build_module():
    names = [module_name(p) for p in science_modules()]
    code = ("import importlib, json, sys\n"
            f"for name in {names!r}:\n    importlib.import_module(name)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m == 'analysis.build' or m.startswith('analysis.build.'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "0",
                               "SUANLI_ROOT": str(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert loaded <= ALLOWED | {BUILD}, sorted(loaded - ALLOWED - {BUILD})


# ----------------------------------------------------------------------------- the check can fail

@pytest.mark.parametrize("source, line, name", [
    ("from analysis.build import steps\n", 1, "analysis.build.steps"),
    ("from analysis.build.runner import execute\n", 1, "analysis.build.runner.execute"),
    ("import analysis.build.report\n", 1, "analysis.build.report"),
    ("import analysis.build\n", 1, "analysis.build"),
    ("from analysis import build\n", 1, "analysis.build"),
    ("from analysis.build import *\n", 1, "analysis.build.*"),
    ("from . import build\n", 1, "analysis.build"),
    ("from .build import params\n", 1, "analysis.build.params"),
    ("from .build.steps import STEPS\n", 1, "analysis.build.steps.STEPS"),
    ("import pandas\n\n\ndef f():\n    from analysis.build import runs\n", 5, "analysis.build.runs"),
    ("from analysis.build import paths, notebook\n", 1, "analysis.build.notebook"),
    ("import importlib\nimportlib.import_module('analysis.build.steps')\n", 2, "analysis.build.steps"),
    ("__import__('analysis.build.lab')\n", 1, "analysis.build.lab"),
])
def test_a_science_module_importing_the_build_fails_naming_file_line_and_module(source, line, name):
    found = violations(source, "analysis.example", "analysis/example.py")
    assert len(found) == 1
    assert found[0].startswith(f"analysis/example.py:{line}: science module analysis.example imports {name};")


@pytest.mark.parametrize("source", [
    "from analysis.build import paths\n",
    "from analysis.build.atomic import write_text\n",
    "import analysis.build.paths\n",
    "from .build.paths import RAW\n",
    "from .build import atomic\n",
    "from analysis import domain, sources\n",
    "import analysis.buildings\n",  # a name that only starts like the build package
    "from analysis import builder\n",
])
def test_allowed_and_science_imports_pass(source):
    assert violations(source, "analysis.example", "analysis/example.py") == []
