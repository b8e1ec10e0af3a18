"""`make` with a Python outside 3.11 to 3.13 stops before any work, with one line that names the
Python it found, the supported range and how to point make at a supported Python; a Python
inside the range passes the gate."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


def _make(repo, *args):
    """Run make in the repository as a user would (not as a sub-make of `make test`, and without the
    tests' SUANLI_ROOT, which make refuses in the environment)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "SUANLI_ROOT")}
    return subprocess.run(["make", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60)


def _fake_python(tmp_path, version: str):
    path = tmp_path / f"python{version}"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("version", ["3.10", "3.14", "2.7"])
@pytest.mark.parametrize("variable", ["PYTHON", "BASE_PYTHON"])
def test_make_stops_with_one_line_on_a_python_outside_the_range(repo, tmp_path, variable, version):
    fake = _fake_python(tmp_path, version)
    extra = ["VENV=.no-venv-for-this-test"] if variable == "BASE_PYTHON" else []  # -n: nothing is created
    r = _make(repo, "-n", "all", f"{variable}={fake}", *extra)
    assert r.returncode == 2
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and r.stdout.strip() == "", (r.stdout, r.stderr)
    assert "needs Python 3.11 to 3.13" in lines[0] and f"{fake} is Python {version}" in lines[0], lines[0]
    assert "BASE_PYTHON=python3.13" in lines[0]


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
def test_a_python_inside_the_range_passes_the_gate(repo, tmp_path, version):
    # The fake answers every command with its version, so make stops later (at the parameter
    # check, which it asks the same fake): what matters is that the version gate let it through.
    r = _make(repo, "-n", "all", f"PYTHON={_fake_python(tmp_path, version)}")
    assert "needs Python" not in r.stderr and version in r.stderr, r.stderr


def test_make_names_a_missing_python(repo, tmp_path):
    r = _make(repo, "-n", "all", "VENV=.no-venv-for-this-test", f"BASE_PYTHON={tmp_path / 'nothing-here'}")
    assert r.returncode == 2 and "is not a working Python" in r.stderr and "BASE_PYTHON=python3.13" in r.stderr


def test_help_works_whatever_the_python(repo, tmp_path):
    r = _make(repo, "help", f"PYTHON={_fake_python(tmp_path, '3.10')}")
    assert r.returncode == 0 and "usage: make" in r.stdout


@pytest.mark.parametrize("variable", ["PYTHON", "BASE_PYTHON", "VENV"])
@pytest.mark.parametrize("how", ["command line", "environment"])
@pytest.mark.parametrize("template", ["x;touch {c}", "`touch {c}`", "$(shell touch {c})", "x\ntouch {c}",
                                      "a b", "x' && touch '{c}", ""])
def test_a_python_or_venv_that_is_not_a_plain_path_runs_nothing(repo, tmp_path, variable, how, template):
    canary = tmp_path / "canary"
    value = template.format(c=canary)
    if how == "command line":
        r = _make(repo, "-n", "all", f"{variable}={value}")
    else:
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "SUANLI_ROOT")}
        env[variable] = value
        r = subprocess.run(["make", "-n", "all"], cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert not canary.exists()
    if how == "environment" and variable == "VENV":
        assert r.returncode == 0  # the Makefile sets VENV itself: an environment value is never used
        return
    if value == "" and how == "environment":
        assert r.returncode == 0 or "must be a plain path" in r.stderr  # an empty environment value is the default
        return
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"{variable} must be a plain path" in lines[0], r.stderr


@pytest.mark.parametrize("venv", ["..", ".", "/root", "../elsewhere", "a/b"])
@pytest.mark.parametrize("goal", ["all", "distclean"])
def test_venv_is_one_folder_inside_the_repository(repo, venv, goal):
    r = _make(repo, "-n", goal, f"VENV={venv}")
    assert r.returncode == 2 and "VENV must be one folder name inside the repository" in r.stderr
    assert "rm -rf" not in r.stdout
