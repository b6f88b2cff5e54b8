"""Obfuscations applied to copied passages, and helpers to undo/check them.

Every function takes the copied text (or its sentences) and a
``random.Random`` and returns the text to plant.  None of them looks at global
state, so the same ``rng`` state gives the same output.
"""

from __future__ import annotations

import bisect
import random
import re
from functools import cache, lru_cache

from evaluation.synth.lexicon import PINYIN, SYNONYMS

# A pinyin annotation as inserted by :func:`script_noise`: 穩(wěn)定
PINYIN_RE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")

_SYN_RE = re.compile("|".join(re.escape(k) for k in sorted(SYNONYMS, key=len, reverse=True)))
_SENT_END = "。！？；"

# Numbers that may be swapped: digits (optionally with decimals) and what
# follows them (余/多 and one measure character).
_NUM_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])([余多]?)(\D?)")
_NO_SWAP_AFTER = set("月日号时年")


# ---------------------------------------------------------------------------
# OpenCC
# ---------------------------------------------------------------------------

@cache
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_traditional(text: str) -> str:
    return _opencc("s2t").convert(text)


def to_simplified(text: str) -> str:
    return _opencc("t2s").convert(text)


@cache
def _trad_pinyin() -> dict[str, str]:
    table: dict[str, str] = {}
    for ch, py in PINYIN.items():
        table[ch] = py
        table[to_traditional(ch)] = py
    return table


def roundtrips(text: str) -> bool:
    """True if s2t followed by t2s gives ``text`` back (needed by script_noise)."""
    return to_simplified(to_traditional(text)) == text


# ---------------------------------------------------------------------------
# Obfuscations
# ---------------------------------------------------------------------------

def synonyms(text: str, rng: random.Random, rate: float = 1.0) -> str:
    """Replace words by their synonym (each occurrence with probability ``rate``)."""
    r = rng.random

    def sub(m: re.Match) -> str:
        return SYNONYMS[m.group()] if r() < rate else m.group()

    return _SYN_RE.sub(sub, text)


def light_edit(sents: list[str], rng: random.Random) -> str:
    """Some synonyms (加强→强化 ...) and one sentence dropped."""
    sents = list(sents)
    if len(sents) >= 3:
        del sents[rng.randrange(len(sents))]
    out = synonyms("".join(sents), rng, 0.5)
    if out == "".join(sents):  # make sure something changed
        out = synonyms("".join(sents), rng, 1.0)
    return out


def reorder(sents: list[str], rng: random.Random) -> str:
    """The passage's sentences shuffled (never in the original order)."""
    order = list(range(len(sents)))
    if len(sents) < 2:
        return "".join(sents)
    while order == sorted(order):
        rng.shuffle(order)
    return "".join(sents[i] for i in order)


def rotate_clauses(sentence: str, k: int = 1) -> str:
    """Move the first ``k`` comma-separated clauses of a sentence to its end."""
    end = ""
    body = sentence
    if body and body[-1] in _SENT_END:
        body, end = body[:-1], body[-1]
    clauses = body.split("，")
    if len(clauses) < 2:
        return sentence
    k %= len(clauses)
    return "，".join(clauses[k:] + clauses[:k]) + end


def heavy_rewrite(sents: list[str], rng: random.Random) -> str:
    """All synonyms, a third of the sentences dropped, clauses rotated."""
    sents = list(sents)
    n_drop = max(1, round(len(sents) / 3)) if len(sents) >= 3 else 0
    for _ in range(n_drop):
        del sents[rng.randrange(len(sents))]
    out = []
    for s in sents:
        n = s.count("，") + 1
        out.append(rotate_clauses(s, rng.randrange(1, n)) if n > 1 else s)
    return synonyms("".join(out), rng, 1.0)


def script_noise(text: str, rng: random.Random, rate: float = 0.22) -> str:
    """Traditional script (OpenCC s2t) with pinyin after some characters: 穩(wěn)定."""
    trad = to_traditional(text)
    table = _trad_pinyin()
    r = rng.random
    out = []
    for ch in trad:
        out.append(ch)
        py = table.get(ch)
        if py is not None and r() < rate:
            out.append(f"({py})")
    return "".join(out)


def strip_pinyin(text: str) -> str:
    return PINYIN_RE.sub("", text)


def format_noise(text: str, rng: random.Random, newline: str = "\n") -> str:
    """Half-width ,;: punctuation, line breaks mid-sentence and stray spaces."""
    out = text.replace("，", ",").replace("；", ";").replace("：", ":")
    chars = list(out)
    n = len(chars)
    if n < 4:
        return out
    inserts: dict[int, str] = {}
    for _ in range(rng.randint(1, 3)):
        inserts[rng.randrange(1, n - 1)] = newline
    for _ in range(rng.randint(2, 5)):
        inserts.setdefault(rng.randrange(1, n - 1), rng.choice((" ", " ", "  ", "\u3000")))
    for pos in sorted(inserts, reverse=True):
        chars.insert(pos, inserts[pos])
    return "".join(chars)


def unformat(text: str) -> str:
    """Undo :func:`format_noise` (whitespace removed, full-width ，；： back)."""
    text = re.sub(r"[\s\u3000]+", "", text)
    return text.replace(",", "，").replace(";", "；").replace(":", "：")


# ---------------------------------------------------------------------------
# Entity swaps
# ---------------------------------------------------------------------------

_NUM_TOKEN = r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])[余多]?[^\d\s，。；：、,.;:()（）“”]?"


_NUM_FULL = re.compile(_NUM_TOKEN)


@lru_cache(maxsize=4096)
def _token_re(words: tuple[str, ...]) -> re.Pattern:
    """Entity names (longest first) or any number token with its suffix."""
    alts = [re.escape(w) for w in sorted(words, key=len, reverse=True)]
    return re.compile("|".join(alts + [_NUM_TOKEN]))


def _swap_sub(swaps, reverse: bool):
    """(regex, replacement function) of :func:`apply_swaps`; None if no swaps."""
    mapping = {(n if reverse else o): (o if reverse else n) for o, n in swaps}
    if not mapping:
        return None
    words = tuple(sorted(k for k in mapping if not _NUM_FULL.fullmatch(k)))
    get = mapping.get

    def sub(m: re.Match) -> str:
        tok = m.group()
        rep = get(tok)
        if rep is not None:
            return rep
        if tok[:1].isdigit():
            # the number without its trailing character, or without 余/多 + it
            for cut in (1, 2):
                if len(tok) > cut:
                    rep = get(tok[:-cut])
                    if rep is not None:
                        return rep + tok[-cut:]
        return tok

    return _token_re(words), sub


def apply_swaps(text: str, swaps, reverse: bool = False) -> str:
    """Apply ``[[old, new], ...]`` in one left-to-right pass (longest entity
    first; numbers only match at digit boundaries, with or without the
    character recorded after them).  ``reverse=True`` maps new back to old."""
    rs = _swap_sub(swaps, reverse)
    if rs is None:
        return text
    return rs[0].sub(rs[1], text)


def map_through_swaps(text: str, swaps, ranges) -> list:
    """Where the half-open ``ranges`` of ``text`` are in ``apply_swaps(text,
    swaps)``: a range boundary inside a replaced token moves to the edge of
    its replacement (a start to its start, an end to its end)."""
    rs = _swap_sub(swaps, False)
    edits = []  # (old start, old end, new start, new end)
    if rs is not None:
        pat, sub = rs
        shift = 0
        for m in pat.finditer(text):
            rep = sub(m)
            if rep != m.group():
                s, e = m.span()
                edits.append((s, e, s + shift, s + shift + len(rep)))
                shift += len(rep) - (e - s)
    starts = [x[0] for x in edits]

    def where(x: int, end: bool) -> int:
        i = bisect.bisect_right(starts, x) - 1
        if i < 0:
            return x
        s, e, ns, ne = edits[i]
        if x >= e:
            return ne + (x - e)
        if x == s:
            return ns
        return ne if end else ns

    return [(where(a, False), where(b, True)) for a, b in ranges]


def _naive_unswap(text: str, swaps) -> str:
    for old, new in sorted(swaps, key=lambda p: len(p[1]), reverse=True):
        text = text.replace(new, old)
    return text


def _perturb_number(num: str, rng: random.Random) -> str:
    if "." in num:
        whole, frac = num.split(".")
        v = float(num)
        if v > 50:  # a rate in percent
            nv = min(99.9, max(50.0, v + rng.uniform(-6, 6)))
        else:
            nv = max(0.1, v * rng.uniform(0.5, 1.6))
        return f"{nv:.{len(frac)}f}"
    v = int(num)
    if v <= 3:
        nv = v + rng.randint(1, 6)
    else:
        nv = max(2, int(round(v * rng.uniform(0.55, 1.5))))
        if len(num) >= 3 and num.endswith("0"):
            nv = max(10, nv // 10 * 10)
    return str(nv)


def swap_entities(text: str, pairs, rng: random.Random, number_rate: float = 0.6,
                  min_swaps: int = 1):
    """Replace entity names (``pairs`` of (old, new)) and some numbers.

    Returns ``(new_text, swaps)`` where applying ``swaps`` reversed to
    ``new_text`` (single pass, see :func:`apply_swaps`, or naive
    longest-first ``str.replace``) gives ``text`` back exactly; ``None`` if
    fewer than ``min_swaps`` swaps are possible.
    """
    ent: dict[str, str] = {}
    news: set[str] = set()
    for old, new in pairs:
        if not old or old == new or old in ent or new in news:
            continue
        if old in text and new not in text:
            ent[old] = new
            news.add(new)
    nums: dict[str, str] = {}
    for m in _NUM_RE.finditer(text):
        num, more, after = m.group(1), m.group(2), m.group(3)
        if after in _NO_SWAP_AFTER or (m.start() > 0 and text[m.start() - 1] in "第"):
            continue
        if after and (after.isspace() or after in "，。；：、,.;:()（）“”"):
            after = ""
        old = num + more + after
        if old in nums or old in ent or rng.random() >= number_rate:
            continue
        for _ in range(4):
            new = _perturb_number(num, rng) + more + after
            if new != old and new not in text and new not in news:
                nums[old] = new
                news.add(new)
                break
    for attempt in (nums, {}):
        mapping = dict(ent)
        mapping.update(attempt)
        if len(mapping) < min_swaps:
            return None
        swaps = [[o, n] for o, n in mapping.items()]
        out = apply_swaps(text, swaps)
        if apply_swaps(out, swaps, reverse=True) == text and _naive_unswap(out, swaps) == text:
            used = [s for s in swaps if s[1] in out]
            return out, used
    return None
