"""Text for a terminal. Runs, parameters and notebooks may hold any character; what the build
prints about them must not move the cursor, recolour the screen or reverse the text around it.
A leaf: both layers print through it."""
from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """``text`` safe for a terminal: control and format characters (escape sequences, NUL, bidi
    overrides) shown as escapes; newlines kept."""
    out = []
    for ch in str(text):
        if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)
