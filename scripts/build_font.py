"""Rebuild the project's font, Suanli Sans, from a named and versioned source (``make font``).

Why: the figures must be byte-identical on every machine and must draw Chinese, so the
compendium ships its own font instead of trusting whatever a machine has (vl-convert picked the
system's Liberation Sans over its bundled copy when Debian's fonts-liberation was installed).

Source: Debian bookworm's ``fonts-noto-cjk`` 1:20220127+repack1-1, the "SC" face (index 2) of
``NotoSansCJK-Regular.ttc`` and ``NotoSansCJK-Bold.ttc`` (Noto Sans CJK 2.004, SIL OFL 1.1),
checked against the sha256 sums below. The files are read from ``--source-dir`` (default: where
the Debian package installs them); if they are missing there, the exact package version is
fetched with ``apt-get download`` and unpacked with ``dpkg-deb`` into ``build/font-src``.

Recipe: subset with fontTools to the characters in ``fonts/charset.txt`` that the source covers
(written here: Basic Latin, Latin-1, the typographic punctuation, arrows and maths signs listed in
``FIXED``, plus every CJK character used by the notebooks' sources, ``analysis/`` and
``data/raw/``), drop hinting, rename the family to "Suanli Sans" (a name no system font carries;
the OFL also forbids the reserved name "Source" on a modified version) and freeze every
timestamp so a rebuild is byte-identical. Outputs: ``fonts/SuanliSans-{Regular,Bold}.otf``,
``fonts/charset.txt``, ``fonts/OFL.txt`` (licence with the upstream copyright).
"""
from __future__ import annotations

import argparse
import os
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "fonts"
PACKAGE, VERSION = "fonts-noto-cjk", "1:20220127+repack1-1"
DEFAULT_SRC = Path("/usr/share/fonts/opentype/noto")
FACE_INDEX = 2  # "Noto Sans CJK SC" in both collections
SOURCES = {
    "Regular": ("NotoSansCJK-Regular.ttc", "b76b0433203017ca80401b2ee0dd69350349871c4b19d504c34dbdd80541690a"),
    "Bold": ("NotoSansCJK-Bold.ttc", "faa5f3656a78b2e2d450d27fe8382c778bc2b6bb5ea29c986664a6a435056ceb"),
}
FAMILY = "Suanli Sans"
# 2023-12-07 00:00 UTC (the information cut-off) in seconds since 1904-01-01, the OpenType epoch.
FROZEN_TIME = 3784752000
FIXED = (list(range(0x20, 0x7F)) + list(range(0xA0, 0x100))
         + list(range(0x2010, 0x2028)) + list(range(0x2030, 0x203B))
         + [0x2044, 0x20AC, 0x2122, 0x2190, 0x2191, 0x2192, 0x2193, 0x2212, 0x2215, 0x221E, 0x2248,
            0x2260, 0x2264, 0x2265, 0x0391, 0x0392, 0x0394, 0x03A3, 0x03B1, 0x03B2, 0x03B4, 0x03BC,
            0x03C0, 0x03C3, 0x03C6]
         + list(range(0x3000, 0x3020)) + list(range(0xFF01, 0xFF5F)))
TEXT_SOURCES = ("notebooks/src/*.py", "analysis/*.py", "analysis/charts/*.py", "analysis/pipeline/*.py", "data/raw/*.csv",
                "README.md")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_cjk(ch: str) -> bool:
    return 0x2E80 <= ord(ch) <= 0x9FFF or 0xF900 <= ord(ch) <= 0xFAFF or 0xFF00 <= ord(ch) <= 0xFFEF


def charset() -> list[int]:
    found = set(FIXED)
    for pattern in TEXT_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            found |= {ord(c) for c in path.read_text(encoding="utf-8") if is_cjk(c)}
    return sorted(found)


def locate_sources(source_dir: Path) -> Path:
    """The folder holding both .ttc files with the expected hashes; fetch the package if needed."""
    if all((source_dir / name).is_file() for name, _ in SOURCES.values()):
        return source_dir
    dest = ROOT / "build" / "font-src"
    dest.mkdir(parents=True, exist_ok=True)
    print(f"build_font: {source_dir} lacks the sources; fetching {PACKAGE}={VERSION} with apt-get download")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp).chmod(0o755)  # apt's unprivileged _apt user writes the download here
        subprocess.run(["apt-get", "download", f"{PACKAGE}={VERSION}"], cwd=tmp, check=True)
        deb = next(Path(tmp).glob("*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
    return dest / DEFAULT_SRC.relative_to("/")


def rename(font, style: str) -> None:
    name = font["name"]
    copyright_ = name.getDebugName(0)
    version = name.getDebugName(5)
    name.names = []
    entries = {0: f"{copyright_} Subset and renamed by the suanli project (Modified Version under the OFL).",
               1: FAMILY, 2: style, 3: f"{FAMILY} {style}; subset of Noto Sans CJK SC {version}",
               4: f"{FAMILY} {style}", 5: version, 6: f"SuanliSans-{style}",
               13: "This Font Software is licensed under the SIL Open Font License, Version 1.1.",
               14: "https://openfontlicense.org"}
    for nid, text in entries.items():
        name.setName(text, nid, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [f"SuanliSans-{style}"]
    top = cff.topDictIndex[0]
    for key, value in (("FullName", f"{FAMILY} {style}"), ("FamilyName", FAMILY)):
        if hasattr(top, key):
            setattr(top, key, value)
    font["head"].created = font["head"].modified = FROZEN_TIME


def build(source_dir: Path) -> list[Path]:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    codepoints = charset()
    written = []
    for style, (filename, expected) in SOURCES.items():
        src = source_dir / filename
        got = sha256(src)
        if got != expected:
            sys.exit(f"build_font: {src} has sha256 {got}, expected {expected} ({PACKAGE} {VERSION})")
        font = TTFont(src, fontNumber=FACE_INDEX, recalcTimestamp=False)
        cmap = font.getBestCmap()
        options = subset.Options()
        options.hinting = False
        options.desubroutinize = True
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.layout_features = ["kern", "liga", "locl", "ccmp", "mark", "mkmk", "palt", "halt"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[u for u in codepoints if u in cmap])
        subsetter.subset(font)
        rename(font, style)
        target = OUT / f"SuanliSans-{style}.otf"
        font.save(target)
        written.append(target)
        missing = [u for u in codepoints if u not in cmap]
        if missing and style == "Regular":
            print(f"build_font: the source lacks {len(missing)} requested characters (left out): "
                  + " ".join(f"U+{u:04X}" for u in missing[:20]))
    (OUT / "charset.txt").write_text(
        "# Characters requested from the source by scripts/build_font.py (one code point a line).\n"
        + "".join(f"U+{u:04X} {chr(u) if u > 0x20 else 'space'}\n" for u in codepoints), encoding="utf-8")
    return written


def write_licence(source_dir: Path) -> None:
    from fontTools.ttLib import TTFont

    font = TTFont(source_dir / SOURCES["Regular"][0], fontNumber=FACE_INDEX, lazy=True)
    holder = font["name"].getDebugName(0).rstrip(".")
    text = (OUT / "OFL.txt").read_text(encoding="utf-8")
    body = text[text.index("SIL OPEN FONT LICENSE"):] if "SIL OPEN FONT LICENSE" in text else text
    (OUT / "OFL.txt").write_text(
        f"Suanli Sans is a subset of Noto Sans CJK SC: {holder}, with Reserved Font Name 'Source'.\n"
        "Noto is a trademark of Google Inc. Subset and renamed by the suanli project; see fonts/README.md.\n\n"
        + body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    # `make font FONT_SRC=dir` reaches here through the environment, never through a shell
    ap.add_argument("--source-dir", type=Path, default=Path(os.environ.get("FONT_SRC") or DEFAULT_SRC),
                    help=f"folder with the {PACKAGE} .ttc files (default: $FONT_SRC, else {DEFAULT_SRC})")
    args = ap.parse_args(argv)
    src = locate_sources(args.source_dir)
    for path in build(src):
        print(f"build_font: wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB, sha256 {sha256(path)[:16]})")
    write_licence(src)
    return 0


if __name__ == "__main__":
    sys.exit(main())
