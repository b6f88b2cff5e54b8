"""Synthetic corpus of Chinese work summaries (工作总结) with planted copying.

>>> from evaluation.synth import SynthConfig, generate_corpus
>>> truth = generate_corpus("/tmp/demo", SynthConfig(n_units=12))  # doctest: +SKIP
"""

from evaluation.synth.generator import (
    ALL_OBFUSCATIONS,
    SCHEMA,
    SynthConfig,
    build,
    demo_corpus,
    generate_corpus,
    generate_texts,
    is_meaningful,
)
from evaluation.synth.obfuscate import PINYIN_RE, apply_swaps, strip_pinyin, unformat

__all__ = [
    "ALL_OBFUSCATIONS",
    "PINYIN_RE",
    "SCHEMA",
    "SynthConfig",
    "apply_swaps",
    "build",
    "demo_corpus",
    "generate_corpus",
    "generate_texts",
    "is_meaningful",
    "strip_pinyin",
    "unformat",
]
