"""One range of Pythons, and one lock that fits every Python in it.

The Makefile's ``PYTHONS`` is the list of supported Pythons (its version gate reads it, and
`make lock` resolves for it). pyproject.toml's ``requires-python``, environment.yml's ``python``
and the header of requirements.txt must name exactly the same versions, so they cannot drift
apart. requirements.txt must hold one version of every package, be exactly what this Python
installs, and pin, for each supported Python, every dependency that its packages ask for there
(so pip never picks an unpinned version on one of them: papermill, for example, needs aiohttp
on 3.12 only). .ci/run runs this file again under each other supported Python it finds.
"""
from __future__ import annotations

import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
# What installs the environment rather than belongs to it (`make lock` adds uv to .venv).
INSTALLERS = {"pip", "setuptools", "wheel", "uv"}


def supported() -> list[str]:
    """The Makefile's PYTHONS, e.g. ["3.11", "3.12", "3.13"]."""
    found = re.findall(r"^override PYTHONS := (.+)$", (REPO / "Makefile").read_text(), re.M)
    assert len(found) == 1, "the Makefile must define PYTHONS once"
    versions = found[0].split()
    assert versions and all(re.fullmatch(r"3\.\d+", v) for v in versions), versions
    return versions


def minors_in(spec: SpecifierSet) -> list[str]:
    """The Python 3 minors (3.0 to 3.40) a specifier admits, judged on their first release."""
    return [f"3.{m}" for m in range(41) if spec.contains(f"3.{m}.0")]


def pins(text: str | None = None) -> list[Requirement]:
    """requirements.txt's lines as requirements (comments dropped)."""
    text = (REPO / "requirements.txt").read_text() if text is None else text
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return [Requirement(line) for line in lines if line]


def environment(python: str) -> dict[str, str]:
    """The marker environment of this machine with another Python minor."""
    env = dict(default_environment())
    env.update(python_version=python, python_full_version=f"{python}.0", implementation_version=f"{python}.0")
    return env


def applies(req: Requirement, env: dict[str, str], extra: str = "") -> bool:
    return req.marker is None or req.marker.evaluate({**env, "extra": extra})


def pinned_for(env: dict[str, str]) -> dict[str, str]:
    """Package → pinned version, for the lines of requirements.txt that apply in env."""
    out = {}
    for req in pins():
        if applies(req, env):
            (spec,) = req.specifier
            out[canonicalize_name(req.name)] = spec.version
    return out


# ----------------------------------------------------------------------------- one range


def test_the_makefile_lists_a_contiguous_range():
    versions = supported()
    minors = [int(v.split(".")[1]) for v in versions]
    assert minors == list(range(minors[0], minors[-1] + 1)), versions


def test_pyproject_requires_the_same_range():
    spec = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert minors_in(SpecifierSet(spec)) == supported(), spec


def test_environment_yml_asks_for_the_same_range():
    deps = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    pythons = [d for d in deps if isinstance(d, str) and re.match(r"python\b(?!-)", d)]
    assert len(pythons) == 1, deps
    spec = pythons[0].removeprefix("python").split("#")[0].strip()
    # A range, never one version (conda's `python=3.11` would pin a single minor).
    assert re.fullmatch(r"(>=|<|>|<=|!=)[\d.]+(,(>=|<|>|<=|!=)[\d.]+)*", spec), pythons[0]
    assert minors_in(SpecifierSet(spec)) == supported(), pythons[0]


def test_requirements_txt_says_which_pythons_it_is_for():
    header = (REPO / "requirements.txt").read_text().splitlines()[0]
    found = re.match(r"# Python ((?:3\.\d+ ?)+):", header)
    assert found and found.group(1).split() == supported(), header


def test_this_python_is_in_the_range():
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in supported()


# ----------------------------------------------------------------------------- one lock


def test_the_lock_pins_one_version_of_every_package():
    names = [canonicalize_name(req.name) for req in pins()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    for req in pins():
        (spec,) = req.specifier  # exactly one specifier: ==version
        assert spec.operator == "==" and "*" not in spec.version, req


def test_the_lock_is_parsed_as_meant():
    # The parser the next tests rely on: a marker line applies only where its marker holds,
    # and a duplicated package is seen as one.
    text = "a==1 ; python_full_version == '3.12.*'  # via b\nb==2  # via -r requirements.in\n"
    assert [str(r) for r in pins(text)] == ['a==1; python_full_version == "3.12.*"', "b==2"]
    assert applies(pins(text)[0], environment("3.12")) and not applies(pins(text)[0], environment("3.13"))


def test_this_environment_is_exactly_the_lock():
    """What pip installed here is the lock's set for this Python, version for version."""
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    expected = pinned_for(dict(default_environment()))
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    wrong = {n: (v, installed.get(n)) for n, v in expected.items() if installed.get(n) != v}
    assert not wrong, f"pinned (version, installed) on Python {here}: {wrong}"
    unpinned = {n: v for n, v in installed.items() if n not in expected and n not in INSTALLERS}
    assert not unpinned, f"installed on Python {here} but not pinned in requirements.txt: {unpinned}"


def _extras_asked(env: dict[str, str], dists: dict[str, metadata.Distribution]) -> dict[str, set[str]]:
    """For each package, the extras that requirements.in or another package asks of it in env."""
    asked: dict[str, set[str]] = {}
    direct = [Requirement(line.split("#", 1)[0]) for line in (REPO / "requirements.in").read_text().splitlines()
              if line.split("#", 1)[0].strip()]
    changed = True
    while changed:
        changed = False
        for name, reqs in [("", direct)] + [(n, [Requirement(r) for r in d.requires or []]) for n, d in dists.items()]:
            for req in reqs:
                if req.extras and any(applies(req, env, e) for e in {""} | asked.get(name, set())):
                    known = asked.setdefault(canonicalize_name(req.name), set())
                    if not req.extras <= known:
                        known |= req.extras
                        changed = True
    return asked


@pytest.mark.parametrize("python", supported())
def test_the_lock_pins_every_dependency_on_each_python(python):
    """Every requirement of every pinned package that applies on `python` is pinned there, at a
    version it accepts. Read from this environment's metadata (one version of every package,
    so it is the same metadata on every Python); a package not installed on this Python is
    checked where it is installed (.ci/run runs this file under each supported Python)."""
    env = environment(python)
    lock = pinned_for(env)
    dists = {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}
    dists = {n: d for n, d in dists.items() if n in lock}
    asked = _extras_asked(env, dists)
    missing = []
    for name, dist in dists.items():
        for text in dist.requires or []:
            req = Requirement(text)
            if not any(applies(req, env, e) for e in {""} | asked.get(name, set())):
                continue
            dep = canonicalize_name(req.name)
            if dep not in lock or not req.specifier.contains(lock[dep], prereleases=True):
                missing.append(f"{name} needs {req} (pinned: {lock.get(dep, 'nothing')})")
    assert not missing, f"on Python {python}: " + "; ".join(sorted(missing))
    assert len(dists) >= 0.9 * len(lock)  # the metadata read covers (nearly) the whole lock
