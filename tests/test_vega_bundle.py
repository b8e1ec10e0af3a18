"""The on-disk cache of vl-convert's JavaScript bundle can speed a build up but never change it."""
from __future__ import annotations

import hashlib

import pytest
import vl_convert as vlc

from analysis import vega_bundle


@pytest.fixture
def fake_bundle(monkeypatch):
    calls = []

    def bundle():
        calls.append(1)
        return "/* vega */ var vegaEmbed = 1;"

    monkeypatch.setattr(vlc, "javascript_bundle", bundle)
    vega_bundle.javascript.cache_clear()
    yield calls
    vega_bundle.javascript.cache_clear()


def _entry(folder, text):
    return folder / f"vega-bundle-{vlc.__version__}-{hashlib.sha256(text.encode()).hexdigest()}.js"


def test_a_miss_builds_the_bundle_and_stores_it_under_its_hash(tmp_path, fake_bundle):
    text = vega_bundle.javascript(tmp_path)
    assert text == "/* vega */ var vegaEmbed = 1;" and fake_bundle == [1]
    assert [p.name for p in tmp_path.iterdir()] == [_entry(tmp_path, text).name]
    assert _entry(tmp_path, text).read_text(encoding="utf-8") == text


def test_a_hit_reads_the_cache_without_building(tmp_path, fake_bundle):
    _entry(tmp_path, "cached").write_text("cached", encoding="utf-8")
    assert vega_bundle.javascript(tmp_path) == "cached"
    assert fake_bundle == []


@pytest.mark.parametrize("damage", ["edited", "symlink", "other version"])
def test_a_damaged_or_foreign_entry_is_ignored_and_rebuilt(tmp_path, fake_bundle, damage):
    good = _entry(tmp_path, "cached")
    if damage == "edited":
        good.write_text("cached, then edited by hand", encoding="utf-8")
    elif damage == "symlink":
        (tmp_path / "elsewhere.js").write_text("cached", encoding="utf-8")
        good.symlink_to(tmp_path / "elsewhere.js")
    else:
        (tmp_path / good.name.replace(vlc.__version__, "0.0.1")).write_text("cached", encoding="utf-8")
    assert vega_bundle.javascript(tmp_path) == "/* vega */ var vegaEmbed = 1;"
    assert fake_bundle == [1]


def test_an_unwritable_cache_still_gives_the_bundle(tmp_path, fake_bundle):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    assert vega_bundle.javascript(blocked) == "/* vega */ var vegaEmbed = 1;"


def test_the_real_bundle_round_trips_through_the_cache(tmp_path):
    vega_bundle.javascript.cache_clear()
    try:
        built = vega_bundle.javascript(tmp_path)
        vega_bundle.javascript.cache_clear()
        assert vega_bundle.javascript(tmp_path) == built == vlc.javascript_bundle()
    finally:
        vega_bundle.javascript.cache_clear()
