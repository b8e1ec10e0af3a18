"""Issue 29's drill for N1 and N2, run exactly as the review ran them, in scratch clones (hard
links of the tracked files and of the built outputs, and this checkout's .venv linked: a second
or two each, no build). Nothing may be deleted or written, in the clone the command runs in or in
another one, whatever options or environment the command is given.

N1: ``python -m analysis.pipeline check --vars DIR`` deleted DIR (``data``: data/raw; ``.``: the
whole clone), also as ``--v=DIR``. N2: ``SUANLI_ROOT=<clone B> make clean`` (or ``distclean``, or
``forecast``) run in clone A deleted or wrote B's files."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, clean_env, compile_code

pytestmark = pytest.mark.integration

#: Top-level entries a scratch clone holds (the tracked tree and the built outputs), as hard links.
ENTRIES = ("Makefile", "analysis", "data", "notebooks", "figures", "reports", "jupyter", "fonts", "scripts",
           "requirements.txt", "requirements.in", "pyproject.toml", "README.md")


def scratch(where: Path, state: bool = False) -> Path:
    """A clone of this checkout made of hard links (files), so making it costs no copy; .venv and
    a runs/ folder with one run-like entry are there to be deleted if anything goes wrong. With
    ``state``, a copy of build/state/ too (so the clone is as up to date as this checkout). The
    build writes by renaming (analysis/base/atomic.py), which never changes a linked file."""
    where.mkdir(parents=True)
    if state and (REPO / "build" / "state").is_dir():
        import shutil

        shutil.copytree(REPO / "build" / "state", where / "build" / "state")
    for name in ENTRIES:
        src = REPO / name
        if src.is_dir():
            for d, dirs, files in os.walk(src):
                dirs[:] = [x for x in dirs if x != "__pycache__"]
                rel = Path(d).relative_to(REPO)
                (where / rel).mkdir(parents=True, exist_ok=True)
                for f in files:
                    os.link(Path(d) / f, where / rel / f)
        elif src.exists():
            os.link(src, where / name)
    (where / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    (where / "runs" / "kept").mkdir(parents=True)
    (where / "runs" / "kept" / "params.yaml").write_text("run_name: kept\n")
    (where / ".git").mkdir()  # a stand-in: `check --vars .` emptied .git too
    (where / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    compile_code(where)  # its own bytecode (new files, never written through a link)
    return where


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and link under ``root`` (the linked .venv not followed): its inode and size."""
    out = {}
    for d, dirs, files in os.walk(root):
        for f in files + [x for x in dirs if (Path(d) / x).is_symlink()]:
            p = Path(d) / f
            st = p.lstat()
            out[p.relative_to(root).as_posix()] = (st.st_ino, st.st_size)
    return out


def python(clone: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(clone / ".venv" / "bin" / "python"), "-m", "analysis.pipeline", *args], cwd=clone,
                          env=clean_env(PYTHONPATH=str(clone), PYTHONHASHSEED="0", **env),
                          capture_output=True, text=True, timeout=60)


def make(clone: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=clone, env=clean_env(**env),
                          capture_output=True, text=True, timeout=120)


def _one_line(result, status=2) -> bool:
    lines = [x for x in (result.stderr + result.stdout).strip().splitlines() if x.strip()]
    return result.returncode == status and len(lines) == 1 and "error" in lines[0]


@pytest.fixture
def clones(tmp_path):
    if not (REPO / ".venv" / "bin" / "python").exists():
        pytest.skip("needs this checkout's .venv (make env)")
    return scratch(tmp_path / "a" / "suanli"), scratch(tmp_path / "b" / "suanli")


def test_n1_options_of_the_entry_point_delete_nothing(clones, tmp_path):
    a, b = clones
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "mine.txt").write_text("mine\n")
    before_a, before_b, before_out = snapshot(a), snapshot(b), snapshot(outside)
    commands = [
        ["check", "--vars", str(outside)],  # the review's four
        ["check", "--vars", "data"],
        ["check", "--vars", "."],
        ["check", f"--v={outside}"],
        ["check", "--v=data"], ["check", "--va", "."], ["check", "--vars=data/raw"], ["check", "--vars", "build"],
        ["check", "--vars", "build/vars/../../data"], ["check", "--vars", str(b / "data")], ["check", "--x=1"],
        ["check", "--vars", "build/vars/1"],  # make's pattern, but make wrote no such folder
        ["distclean", "--venv", "data"], ["distclean", "--ven=data"], ["distclean", "--venv", "."],
        ["distclean", f"--venv={outside}"], ["env", "--venv", "analysis"], ["env", "--venv", "runs"],
        ["readme-table", "--wr"], ["plan", "--q"], ["run", "--vars", "data"],
    ]
    failures = []
    for cmd in commands:
        result = python(a, *cmd)
        if not _one_line(result):
            failures.append((cmd, result.returncode, result.stdout[-300:], result.stderr[-300:]))
    assert failures == []
    assert snapshot(a) == before_a and snapshot(b) == before_b and snapshot(outside) == before_out


@pytest.mark.parametrize("goal", ["clean", "distclean", "forecast"])
def test_n2_suanli_root_in_the_environment_touches_no_other_clone(clones, goal):
    a, b = clones
    before_a, before_b = snapshot(a), snapshot(b)
    args = [goal] + (["RUN=drill"] if goal == "forecast" else [])
    by_make = make(a, *args, SUANLI_ROOT=str(b))
    assert _one_line(by_make) and "SUANLI_ROOT is set in the environment" in by_make.stderr, by_make.stderr
    direct = python(a, *(["distclean", "--venv", ".venv"] if goal == "distclean" else args), SUANLI_ROOT=str(b))
    assert _one_line(direct) and "SUANLI_ROOT is set in the environment" in direct.stderr, direct.stderr
    assert snapshot(b) == before_b and snapshot(a) == before_a


@pytest.mark.parametrize("name", ["SUANLI_OUTPUTS", "SUANLI_CACHE", "SUANLI_STAGE", "SUANLI_STAGE_OWNER"])
def test_n2_other_internal_variables_in_the_environment_are_refused(clones, name):
    a, b = clones
    before_a = snapshot(a)
    value = {"SUANLI_OUTPUTS": "kept", "SUANLI_CACHE": str(b / "data"), "SUANLI_STAGE": str(b / "x"),
             "SUANLI_STAGE_OWNER": "1"}[name]
    for result in (make(a, "clean", **{name: value}), python(a, "clean", **{name: value})):
        assert _one_line(result) and f"unset {name}" in result.stderr, result.stderr
    bad = python(a, "clean", SUANLI_OUTPUTS="../../b")  # not even a run name: refused before any import runs
    assert _one_line(bad), bad.stderr
    assert snapshot(a) == before_a


def test_make_clean_in_the_clone_itself_still_cleans_it(clones):
    """The refusals are not all there is: the same command without the variable does its job, in A only."""
    a, b = clones
    before_b = snapshot(b)
    done = make(a, "clean", SUANLI_ROOT=str(a))  # the clone's own root is no other folder
    assert done.returncode == 0, done.stderr
    assert not (a / "data" / "processed").exists() and (a / "data" / "raw").is_dir()
    assert (a / "runs" / "kept" / "params.yaml").is_file() and snapshot(b) == before_b


def test_make_n_after_make_clean_writes_nothing(clones):
    a, _ = clones
    assert make(a, "clean").returncode == 0
    before = snapshot(a)
    for args in (["-n"], ["-n", "all"], ["-q", "all"], ["-n", "forecast", "RUN=x"]):
        result = make(a, *args)
        assert result.returncode in (0, 1), (args, result.stderr[-500:])
        assert snapshot(a) == before, args
    assert not (a / "build").exists()


@pytest.mark.parametrize("lab_args", ["--config=x.py", "--ServerApp.browser=touch {c} %s", "--ip=0.0.0.0",
                                      "--ip=0.0.0.0 --IdentityProvider.token=", "--no-browser --config x.py"])
def test_n6_lab_args_that_run_code_or_open_the_server_stop_make_lab_in_one_line(clones, tmp_path, lab_args):
    a, _ = clones
    canary = tmp_path / "canary"
    before = snapshot(a)
    for result in (make(a, "lab", f"LAB_ARGS={lab_args.format(c=canary)}"),
                   python(a, "lab", f"LAB_ARGS={lab_args.format(c=canary)}")):
        assert _one_line(result), (result.returncode, result.stderr[-500:])
        assert "LAB_ARGS: " in result.stderr
    assert not canary.exists() and snapshot(a) == before
