"""The project's own font, Suanli Sans: where it lives, how vl-convert and browsers get it.

Why this module exists: a figure must come out byte-identical on every machine and must be
able to draw Chinese. vl-convert lays out and rasterises text with whatever fonts it finds,
and it preferred a system's Liberation Sans over its bundled copy when Debian's
fonts-liberation was installed, so the PNGs (and everything embedding them) depended on the
host. The compendium therefore ships a subset of Noto Sans CJK SC (SIL OFL 1.1) renamed
"Suanli Sans" in ``fonts/`` (rebuilt by ``make font``, see ``scripts/build_font.py``), every
chart asks for that family only, and :func:`register` hands the folder to vl-convert. No
system font carries the name, and ``tests/test_fonts.py`` asserts that the font covers every
character of every chart, so neither a family match nor a per-glyph fallback can pick a
system font.

Browsers get the same glyphs from ``data:`` URIs, never from the network or the system:

* :func:`embed_in_svg` puts an ``@font-face`` rule into each exported SVG, with the font
  subset to that SVG's own characters (an SVG shown through ``<img>`` can use no other font).
  The text stays text (selectable, searchable), rather than being converted to paths.
* :func:`css` is the ``@font-face`` block of the HTML pages (standalone figures, the index,
  and, through :class:`FontCSSPreprocessor`, the rendered notebooks).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import io
import xml.etree.ElementTree as ET

from pathlib import Path

# The font is part of the code, like analysis/ itself, not of the data: it is found next to this
# package even when SUANLI_ROOT points the data and figures at a temporary copy.
FONT_DIR = Path(__file__).resolve().parents[1] / "fonts"
FAMILY = "Suanli Sans"
STACK = f'"{FAMILY}", sans-serif'  # for CSS; charts name the family alone (see analysis.charts.FONT)
WEIGHTS = {400: FONT_DIR / "SuanliSans-Regular.otf", 700: FONT_DIR / "SuanliSans-Bold.otf"}
BOLD = {"bold", "bolder", "600", "700", "800", "900"}

#: SHA-256 of this module's source as it was imported: the font-embedding code running in this
#: process (:mod:`analysis.figure_cache` keys drawings by it, so an edit that is saved but not yet
#: reloaded is not mistaken for the code that drew).
SOURCE_SHA256 = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

_registered: str | None = None  # folder_sha256() when fonts/ was handed to vl-convert


FONT_SUFFIXES = {".otf", ".ttf", ".otc", ".ttc", ".woff", ".woff2"}


def folder_sha256() -> str:
    """SHA-256 over the name and bytes of every font file in ``fonts/`` (vl-convert is given the
    whole folder, so a font dropped there counts too)."""
    h = hashlib.sha256()
    for f in sorted(p for p in FONT_DIR.iterdir() if p.is_file() and p.suffix.lower() in FONT_SUFFIXES):
        h.update(f.name.encode("utf-8") + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def register() -> str:
    """Register ``fonts/`` with vl-convert (once per process, before any conversion); returns
    the folder's hash as it was when registered."""
    global _registered
    if _registered is None:
        import vl_convert as vlc

        digest = folder_sha256()
        vlc.register_font_directory(str(FONT_DIR))
        _registered = digest
    return _registered


@functools.lru_cache(maxsize=None)
def cmap(weight: int = 400) -> frozenset[int]:
    """The code points the shipped font of ``weight`` draws."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(WEIGHTS[weight], lazy=True).getBestCmap())


def missing(text: str, weight: int = 400) -> list[str]:
    """Characters of ``text`` (other than line breaks) the shipped font cannot draw, sorted."""
    have = cmap(weight)
    return sorted({c for c in text if c not in "\n\r\t" and ord(c) not in have})


def _woff(weight: int, text: str | None = None) -> bytes:
    """The font of ``weight`` as WOFF, subset to ``text`` if given (deterministic bytes). The
    subsetter is imported only to subset: the HTML pages embed the whole font (:func:`css`), and
    importing ``fontTools.subset`` costs every process that renders a page about 0.2 s."""
    from fontTools.ttLib import TTFont

    font = TTFont(WEIGHTS[weight], recalcTimestamp=False)
    if text is not None:
        from fontTools import subset

        options = subset.Options()
        options.name_IDs = ["*"]
        options.hinting = False
        options.notdef_outline = True
        options.layout_features = ["*"]
        sub = subset.Subsetter(options)
        sub.populate(text=text)
        sub.subset(font)
    font.flavor = "woff"
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def font_face(weight: int, text: str | None = None) -> str:
    data = base64.b64encode(_woff(weight, text)).decode("ascii")
    return (f'@font-face{{font-family:"{FAMILY}";font-style:normal;font-weight:{weight};'
            f'src:url(data:font/woff;base64,{data}) format("woff")}}')


@functools.lru_cache(maxsize=None)
def css() -> str:
    """``@font-face`` rules for both weights, whole (for HTML pages)."""
    return "\n".join(font_face(w) for w in WEIGHTS)


def svg_text(svg: str) -> dict[int, str]:
    """The characters each weight draws in ``svg`` ({400: …, 700: …}), from its <text> elements."""
    out = {400: set(), 700: set()}
    for el in ET.fromstring(svg).iter():
        if el.tag.rsplit("}", 1)[-1] == "text":
            weight = 700 if el.get("font-weight", "normal") in BOLD else 400
            out[weight] |= set("".join(el.itertext()))
    return {w: "".join(sorted(chars)) for w, chars in out.items() if chars}


def embed_in_svg(svg: str) -> str:
    """``svg`` with an ``@font-face`` per weight used, subset to the characters it draws."""
    faces = "".join(font_face(w, text) for w, text in svg_text(svg).items())
    if not faces:
        return svg
    end = svg.index(">", svg.index("<svg")) + 1
    return f"{svg[:end]}<defs><style>{faces}</style></defs>{svg[end:]}"


class FontCSSPreprocessor:
    """An nbconvert preprocessor (enabled in the ``suanli`` template's conf.json) that puts
    :func:`css` into ``resources["suanli_font_css"]``, so each rendered notebook embeds the font.
    A plain callable, so that importing this module (every chart notebook does) never imports
    nbconvert."""

    def __init__(self, enabled: bool = True, **kwargs):
        self.enabled = enabled

    def __call__(self, nb, resources):
        resources["suanli_font_css"] = css()
        return nb, resources
