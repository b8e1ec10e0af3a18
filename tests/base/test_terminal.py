"""Terminal text: what a run name, a parameter or a notebook holds cannot drive the terminal."""
from analysis.base.terminal import printable


def test_printable_escapes_every_control_and_invisible_character():
    assert printable("a\x1b[31mb\x00c\u202ed\nnext") == "a\\x1b[31mb\\x00c\\u202ed\nnext"
    assert printable("算力 ok") == "算力 ok"
    assert printable("\u2028x\u2029") == "\\u2028x\\u2029"
