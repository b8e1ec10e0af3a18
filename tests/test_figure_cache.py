"""The drawn-figure cache: a hit gives exactly the bytes a fresh drawing gives, a damaged entry
is never used, and the key changes with anything that decides the bytes."""
from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from analysis import charts, figure_cache
from analysis.base import paths


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CACHE", tmp_path / "cache")
    return tmp_path / "cache" / "figures"


def _chart(title="A test"):
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [3, 4, 2]})
    return alt.Chart(frame).mark_line().encode(x="x:Q", y="y:Q").properties(title=title)


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_hit_writes_the_same_bytes_without_drawing(cache, tmp_path, monkeypatch):
    charts.export(_chart(), "t", tmp_path / "cold")
    assert len([p for p in cache.iterdir()]) == 1

    def no_drawing(spec):
        raise AssertionError("drew a cached figure again")

    monkeypatch.setattr(charts.machinery, "_draw", no_drawing)
    figure = charts.export(_chart(), "t", tmp_path / "warm")
    assert _files(tmp_path / "warm") == _files(tmp_path / "cold")
    assert figure._repr_mimebundle_()["image/svg+xml"] == (tmp_path / "cold" / "t.svg").read_text(encoding="utf-8")


def test_the_cached_files_are_what_a_fresh_drawing_gives(cache, tmp_path):
    spec = _chart().to_dict()
    charts.export(_chart(), "t", tmp_path)
    fresh = charts.render(spec)
    assert (tmp_path / "t.svg").read_text(encoding="utf-8") == fresh["svg"]
    assert (tmp_path / "t.png").read_bytes() == fresh["png"]
    entry = figure_cache.load(figure_cache.key(spec, charts.SOURCE_SHA256))
    assert entry["png1"] == vlc.vegalite_to_png(spec, scale=1)


@pytest.mark.parametrize("damage", ["edited", "deleted", "manifest", "symlinked entry"])
def test_a_damaged_entry_is_drawn_again(cache, tmp_path, damage):
    charts.export(_chart(), "t", tmp_path / "cold")
    entry = next(cache.iterdir())
    if damage == "edited":
        (entry / "svg").write_bytes((entry / "svg").read_bytes().replace(b"A test", b"A fake"))
    elif damage == "deleted":
        (entry / "png").unlink()
    elif damage == "manifest":
        (entry / "manifest.json").write_text("{", encoding="utf-8")
    else:  # a whole, correct entry reached through a symbolic link is not used either
        moved = entry.parent.parent / "elsewhere"
        entry.rename(moved)
        entry.symlink_to(moved, target_is_directory=True)
    assert figure_cache.load(entry.name) is None
    charts.export(_chart(), "t", tmp_path / "warm")
    assert _files(tmp_path / "warm") == _files(tmp_path / "cold")
    assert figure_cache.load(entry.name) is not None  # and the entry is whole again


def test_the_key_follows_the_spec_and_the_environment(monkeypatch):
    from analysis import fonts

    a, b = _chart("A").to_dict(), _chart("B").to_dict()
    assert figure_cache.key(a, charts.SOURCE_SHA256) == figure_cache.key(dict(reversed(list(a.items()))), charts.SOURCE_SHA256)  # canonical
    assert figure_cache.key(a, charts.SOURCE_SHA256) != figure_cache.key(b, charts.SOURCE_SHA256)
    before = figure_cache.key(a, charts.SOURCE_SHA256)
    for target, name, value in [(figure_cache, "_packages", lambda: b"vl-convert-python 1.9.0.post2"),
                                (charts, "SOURCE_SHA256", "0" * 64), (fonts, "SOURCE_SHA256", "0" * 64),
                                (fonts, "folder_sha256", lambda: "0" * 64), (fonts, "_registered", "0" * 64)]:
        with monkeypatch.context() as m:
            m.setattr(target, name, value)
            assert figure_cache.key(a, charts.SOURCE_SHA256) != before, name
    assert figure_cache.key(a, charts.SOURCE_SHA256) == before


def test_the_installed_software_is_named_down_to_the_post_release_and_binary():
    import zlib
    from importlib.metadata import version

    packages = figure_cache._packages().decode()
    assert f"vl-convert-python {version('vl-convert-python')} vl_convert/vl_convert.abi3.so=" in packages
    assert f"fonttools {version('fonttools')}" in packages and f"altair {version('altair')}" in packages
    assert f"zlib {zlib.ZLIB_RUNTIME_VERSION}" in packages


def test_code_edited_and_reloaded_gets_its_own_key(tmp_path, monkeypatch):
    """An edit reloaded in a live kernel must not be stored under the old code's key (and a saved
    edit not yet reloaded must not be stored under the new code's key)."""
    import importlib
    import shutil
    import sys

    from analysis import fonts

    spec = _chart().to_dict()
    before = figure_cache.key(spec, charts.SOURCE_SHA256)
    package = tmp_path / "analysis"
    shutil.copytree(Path(fonts.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__", "pipeline"))
    monkeypatch.syspath_prepend(str(tmp_path))
    saved = {n: sys.modules[n] for n in ("analysis", "analysis.charts", "analysis.fonts")}
    try:
        for n in saved:
            del sys.modules[n]
        copy_fonts = importlib.import_module("analysis.fonts")
        assert copy_fonts.SOURCE_SHA256 == fonts.SOURCE_SHA256
        (package / "fonts.py").write_text((package / "fonts.py").read_text(encoding="utf-8") + "\n# edited\n",
                                          encoding="utf-8")
        assert copy_fonts.SOURCE_SHA256 == fonts.SOURCE_SHA256  # saved, not reloaded: still the old code
        reloaded = importlib.reload(copy_fonts)
        assert reloaded.SOURCE_SHA256 != fonts.SOURCE_SHA256
    finally:
        for n in ("analysis", "analysis.charts", "analysis.fonts"):
            sys.modules.pop(n, None)
        sys.modules.update(saved)
    assert figure_cache.key(spec, charts.SOURCE_SHA256) == before


def test_an_unwritable_cache_never_fails_a_build(tmp_path, monkeypatch):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setattr(paths, "CACHE", blocked)
    charts.export(_chart(), "t", tmp_path / "out")
    assert (tmp_path / "out" / "t.svg").exists()


def test_only_the_newest_entries_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(figure_cache, "KEEP", 2)
    files = {name: name.encode() for name in figure_cache.FILES}
    for i, k in enumerate(["a" * 64, "b" * 64, "c" * 64]):
        figure_cache.store(k, files, root=tmp_path)
        import os
        os.utime(tmp_path / k, ns=(i * 10**9, i * 10**9))
    figure_cache.store("d" * 64, files, root=tmp_path)
    assert sorted(p.name[0] for p in tmp_path.iterdir()) == ["c", "d"]


def test_a_chart_that_breaks_the_schema_is_refused_and_never_cached(cache, tmp_path):
    import jsonschema

    bad = _chart()
    bad.width = "wide"  # set without a check; the schema wants a number, "container" or a step
    with pytest.raises((jsonschema.ValidationError, alt.utils.schemapi.SchemaValidationError)):
        charts.export(bad, "bad", tmp_path / "out")
    assert not cache.exists() or not any(cache.iterdir())
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
