"""Issue 10's hostile-input drill: a corpus of values through every variable of `make all` and
`make forecast`. Nothing executes (a canary file), nothing is written anywhere (the tree outside
build/ is byte-identical, runs/ stays empty), and each fails with exit 2 and one line."""
from __future__ import annotations

import hashlib

import pytest

from analysis.pipeline import params

pytestmark = pytest.mark.integration


def corpus(canary: str) -> list[str]:
    return [
        f"x`touch {canary}`",
        f"$(touch {canary})",
        f"$(shell touch {canary})",
        f"${{shell touch {canary}}}",
        f"1; touch {canary}",
        f"0.8\ntouch {canary}",
        f"'\"; touch {canary}; echo \"'",
        "2030 #",
        "my run",
        "..",
        ".",
        "../outside/q=",
        "/etc/passwd",
        "a" * 300,
        "算力",
        f"!!python/object/apply:os.system ['touch {canary}']",
        "${IFS}",
        "-rf",
    ]


def _snapshot(root) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if rel.parts[0] in (".venv", "build") or not p.is_file() and not p.is_symlink():
            continue
        out[rel.as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "link"
    return out


def sample(goal_variables: dict[str, list[str]], values: list[str]) -> list[tuple[str, str, str]]:
    """(goal, variable, value) cases that hold every value and every variable under every goal at
    least once: for each goal, as many cases as the longer of the two lists, each cycled."""
    out = []
    for goal, variables in goal_variables.items():
        out += [(goal, variables[i % len(variables)], values[i % len(values)])
                for i in range(max(len(variables), len(values)))]
    return out


def test_hostile_values_through_every_variable_fail_cleanly(compendium, tmp_path):
    """Every value through every variable of both goals reaches the validator make hands the
    command line to, in this process (``validate(via="make")``); a sample that still holds every
    value, every variable and both goals goes through make itself, which must refuse each in one
    line, run nothing and write nothing."""
    from .conftest import validate

    canary = tmp_path / "canary"
    before = _snapshot(compendium.root)
    variables = list(params.make_variables())
    goals = {"all": variables, "forecast": variables + ["RUN"]}
    failures = []
    for target, names in goals.items():
        for var in names:
            for value in corpus(str(canary)):
                extra = ["RUN=ok"] if target == "forecast" and var != "RUN" else []
                said = validate(target, [*extra, f"{var}={value}"], via="make")
                if len(said.splitlines()) != 1 or not said.startswith("error: "):
                    failures.append((target, var, value[:40], said[-300:]))
    assert failures == []
    for target, var, value in sample(goals, corpus(str(canary))):
        extra = ["RUN=ok"] if target == "forecast" and var != "RUN" else []
        result = compendium.make(target, *extra, f"{var}={value}", timeout=60)
        lines = result.stderr.strip().splitlines()
        if result.returncode != 2 or len(lines) != 1 or "error" not in lines[0]:
            failures.append((target, var, value[:40], result.returncode, result.stderr[-300:]))
    assert failures == []
    assert not canary.exists()
    assert not (compendium.root / "runs").exists() or not any((compendium.root / "runs").iterdir())
    assert _snapshot(compendium.root) == before
    assert not (compendium.root.parent / "outside").exists()


def test_reused_run_name_and_mistyped_variables_fail_in_one_line(with_run):
    """Starts from run x, built once per worker (``with_run``: METHOD=ets HORIZON=2030; the
    parameters it echoes are test_staleness.py's ``test_forecast_run_is_separate_and_idempotent``).
    That a reused name with REPLACE=1 replaces the run is test_runs.py's interrupted-replace drill
    (its last step). Until issue 31 this drill built a run of its own and then replaced it."""
    compendium = with_run
    before = _snapshot(compendium.root)
    params_file = compendium.root / "runs" / "x" / "params.yaml"
    recorded = params_file.read_bytes()
    for args, message in [
        (["RUN=x", "HORIZON=2028"], "already exists with other parameters (horizon_end 2030 → 2028"),
        (["RUN=ux3", "method=ets"], "did you mean METHOD?"),
        (["RUN=ux3", "HORIZN=2030"], "did you mean HORIZON?"),
        (["RUN=.."], "is not a valid run name"),
        (["RUN=my run"], "is not a valid run name"),
    ]:
        result = compendium.make("forecast", *args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert params_file.read_bytes() == recorded
    assert not (compendium.root / "runs" / "ux3").exists()
    same = compendium.make("forecast", "RUN=x", "METHOD=ets", "HORIZON=2030")
    assert same.returncode == 0 and "runner:" not in same.stdout
    assert compendium.outputs() == compendium.reference  # no run touched a default output
    after = {k: v for k, v in _snapshot(compendium.root).items() if k != "runs/.x.lock"}  # its lock names its last user
    assert after == {k: v for k, v in before.items() if k != "runs/.x.lock"}  # nor any file outside build/, run x's included


# ----------------------------------------------------------------------------- issue 22: only known names

def _one_error_line(result) -> bool:
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    # make itself refuses a "name" holding a space (it is not an assignment): "No rule to make target"
    return result.returncode == 2 and len(lines) == 1 and ("error" in lines[0] or "No rule to make target" in lines[0])


def test_the_hostile_corpus_through_the_python_entry_point(compendium, tmp_path):
    """What a program calls instead of make: the same corpus, as argument lists, never reaches a
    shell. Every value through every variable of both commands is read and checked as the entry
    point reads and checks it, in this process (``validate(via="entry")``); a sample that holds
    every value, every variable and both commands runs the entry point itself."""
    import subprocess
    import sys

    from .conftest import clean_env, validate

    canary = tmp_path / "canary"
    before = _snapshot(compendium.root)
    python = compendium.root / ".venv" / "bin" / "python"
    python = str(python) if python.exists() else sys.executable
    names = list(params.make_variables()) + ["RUN", "REPLACE", "CELL_TIMEOUT"]
    failures = []
    for var in names:
        for value in corpus(str(canary)):
            for goal in (None, "forecast"):
                extra = ["RUN=ok"] if goal == "forecast" and var != "RUN" else []
                said = validate(goal, [*extra, f"{var}={value}"], via="entry")
                if len(said.splitlines()) != 1 or not said.startswith("error: "):
                    failures.append((goal, var, value[:40], said[-300:]))
    assert failures == []
    for goal, var, value in sample({"check": names, "forecast": names}, corpus(str(canary))):
        command = ["check"] if goal == "check" else ["forecast", "RUN=ok"] if var != "RUN" else ["forecast"]
        result = subprocess.run([python, "-m", "analysis.pipeline", *command, f"{var}={value}"],
                                cwd=compendium.root, env=clean_env(PYTHONPATH=str(compendium.root)),
                                capture_output=True, text=True, timeout=60)
        if not _one_error_line(result):
            failures.append((command, var, value[:40], result.returncode, result.stderr[-300:]))
    assert failures == []
    assert not canary.exists()
    assert _snapshot(compendium.root) == before


#: Command lines make must refuse in one line (a canary file ``{c}`` marks one that ran).
KNOWN_ONLY = [
    ["STEPS=touch {c}; .venv/bin/python -m analysis.pipeline"],
    ["CHECK_PYTHON=touch {c}; python3"],
    ["VARS_DIR=x; touch {c}"],
    ["SHELL=/bin/sh", ".SHELLFLAGS=-c touch {c};"],
    ["PARAM_VARIABLES=$(shell touch {c})"],
    ["MAKEFILES=/dev/null"],
    ["MAKEFLAGS=-e"],
    ["SUANLI_ROOT=/tmp"],
    ["SUANLI_OUTPUTS=x"],
    ["a$$(shell touch {c})=1"],
    ["RUN:=x"],
    ["GROWTH_OVERRIDE=0.3"], ["AS_OF_DATE=2022-12-31"], ["SEED=1"], ["method=ets"],
    ["REPLACE=1"], ["REPLACE=whatever"], ["RUN=x"], ["LAB_ARGS=--x"],
]


@pytest.mark.parametrize("goal", ["all", "clean"])
def test_only_known_variables_on_make_s_command_line(compendium, tmp_path, goal):
    """Each command line of :data:`KNOWN_ONLY`, in turn, in one copy (until issue 31 a copy each:
    the copy cost more than make's refusal): refused in one line, nothing run, nothing written."""
    canary = tmp_path / "canary"
    before = _snapshot(compendium.root)
    failures = []
    for args in KNOWN_ONLY:
        result = compendium.make("-n" if goal == "clean" else goal, *(["clean"] if goal == "clean" else []),
                                 *[a.format(c=canary) for a in args], timeout=60)
        if not _one_error_line(result) or canary.exists() or _snapshot(compendium.root) != before:
            failures.append((args, result.returncode, result.stdout[-300:], result.stderr[-300:], canary.exists()))
    assert failures == []


#: Variables set in make's environment, which the build must not use (a canary marks one that ran).
FROM_ENVIRONMENT = [
    ("STEPS", "touch {c}; true"), ("CHECK_PYTHON", "touch {c}; python3"), ("VARS_DIR", "x; touch {c}"),
    ("PARAM_VARIABLES", "$(shell touch {c})"), ("FOUND_PYTHON", "$(shell touch {c})"), ("CHECKED", "$(shell touch {c})"),
    ("ENV", "$(shell touch {c})"), (".SHELLFLAGS", "-c 'touch {c}'"), ("TOOL_PYTHON", "touch {c};"),
    ("METHOD", "ets"), ("RUN", "x"),  # a parameter left in the environment is ignored, not used
]


@pytest.mark.parametrize("goal", ["all", "clean", "forecast"])
def test_internal_variables_cannot_be_set_from_the_environment(compendium, tmp_path, goal):
    """Each variable of :data:`FROM_ENVIRONMENT`, in turn, in one copy (until issue 31 a copy each)."""
    from .conftest import clean_env

    canary = tmp_path / "canary"
    before = _snapshot(compendium.root)
    failures = []
    for name, value in FROM_ENVIRONMENT:
        env = clean_env(**{name: value.format(c=canary)})
        args = ["-n", goal] + (["RUN=envtest"] if goal == "forecast" else [])
        result = compendium.make(*args, env=env, timeout=120)
        ok = result.returncode == 0 and not canary.exists() and _snapshot(compendium.root) == before
        if goal == "all":  # nothing is stale: the environment's METHOD was not used
            ok = ok and "everything is up to date" in result.stdout
        if not ok:
            failures.append((name, result.returncode, result.stdout[-300:], result.stderr[-300:], canary.exists()))
    assert failures == []


def test_makefiles_and_make_e_are_refused(compendium, tmp_path):
    from .conftest import clean_env

    extra = tmp_path / "extra.mk"
    extra.write_text("# read by make before the Makefile\n")
    result = compendium.make("-n", "all", env=clean_env(MAKEFILES=str(extra)))
    assert _one_error_line(result) and "MAKEFILES is set" in result.stderr
    result = compendium.make("-e", "-n", "all")
    assert _one_error_line(result) and "make -e" in result.stderr


def test_a_name_given_with_colon_equals_is_refused(compendium):
    result = compendium.make("-n", "all", "METHOD:=ets")
    assert _one_error_line(result) and "METHOD" in result.stderr


def test_make_s_own_language_runs_before_the_makefile_as_the_readme_says(compendium, tmp_path):
    """The boundary, shown: make expands a `$(…)` in a name, and runs `!=`, before it reads the
    Makefile (like a command typed at a shell). The Makefile then refuses what it can see.

    At that stage make runs the command with the environment's SHELL (the Makefile has not set
    one yet), so the drill names a shell: a CI job with no SHELL in its environment made the
    command fail to start, and the canary never appeared."""
    from .conftest import clean_env

    canary = tmp_path / "canary"
    env = clean_env(SHELL="/bin/sh")
    named = compendium.make("-n", "all", f"a$(shell touch {canary})=1", env=env)
    assert canary.exists(), named.stderr  # make ran it, before reading the Makefile
    assert named.returncode == 2  # and the leftover name 'a' is refused
    canary.unlink()
    shelled = compendium.make("-n", "all", f"METHOD!=touch {canary}; echo nope", env=env)
    assert canary.exists() and _one_error_line(shelled) and "method must be one of" in shelled.stderr


def test_every_variable_the_makefile_sets_is_internal_or_a_build_variable(repo):
    """The denylist of the Makefile's own variables (OWN_VARIABLES) must name every variable it
    assigns, or a new one could be set from the command line without being refused by make."""
    import re

    from analysis.pipeline import cli

    text = (repo / "Makefile").read_text() + "\n" + cli.makefile()
    own = re.search(r"^override OWN_VARIABLES := ((?:.*\\\n)*.*)$", text, re.M).group(1).replace("\\\n", " ").split()
    assigned = set()
    for line in text.splitlines():
        m = re.match(r"^(?:override\s+)?(?:export\s+)?([A-Za-z_.][A-Za-z0-9_.]*)\s*(?::=|\?=|\+=|=)", line)
        if m and not line.startswith("\t"):
            assigned.add(m.group(1))
    assert "STEPS" in assigned and "CHECK_PYTHON" in assigned  # the reading works
    assert assigned - set(own) <= {"PYTHON", "BASE_PYTHON", "VENV"}, assigned - set(own)
    assert {"PYTHON", "BASE_PYTHON", "VENV"} <= set(params.BUILD_VARIABLES)
