"""The index page: built from the registry, every figure traced to its cell, input hashes equal
to the build's own, relative links only (no absolute path, no network)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.base import paths
from analysis.pipeline import engine, registry, report

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def at_repo(monkeypatch):
    """Read the built outputs of this checkout (the page is built in memory, nothing written)."""
    old = paths.ROOT
    for name, value in list(vars(paths).items()):
        if isinstance(value, Path) and (value == old or old in value.parents):
            monkeypatch.setattr(paths, name, REPO / value.relative_to(old))
    monkeypatch.setattr(paths, "ROOT", REPO)
    if not all((REPO / "notebooks" / f"{n}.ipynb").exists() for n in registry.STEPS):
        pytest.skip("needs the built notebooks (make all)")


def test_every_registry_figure_is_on_the_page_with_the_cell_that_drew_it(at_repo):
    page = report.build()
    for name, step in registry.STEPS.items():
        for fig in step.figures:
            assert f'<figure id="{fig}">' in page
            assert re.search(rf'<figure id="{fig}">.*?href="{name}\.html#cell-id=cell-\d\d"', page)


def test_input_hashes_are_the_builds_own_with_the_information_set_for_the_raw_files(at_repo):
    import hashlib

    page = report.build()
    for name in registry.STEPS:
        info = report.notebook_info(name)
        inputs = engine.inputs(name)
        if registry.STEPS[name].reads_raw:
            assert any(k.startswith("data/raw/") for k in inputs)  # staleness follows the raw bytes ...
            inputs = {k: v for k, v in inputs.items() if not k.startswith("data/raw/")}
            listed = report.information_set(name)  # 06_unblinding lists its own, as of the newest row
            assert listed.name == ("unblinding_information_set.csv" if name == "06_unblinding" else "information_set.csv")
            inputs["information set (information_set.csv)"] = hashlib.sha256(listed.read_bytes()).hexdigest()
        assert info["hash"] == engine.key(inputs)  # ... provenance follows the information set used
        assert info["hash"][:16] in page
    info = report.notebook_info("01_clean")
    assert "analysis/base/atomic.py" in info["inputs"] and not any(k.startswith("data/raw/") for k in info["inputs"])
    assert "information_set.csv" in info["reads"][0]


def test_links_are_relative_and_offline(at_repo):
    page = report.build()
    assert str(REPO) not in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)


def test_the_page_opens_with_the_findings_read_from_the_tables(at_repo):
    import pandas as pd

    from analysis import findings

    page = report.build()
    # the headline finding, then the first figure, then the other findings, then the other figures
    assert page.index('<p class="headline">') < page.index("<figure") < page.index('<h2 id="findings">What it finds</h2>') \
        < page.index("<h2>More figures</h2>")
    audit = pd.read_csv(paths.PROCESSED / "audit.csv")
    figures = pd.read_csv(paths.PROCESSED / "figures.csv", dtype={"value_text": str})
    series = pd.read_csv(paths.PROCESSED / "series.csv")
    for sentence in findings.audit_findings(audit, figures, series):  # the README's own sentences
        assert report._inline_markdown(sentence) in page
    comparison = pd.read_csv(paths.PROCESSED / "model_comparison.csv")
    row = comparison[(comparison["series"] == "ai_server_market") & (comparison["model"] == "combination")
                     & (comparison["level"] == 0.8)].iloc[0]
    assert f"median of USD {row['median']:.1f} bn" in page


def test_the_gallery_leads_with_the_headline_and_hashes_follow_it(at_repo):
    page = report.build()
    gallery = re.findall(r'<figure id="(\w+)">', page)
    # the registered forecasts against what happened open the forecast part (issue 28)
    assert gallery[:5] == ["unblinding", "ai_server_market", "compute_growth", "nvidia_revenue", "audit"]
    assert sorted(gallery) == sorted(f for s in registry.STEPS.values() for f in s.figures)
    figures_end = page.index("<h2>How it was made</h2>")
    # in the gallery, provenance is folded away: every hash sits inside a figure's <details>
    for card in re.findall(r"<figure.*?</figure>", page[:figures_end], re.S):
        assert "hash" not in card.split("<details>")[0].lower(), card[:200]
    assert page.index("Content hash of all inputs") > figures_end
    for fig in gallery:  # every figure's hashes are listed below the gallery
        assert re.search(rf'<td><a href="#{fig}">{fig}</a></td>.*?<td class=hash>[0-9a-f]{{16}}</td>', page[figures_end:])


def test_captions_name_the_figure_by_its_title_not_its_id(at_repo):
    page = report.build()
    for step in registry.STEPS.values():
        for fig in step.figures:
            title = report.figure_title(paths.FIGURES, fig)
            caption = re.search(rf'<figure id="{fig}">.*?<figcaption><b>(.*?)</b>', page).group(1)
            assert caption == report.html.escape(title) and "_" not in caption


def test_inline_markdown_escapes_and_formats():
    assert report._inline_markdown("**A.** *b* `c` <x> 5 * 3") == "<b>A.</b> <i>b</i> <code>c</code> &lt;x&gt; 5 * 3"
