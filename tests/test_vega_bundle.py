"""The on-disk cache of vl-convert's JavaScript bundle can speed a build up but never change it:
only a file with the pinned hash is ever used."""
from __future__ import annotations

import hashlib

import pytest
import vl_convert as vlc

from analysis import vega_bundle

FAKE = "/* vega */ var vegaEmbed = 1;"


@pytest.fixture
def fake_bundle(monkeypatch):
    calls = []

    def bundle():
        calls.append(1)
        return FAKE

    monkeypatch.setattr(vlc, "javascript_bundle", bundle)
    monkeypatch.setattr(vega_bundle, "PINNED", {vega_bundle.version(): hashlib.sha256(FAKE.encode()).hexdigest()})
    vega_bundle.javascript.cache_clear()
    yield calls
    vega_bundle.javascript.cache_clear()


def _entry(folder):
    return folder / f"vega-bundle-{vega_bundle.version()}.js"


def test_the_pinned_hash_is_the_installed_vl_converts_bundle():
    """After `make lock` moves vl-convert, record the new bundle's hash in vega_bundle.PINNED."""
    digest = hashlib.sha256(vlc.javascript_bundle().encode("utf-8")).hexdigest()
    assert vega_bundle.PINNED.get(vega_bundle.version()) == digest


def test_the_version_includes_the_post_release():
    assert vega_bundle.version().startswith(vlc.__version__)


def test_a_miss_builds_the_bundle_and_stores_it(tmp_path, fake_bundle):
    assert vega_bundle.javascript(tmp_path) == FAKE and fake_bundle == [1]
    assert [p.name for p in tmp_path.iterdir()] == [_entry(tmp_path).name]
    assert _entry(tmp_path).read_text(encoding="utf-8") == FAKE


def test_a_hit_reads_the_cache_without_building(tmp_path, fake_bundle):
    _entry(tmp_path).write_text(FAKE, encoding="utf-8")
    assert vega_bundle.javascript(tmp_path) == FAKE
    assert fake_bundle == []


@pytest.mark.parametrize("damage", ["edited", "planted", "symlink", "undecodable", "a folder"])
def test_a_file_without_the_pinned_hash_is_never_used(tmp_path, fake_bundle, damage):
    entry = _entry(tmp_path)
    if damage == "edited":
        entry.write_text(FAKE + "console.log('edited')", encoding="utf-8")
    elif damage == "planted":  # self-consistent names mean nothing: only the pinned hash counts
        evil = "console.log('planted')"
        (tmp_path / f"vega-bundle-{vega_bundle.version()}-{hashlib.sha256(evil.encode()).hexdigest()}.js").write_text(evil)
        entry.write_text(evil, encoding="utf-8")
    elif damage == "symlink":
        (tmp_path / "elsewhere.js").write_text(FAKE, encoding="utf-8")
        entry.symlink_to(tmp_path / "elsewhere.js")
    elif damage == "undecodable":
        entry.write_bytes(b"\xff\xfe not utf-8")
    else:
        entry.mkdir()
    assert vega_bundle.javascript(tmp_path) == FAKE
    assert fake_bundle == [1]


def test_an_unpinned_version_builds_every_time_and_keeps_nothing(tmp_path, fake_bundle, monkeypatch):
    monkeypatch.setattr(vega_bundle, "PINNED", {})
    assert vega_bundle.javascript(tmp_path) == FAKE
    assert list(tmp_path.iterdir()) == []


def test_a_bundle_that_is_not_the_pinned_one_is_used_but_not_kept(tmp_path, fake_bundle, monkeypatch):
    monkeypatch.setattr(vega_bundle, "PINNED", {vega_bundle.version(): "0" * 64})
    assert vega_bundle.javascript(tmp_path) == FAKE
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_still_gives_the_bundle_and_leaves_no_temporary(tmp_path, fake_bundle):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    assert vega_bundle.javascript(blocked) == FAKE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


def test_the_real_bundle_round_trips_through_the_cache(tmp_path):
    vega_bundle.javascript.cache_clear()
    no_env = tmp_path / "no-env"  # an environment without a copy: the build's cache is used
    try:
        built = vega_bundle.javascript(tmp_path, no_env)
        assert _entry(tmp_path).exists()
        vega_bundle.javascript.cache_clear()
        assert vega_bundle.javascript(tmp_path, no_env) == built == vlc.javascript_bundle()
    finally:
        vega_bundle.javascript.cache_clear()


# ----------------------------------------------------------------------------- the environment's copy

def test_make_env_keeps_the_bundle_in_the_environment_and_builds_then_use_it(tmp_path, fake_bundle):
    env, cache = tmp_path / "env", tmp_path / "cache"
    assert vega_bundle.install(env) == f"vega bundle: kept in the environment ({vega_bundle.version()})"
    assert vega_bundle.environment_copy(env).read_text(encoding="utf-8") == FAKE
    assert vega_bundle.environment_copy(env).relative_to(env).parts[:2] == ("share", "suanli")
    assert vega_bundle.install(env).startswith("vega bundle: kept in the environment already")
    assert vega_bundle.javascript(cache, env) == FAKE
    assert fake_bundle == [1] and not cache.exists()  # built once, by install; the build wrote nothing


@pytest.mark.parametrize("damage", ["edited", "symlink"])
def test_an_environment_copy_without_the_pinned_hash_is_never_used_or_rewritten(tmp_path, fake_bundle, damage):
    env, cache = tmp_path / "env", tmp_path / "cache"
    copy = vega_bundle.environment_copy(env)
    copy.parent.mkdir(parents=True)
    if damage == "edited":
        copy.write_text(FAKE + "console.log('edited')", encoding="utf-8")
    else:
        (tmp_path / "elsewhere.js").write_text(FAKE, encoding="utf-8")
        copy.symlink_to(tmp_path / "elsewhere.js")
    before = copy.read_bytes()
    assert vega_bundle.javascript(cache, env) == FAKE
    assert fake_bundle == [1] and _entry(cache).read_text(encoding="utf-8") == FAKE
    assert copy.read_bytes() == before  # a build never writes into the environment; make env does


def test_install_keeps_nothing_without_the_pinned_hash(tmp_path, fake_bundle, monkeypatch):
    monkeypatch.setattr(vega_bundle, "PINNED", {vega_bundle.version(): "0" * 64})
    assert vega_bundle.install(tmp_path).endswith("without the recorded hash: not kept")
    monkeypatch.setattr(vega_bundle, "PINNED", {})
    assert vega_bundle.install(tmp_path).endswith("has no recorded hash (analysis/vega_bundle.py): not kept")
    assert list(tmp_path.iterdir()) == []
