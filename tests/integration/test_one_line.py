"""Issue 22's drills: what used to end in a traceback ends in one line naming a repository path
(through make, where make adds its own "make: *** … Error" line; through the Python entry point,
exactly one line); a hung cell stops at the cell timeout; `make clean` and `make distclean` delete
only what the project made. That a restored figure is drawn afresh, never copied from a poisoned
figure cache, is drilled by test_build_graph.py's hand-edited outputs (one build restores a table,
a notebook and a figure; until issue 31 a rerun of 04_context_figures here).

That a stopped build leaves no private folder behind (SIGTERM, SIGINT, SIGKILL) was drilled here
by three builds of its own until issue 31; the interruption trials of test_interrupts.py now
assert it of every build they stop (each signal, under make -j1 and -j2)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from .conftest import clean_env

pytestmark = pytest.mark.integration


def _python(comp) -> str:
    venv = comp.root / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _pipeline(comp, *args, env=None, timeout=600):
    return subprocess.run([_python(comp), "-m", "analysis.pipeline", *args], cwd=comp.root,
                          env=env or clean_env(PYTHONPATH=str(comp.root), PYTHONHASHSEED="0"),
                          capture_output=True, text=True, timeout=timeout)


def _errors(result) -> list[str]:
    """The pipeline's own lines on stderr (make's "make: ***" line set aside)."""
    return [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("make: ***")]


def _unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_unshare = pytest.mark.skipif(not _unshare_works(), reason="needs unshare -m (mount namespaces)")


# ----------------------------------------------------------------------------- one line

@pytest.mark.parametrize("cell, expected", [
    ("x" * 2_000_000, r"line \d+: not a readable CSV row"),
    ("=HYPERLINK(\"http://example.invalid\",\"x\")", r"column 'note': begins like a spreadsheet formula"),
    ("a\x00b", r"column 'note': holds the control or invisible character \\x00"),
])
def test_bad_raw_cells_stop_make_all_in_one_line(compendium, cell, expected):
    import csv
    import io
    import re

    raw = compendium.root / "data" / "raw" / "article_figures.csv"
    rows = list(csv.reader(io.StringIO(raw.read_text(encoding="utf-8"), newline="")))
    rows[2][rows[0].index("note")] = cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    raw.write_text(out.getvalue(), encoding="utf-8")
    result = compendium.make("all")
    assert result.returncode != 0
    errors = _errors(result)
    assert len(errors) == 1 and errors[0].startswith("error: bad raw data: data/raw/article_figures.csv: line ")
    assert re.search(expected, errors[0]) and str(compendium.root) not in result.stderr
    assert compendium.outputs() == compendium.reference and compendium.temporaries() == []


def test_lab_args_that_do_not_parse_stop_make_in_one_line(compendium):
    result = compendium.make("-n", "lab", 'LAB_ARGS="')
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "LAB_ARGS: got '\"', which is not a list of options" in result.stderr


@needs_unshare
def test_a_read_only_runs_folder_is_one_line(compendium):
    root = compendium.root
    (root / "runs").mkdir()
    script = ("mount --bind runs runs && mount -o remount,bind,ro runs && "
              f"{_python(compendium)} -m analysis.pipeline forecast RUN=ro > build/ro.out 2> build/ro.err; "
              "echo $? > build/ro.rc")
    subprocess.run(["unshare", "-m", "bash", "-c", script], cwd=root, timeout=300,
                   env=clean_env(PYTHONPATH=str(root), PYTHONHASHSEED="0"))
    err = (root / "build" / "ro.err").read_text()
    assert (root / "build" / "ro.rc").read_text().strip() == "1"
    assert err.splitlines() == ["error: runs/.ro.lock: Read-only file system"], err
    assert compendium.outputs() == compendium.reference


@needs_unshare
def test_a_full_disk_under_notebooks_is_one_line(compendium):
    root = compendium.root
    notebooks = root / "notebooks"
    used = sum(f.stat().st_size for f in notebooks.rglob("*") if f.is_file())
    (root / "build" / "state" / "01_clean.json").unlink()  # 01 must run, and write its notebook
    shutil.copytree(notebooks, root / "build" / "notebooks.saved")
    script = f"""
mount -t tmpfs -o size={used // 1024 + 2048}k tmpfs notebooks
cp -a build/notebooks.saved/. notebooks/
head -c $(( $(df --output=avail -B1 notebooks | tail -1) - 16384 )) /dev/zero > notebooks/.filler 2>/dev/null
{_python(compendium)} -m analysis.pipeline run 01_clean > build/full.out 2> build/full.err
echo $? > build/full.rc
ls -a notebooks | grep -c '\\.part$' > build/full.parts || true
rm -f notebooks/.filler
for f in notebooks/*.ipynb; do sha256sum "$f"; done > build/full.sums
"""
    subprocess.run(["unshare", "-m", "bash", "-c", script], cwd=root, timeout=600,
                   env=clean_env(PYTHONPATH=str(root), PYTHONHASHSEED="0"))
    err = (root / "build" / "full.err").read_text()
    assert (root / "build" / "full.rc").read_text().strip() == "1", err[-2000:]
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: notebooks/") and "No space left on device" in lines[0], err
    assert (root / "build" / "full.parts").read_text().strip() == "0"
    sums = dict(reversed(line.split("  ", 1)) for line in (root / "build" / "full.sums").read_text().splitlines())
    assert all(compendium.reference[rel] == digest for rel, digest in sums.items())
    assert compendium.outputs() == compendium.reference


# ----------------------------------------------------------------------------- a hung cell

def test_a_hung_cell_stops_at_the_cell_timeout(compendium):
    """A cell that never ends, as the first cell of the cheapest step (01_clean), under a 2-second
    cell timeout: only that cell runs, so no other cell can be what times out on a busy machine,
    and the drill waits 2 seconds, not the 10 it waited at the end of 04_context_figures."""
    src = compendium.root / "notebooks" / "src" / "01_clean.py"
    text = src.read_text()
    first = text.index("# %%", 1)  # the first cell after the title's markdown: the hang goes before it
    src.write_text(text[:first] + "# %%\nimport time\ntime.sleep(120)\n\n" + text[first:])
    t0 = time.monotonic()
    result = compendium.make("all", "CELL_TIMEOUT=2")
    assert result.returncode != 0 and time.monotonic() - t0 < 110
    errors = _errors(result)
    assert len(errors) == 1 and "notebooks/src/01_clean.py: cell 1 " in errors[0], errors
    assert "ran longer than the cell timeout (2 s); set CELL_TIMEOUT=seconds to allow more" in errors[0]
    assert compendium.outputs() == compendium.reference and compendium.temporaries() == []


# ----------------------------------------------------------------------------- deleting only what the project made

@pytest.mark.parametrize("goal, venv", [("distclean", ".git"), ("distclean", "data"), ("distclean", "analysis"),
                                        ("env", "analysis"), ("env", "data"), ("all", "notebooks")])
def test_the_environment_is_built_and_deleted_only_as_a_virtual_environment(compendium, goal, venv):
    root = compendium.root
    (root / ".git" / "objects").mkdir(parents=True, exist_ok=True)
    (root / ".git" / "objects" / "pack.part").write_text("not ours")
    before = {p.relative_to(root).as_posix() for p in root.rglob("*") if ".venv" not in p.parts}
    result = compendium.make(goal, f"VENV={venv}")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"VENV={venv} is not a virtual environment (no {venv}/pyvenv.cfg)" in result.stderr
    assert {p.relative_to(root).as_posix() for p in root.rglob("*") if ".venv" not in p.parts} == before
    assert compendium.outputs() == compendium.reference


def test_clean_deletes_only_the_project_s_outputs_and_temporaries(compendium):
    root = compendium.root
    theirs = {".git/objects/ab.part": "git's", "analysis/notes.part": "mine", "data/raw/draft.part": "mine",
              "figures/my-sketch.svg": "mine", "notebooks/scratch.ipynb": "{}", "data/processed/extra.csv": "x\n",
              "runs/keep/params.yaml": "method: all\n"}
    for rel, text in theirs.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    dead = 999_999_999
    ours = [root / "figures" / f".audit.svg.{dead}.0123456789ab.part",
            root / "data" / "processed" / f".audit.csv.{dead}.0123456789ab.part"]
    for f in ours:
        f.write_text("a killed writer's temporary")
    result = compendium.make("clean")
    assert result.returncode == 0, result.stderr[-2000:]
    for rel, text in theirs.items():
        assert (root / rel).read_text() == text, rel
    assert not any(f.exists() for f in ours)
    assert not (root / "build").exists() and not (root / "reports").exists()  # emptied, so removed
    assert (root / "figures").is_dir()  # still holds my-sketch.svg
    assert not any((root / rel).exists() for rel in compendium.reference if not rel.startswith("data/raw"))
    assert (root / "data" / "raw" / "article_figures.csv").exists()


def test_distclean_deletes_a_real_environment_and_the_runs_but_nothing_else(compendium):
    root = compendium.root
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "v2")], check=True, timeout=120)
    (root / "runs" / "r1" / ".state").mkdir(parents=True)
    (root / "runs" / "r1" / "params.yaml").write_text("method: all\n")
    (root / "runs" / ".r1.lock").write_text("")
    (root / "runs" / "notes.txt").write_text("mine\n")
    (root / "v2" / "my-data.csv").write_text("x\n")  # not what a virtual environment holds
    refused = compendium.make("distclean", "VENV=v2")
    assert refused.returncode == 2 and "v2: holds v2/my-data.csv, which a virtual environment does not" in refused.stderr
    assert (root / "runs" / "r1" / "params.yaml").exists() and (root / "data" / "processed").exists()
    (root / "v2" / "my-data.csv").unlink()
    done = compendium.make("distclean", "VENV=v2")
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (root / "v2").exists() and not (root / "runs" / "r1").exists() and not (root / "runs" / ".r1.lock").exists()
    assert (root / "runs" / "notes.txt").read_text() == "mine\n"
    assert (root / ".venv").exists() and (root / "data" / "raw" / "article_figures.csv").exists()
