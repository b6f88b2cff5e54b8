"""File names made safe to store (safe_path) and to print (printable)."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from corpus.names import printable, safe_path


def test_undecodable_bytes_become_backslash_x():
    name = os.fsdecode(b"bad\xff\xfename.txt")
    assert safe_path(name) == "bad\\xff\\xfename.txt"
    assert safe_path(name).encode("utf-8")  # what SQLite and JSON need


@given(st.text())
def test_safe_path_leaves_valid_text_alone_and_is_idempotent(text):
    valid = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    assert safe_path(valid) == valid
    assert safe_path(safe_path(text)) == safe_path(text)


@given(st.binary(max_size=64))
def test_any_file_name_gives_printable_utf8(raw):
    shown = printable(safe_path(os.fsdecode(raw)))
    shown.encode("utf-8")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in shown)


def test_escapes_newlines_and_bidi_overrides_are_written_out():
    assert printable("ansi\x1b[2J\x07.txt") == "ansi\\x1b[2J\\x07.txt"
    assert printable("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert printable("bidi\u202etxt.exe") == "bidi\\u202etxt.exe"
    assert printable("城关镇2023年工作总结.docx") == "城关镇2023年工作总结.docx"
