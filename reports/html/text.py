"""Texts for the HTML views: loaded once per render, with their structure, drawn safely."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corpus.normalize import chrome_mask
from reports.base import TextSource
from reports.locate import structure_of

_CONTROL_TABLE = {cp: 0x2400 + cp for cp in range(0x20) if cp not in (0x09, 0x0A, 0x0D)}
_CONTROL_TABLE[0x7F] = 0x2421
_CONTROL_TABLE.update({cp: 0xFFFD for cp in range(0x80, 0xA0)})
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def visible(text: Any) -> str:
    """``text`` as a string whose control characters are drawn as symbols.

    One code point stays one code point (so offsets keep their meaning): C0
    controls become their Unicode control pictures (␇, ␛), C1 controls and
    lone surrogates become U+FFFD. Escaping is left to the template engine.
    """
    if text is None:
        return ""
    text = str(text).translate(_CONTROL_TABLE)
    return _SURROGATE_RE.sub("\ufffd", text)


@dataclass
class TextInfo:
    text: str | None
    notice: str = ""
    noise: np.ndarray | None = None
    paragraphs: tuple = ()
    noise_runs: list[tuple[int, int]] = field(default_factory=list)


class Texts:
    """Texts by path for one render, loaded once, with their structure."""

    def __init__(self, loader: TextSource) -> None:
        self._loader = loader
        self._cache: dict[str, TextInfo] = {}

    def get(self, path: str) -> TextInfo:
        if path not in self._cache:
            self._cache[path] = self._load(path)
        return self._cache[path]

    def _load(self, path: str) -> TextInfo:
        try:
            text = self._loader(path)
        except Exception as exc:  # one unreadable source must not sink the report
            return TextInfo(None, f"无法读取文本：{type(exc).__name__}: {exc}")
        if not isinstance(text, str):
            return TextInfo(None, "文本不可用，仅显示偏移。")
        noise = chrome_mask(text)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], noise.view(np.int8), [0]))))
        noise_runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]
        return TextInfo(text, "", noise, structure_of(text).paragraphs, noise_runs)
