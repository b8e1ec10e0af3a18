"""Issue 10's hostile-input drill: a corpus of values through every variable of `make all` and
`make forecast`. Nothing executes (a canary file), nothing is written anywhere (the tree outside
build/ is byte-identical, runs/ stays empty), and each fails with exit 2 and one line."""
from __future__ import annotations

import hashlib

import pytest

from analysis.build import params

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


def test_hostile_values_through_every_variable_fail_cleanly(compendium, tmp_path):
    canary = tmp_path / "canary"
    before = _snapshot(compendium.root)
    variables = list(params.make_variables())
    failures = []
    cases = [("all", v) for v in variables] + [("forecast", v) for v in variables + ["RUN"]]
    for target, var in cases:
        for value in corpus(str(canary)):
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


def test_reused_run_name_and_mistyped_variables_fail_in_one_line(compendium):
    before = _snapshot(compendium.root)
    first = compendium.make("forecast", "RUN=ux1", "METHOD=ets", "HORIZON=2030", "LEVELS=0.95")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Parameters: DECAY_HALF_LIFE=1.5, GROWTH=, HORIZON=2030, LEVELS=0.95, LONG_RUN_GROWTH=0.15, METHOD=ets" in first.stdout
    params_file = compendium.root / "runs" / "ux1" / "params.yaml"
    recorded = params_file.read_bytes()
    for args, message in [
        (["RUN=ux1", "HORIZON=2028"], "already exists with other parameters (horizon_end 2030 → 2028"),
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
    same = compendium.make("forecast", "RUN=ux1", "METHOD=ets", "HORIZON=2030", "LEVELS=0.95")
    assert same.returncode == 0 and "runner:" not in same.stdout
    replaced = compendium.make("forecast", "RUN=ux1", "HORIZON=2028", "REPLACE=1")
    assert replaced.returncode == 0, replaced.stderr[-2000:]
    assert b"horizon_end: 2028" in params_file.read_bytes()
    assert compendium.outputs() == compendium.reference  # no run touched a default output
    after = {k: v for k, v in _snapshot(compendium.root).items() if not k.startswith("runs/ux1/")}
    assert after == before  # nor any other file outside runs/<name>/ and build/
