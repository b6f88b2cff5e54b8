"""Synthetic corpus of Chinese work summaries with planted copying and exact truth.

See :func:`generate_corpus` for the layout of what is written.  Determinism:
all randomness comes from ``random.Random`` instances derived from
``SynthConfig.seed``; the same config gives byte-identical files.

Offsets in ``truth.json`` are half-open ranges of Unicode code points into the
decoded text of a file (bytes decoded with the recorded encoding, a leading
BOM removed, newlines exactly as written).

Ground-truth conventions (documented for evaluators):

* ``stock_ranges``: stock phrasing (套话: title, opener, closer, headings,
  section intros, 一是/二是 and paragraph leads, short formulas, signature
  lines, with the years and numbers written into them) and, in 范文, web
  chrome (also listed in ``chrome_ranges``); a range takes the whitespace
  (newline, indent) around it.  Passages copied from part of a document never
  contain stock, so their ranges never overlap stock ranges; a whole copy
  (``whole_copy``) keeps its source's stock ranges (mapped through the entity
  swaps): towards any other document that phrasing is stock, not copying.
* Clean units (``clean: true``) copy nothing and are never used as a source:
  they share only stock phrasing with the rest of the corpus.
* A passage is copied at most once, so two submissions never share text
  through a common source.
* ``copied_chars``: code points covered by the union of the document's case
  ranges; ``copied_meaningful_chars``: of those, the ones that are neither
  whitespace, punctuation, control characters (``unicodedata.category(c)[0]
  not in "PZC"``) nor U+3000.  ``meaningful_chars`` is the same count for the
  whole document.
* Entity swaps (``swaps``: ``[[old, new], ...]``): applying them in reverse in
  one left-to-right pass, longest first (numbers only at digit boundaries, see
  ``obfuscate.apply_swaps``) - or naively with ``str.replace`` longest first -
  gives the source passage back exactly.

Uniqueness is judged the way the detector sees text: folded by
:func:`corpus.normalize.normalize`, where every run of digits (and every
placeholder such as ``20__``) is one wildcard, so "开展18场讲座" and
"开展25场讲座" are the same.  The grammar keeps literal glue short and varies
verbs, objects, clause forms and clause counts, and :func:`generate_corpus`
runs a deterministic guard (:class:`UniqueGuard`) that rewrites sentences
sharing a window of 12 folded characters (or 13 with digits kept) with an
earlier document, or repeating one inside the document, and after planting
the sentences next to a planted passage whose seam repeats another document.
On the 60-unit benchmark corpus, documents share no run of 13 characters
outside planted cases and stock phrasing, and about one sentence in six is
rewritten.  Past a few hundred documents the grammar repeats itself more: the
guard's effort is bounded (``UniqueGuard.BUDGET``) and the sentences it gives
up on are counted as ``forced`` (~10% at 1,000 documents).  It is switched
off above ``GUARD_MAX_GRAMS`` (~20k documents).  :func:`generate_texts`
(benchmarks) does not run it.

Speed (one core): generate_texts ~1,000 documents/s of 3,000 characters;
generate_corpus ~1 s for 60 units, ~5 s for 300, ~20 s for 1,000 (the guard's
retries grow with the corpus).
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import io
import json
import random
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from evaluation.synth import lexicon as L
from evaluation.synth import obfuscate as O

ALL_OBFUSCATIONS = (
    "verbatim",
    "entity_swap",
    "light_edit",
    "reorder",
    "heavy_rewrite",
    "script_noise",
    "format_noise",
    "mosaic",
    "whole_copy",
)
#: Cases the generator plants besides the obfuscations: members of a 范文
#: family (``SynthConfig.families``) and next-year reuse (``reuse_units``).
FAMILY, SELF_REUSE = "family", "self_reuse"
SCHEMA = "chachong/truth-v1"

# Private-use marks around stock phrasing inside generated strings; removed
# when a document is rendered.
SO, SC = "\ue000", "\ue001"


@dataclass
class SynthConfig:
    n_units: int = 12  # submissions
    n_references: int = 4  # 范文 in references/
    seed: int = 7
    doc_chars: int = 3000  # approximate target length of a submission
    copy_rate: float = 0.5  # share of submissions that copy something
    obfuscations: tuple[str, ...] = ALL_OBFUSCATIONS
    encodings: tuple[tuple[str, float], ...] = (("utf-8", 0.7), ("gb18030", 0.2), ("utf-8-sig", 0.1))
    clean_units: int = 2  # submissions guaranteed to copy NOTHING (but share stock phrasing)
    crlf_rate: float = 0.2  # share of files written with \r\n newlines
    unique_guard: bool = True  # regenerate sentences repeating a 13-gram of another document
    family_units: int = 0  # this many submissions paste the same 范文 passage, entities swapped (a family)
    families: tuple[int, ...] = ()  # more families: each size pastes one 范文 section (verbatim, swapped, edited)
    reuse_units: int = 0  # units that hand in next year's summary reusing paragraphs of this one (跨时抄)
    docx_rate: float = 0.0  # share of submissions written as .docx


def is_meaningful(ch: str) -> bool:
    return unicodedata.category(ch)[0] not in "PZC" and ch != "\u3000"


_KNOWN_CHARS: set = set()
_NONMEANINGFUL_CHARS: set = set()
_NONMEANINGFUL_RE = [re.compile("(?!)")]


def nonmeaningful_re(text: str = "") -> re.Pattern:
    """A regex matching the non-meaningful characters (of ``text`` and all
    texts seen before)."""
    new = set(text) - _KNOWN_CHARS
    if new:
        _KNOWN_CHARS.update(new)
        bad = {ch for ch in new if not is_meaningful(ch)}
        if bad:
            _NONMEANINGFUL_CHARS.update(bad)
            cls = "".join(sorted(re.escape(c) for c in _NONMEANINGFUL_CHARS))
            _NONMEANINGFUL_RE[0] = re.compile("[" + cls + "]+")
    return _NONMEANINGFUL_RE[0]


def count_meaningful(text: str) -> int:
    """Number of meaningful characters (see :func:`is_meaningful`)."""
    return len(nonmeaningful_re(text).sub("", text))


# ---------------------------------------------------------------------------
# Numbers and other precomputed tables
# ---------------------------------------------------------------------------


def _num_tables():
    rr = random.Random(20240607)
    big, small = [], []
    for _ in range(8192):
        x = rr.random()
        if x < 0.15:
            v = rr.randint(10, 99)
        elif x < 0.75:
            v = rr.randint(100, 999)
        else:
            v = rr.randint(1000, 4999)
        big.append(str(v))
        x = rr.random()
        small.append(str(rr.randint(2, 60) if x < 0.7 else rr.randint(61, 300)))
    pct = (
        [f"{80 + i / 10:.1f}" for i in range(200)] * 3 + ["100"] * 4 + [f"{60 + i / 100:.2f}" for i in range(4000)][::7]
    )
    pts = [f"{i / 10:.1f}" for i in range(3, 160)]
    money = [
        f"{v / 10:.1f}" if v % 3 else str(v // 10 or 5) for v in (int(30 * 270 ** rr.random()) for _ in range(4096))
    ]
    return tuple(big), tuple(small), tuple(pct), tuple(pts), tuple(money)


NUM_BIG, NUM_SMALL, PCTS, POINTS, MONEY = _num_tables()
_BIG_MEASURES = frozenset(("人次", "户次", "处", "吨", "米", "份", "张", "册", "篇", "笔", "件", "起", "户"))


def _time_tables():
    fmts = []
    for f in L.TIME_NUM:
        vals = []
        for m in range(1, 13):
            for d in (1, 3, 5, 8, 10, 12, 15, 16, 18, 20, 22, 25, 26, 28):
                m2 = min(12, m + 1 + d % 4)
                vals.append(f.format(m=m, d=d, m2=m2, d2=min(30, d + 2 + m % 5)))
        fmts.append(tuple(dict.fromkeys(vals)))
    return tuple(fmts)


TIME_NUM_TABLE = _time_tables()
CN_YEAR_DIGITS = "〇一二三四五六七八九"


def _cn_date(y: int, m: int, d: int) -> str:
    def cn(n: int) -> str:
        if n < 10:
            return L.CN_NUM[n - 1]
        if n == 10:
            return "十"
        if n < 20:
            return "十" + L.CN_NUM[n - 11]
        return L.CN_NUM[n // 10 - 1] + "十" + (L.CN_NUM[n % 10 - 1] if n % 10 else "")

    return "".join(CN_YEAR_DIGITS[int(c)] for c in str(y)) + "年" + cn(m) + "月" + cn(d) + "日"


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------


@dataclass
class Unit:
    kind: str  # bureau / town / street / school / hospital
    name: str  # as in file names and manifest
    full: str  # 临水县城关镇
    short: str  # 城关镇 / 司法局
    self_ref: str  # 我镇
    scope: str  # 全镇
    region: str  # 临水县
    level: str  # 县 / 市 / 区
    leader: str  # 县委、县政府 / 县教育局
    P: str  # 镇 / 乡 / 局 ... used in subjects
    locals: tuple[str, ...]  # villages, communities, roads ...
    loc_group: str  # 村（社区）...
    year: int | None
    year_text: str  # "2023" or "20xx"
    topic: str
    placeholder: bool = False


_SELF = {"bureau": ("我局", "全局"), "school": ("我校", "全校"), "hospital": ("我院", "全院")}
_LOC_GROUP = {
    "bureau": "乡镇（街道）",
    "town": "村（社区）",
    "street": "社区",
    "school": "教学点",
    "hospital": "乡镇卫生院",
}


def _region_name(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(L.REGION_NAMES)
    return rng.choice(L.REGION_FIRST) + rng.choice(L.REGION_SECOND)


def _local_names(rng: random.Random, kind: str, n: int = 10) -> tuple[str, ...]:
    names: list[str] = []
    seen = set()
    while len(names) < n:
        stem = rng.choice(L.LOCAL_FIRST) + rng.choice(L.LOCAL_SECOND)
        if stem in seen:
            continue
        seen.add(stem)
        if kind == "town":
            names.append(stem + ("村" if rng.random() < 0.7 else "社区"))
        elif kind == "street":
            names.append(stem + ("社区" if rng.random() < 0.7 else rng.choice(L.LOCAL_KINDS_ROAD)))
        elif kind == "bureau":
            names.append(stem + rng.choice(("镇", "镇", "乡", "街道")))
        elif kind == "school":
            names.append(stem + rng.choice(("校区", "教学点", "村小")))
        else:
            names.append(stem + rng.choice(("镇卫生院", "分院", "卫生室", "社区卫生站")))
    return tuple(names)


def make_unit(rng: random.Random, kind: str, year: int, topic: str, taken: set) -> Unit:
    """A unit with a name not in ``taken`` (names are (year, name) unique)."""
    for attempt in range(1000):
        rname = _region_name(rng)
        if kind == "bureau":
            level = rng.choice("县县县市市区")
        elif kind == "town":
            level = rng.choice("县县县市")
        elif kind == "street":
            level = rng.choice("区区市")
        else:
            level = rng.choice("县县市区")
        region = rname + level
        if kind == "bureau":
            short = rng.choice(L.BUREAUS)
            self_ref, scope, P = "我局", "全局", "局"
        elif kind in ("town", "street"):
            names = [t for t in L.TOWN_NAMES if t.endswith("街道") == (kind == "street")]
            if attempt < 10 and rng.random() < 0.7:
                short = rng.choice(names)
            else:
                stem = rng.choice(L.LOCAL_FIRST) + rng.choice(L.LOCAL_SECOND)
                short = stem + ("街道" if kind == "street" else rng.choice("镇镇镇乡"))
            P = "街道" if short.endswith("街道") else short[-1]
            self_ref, scope = "我" + P, "全" + P
        elif kind == "school":
            short = rng.choice(L.SCHOOLS)
            self_ref, scope, P = "我校", "全校", "校"
        else:
            short = rng.choice(L.HOSPITALS)
            self_ref, scope, P = "我院", "全院", "院"
        full = region + short
        if kind in ("town", "street") and attempt < 40:
            name = short
        else:
            name = full
        if (year, name) in taken or (kind in ("town", "street") and (year, full) in taken):
            continue
        taken.add((year, name))
        taken.add((year, full))
        if kind == "school":
            leader = level + "教育局"
        elif kind == "hospital":
            leader = level + "卫生健康局"
        else:
            leader = rng.choice(L.LEADER_LINES[level])
        return Unit(
            kind,
            name,
            full,
            short,
            self_ref,
            scope,
            region,
            level,
            leader,
            P,
            _local_names(rng, kind),
            _LOC_GROUP[kind],
            year,
            str(year),
            topic,
        )
    raise RuntimeError("could not find a free unit name")


def placeholder_unit(rng: random.Random, kind: str, topic: str) -> Unit:
    """The anonymised unit of a 范文: XX局, **镇, 20__年 ..."""
    mark = rng.choice(("XX", "**", "xx", "XX"))
    ymark = rng.choice(("20__", "20xx", "20XX", "20xx"))
    if kind == "bureau":
        short = mark + "局"
        self_ref, scope, P = "我局", "全局", "局"
    elif kind == "town":
        short = mark + rng.choice("镇镇乡")
        P = short[-1]
        self_ref, scope = "我" + P, "全" + P
    elif kind == "street":
        short = mark + "街道"
        self_ref, scope, P = "我街道", "全街道", "街道"
    elif kind == "school":
        short = mark + rng.choice(("学校", "中学", "小学"))
        self_ref, scope, P = "我校", "全校", "校"
    else:
        short = mark + "医院"
        self_ref, scope, P = "我院", "全院", "院"
    level = rng.choice("县市")
    region = mark + level
    locs = list(_local_names(rng, kind, 9))
    locs.insert(rng.randrange(len(locs)), mark + ("村" if kind == "town" else "社区"))
    leader = (
        level + "教育局"
        if kind == "school"
        else level + "卫生健康局"
        if kind == "hospital"
        else L.LEADER_LINES[level][0]
    )
    return Unit(
        kind,
        short,
        short,
        short,
        self_ref,
        scope,
        region,
        level,
        leader,
        P,
        tuple(locs),
        _LOC_GROUP[kind],
        None,
        ymark,
        topic,
        placeholder=True,
    )


def entity_pairs(src: Unit, dst: Unit, rng: random.Random) -> list[tuple[str, str]]:
    """Candidate (old, new) entity replacements when ``dst`` copies from ``src``."""
    pairs = [
        (src.full, dst.full),
        (src.short, dst.short),
        (src.region, dst.region),
        (src.self_ref, dst.self_ref),
        (src.scope, dst.scope),
    ]
    if src.kind == dst.kind and src.leader != dst.leader:
        pairs.append((src.leader, dst.leader))
    dl = list(dst.locals)
    rng.shuffle(dl)
    pairs += list(zip(src.locals, dl))
    if dst.year is not None:
        if src.year is None:
            pairs.append((src.year_text, dst.year_text))
            pairs.append(("xx月xx日", f"12月{rng.randint(10, 28)}日"))
        else:
            for dy in (1, 0, -1):
                pairs.append((str(src.year + dy), str(dst.year + dy)))
    return [(o, n) for o, n in pairs if o != n]


# ---------------------------------------------------------------------------
# Grammar
# ---------------------------------------------------------------------------


class _G:
    """State used by the slot functions while one document is written."""

    __slots__ = (
        "r",
        "rng",
        "u",
        "obj",
        "act",
        "ppl",
        "mat",
        "sysl",
        "area",
        "metric",
        "prob",
        "camp",
        "means",
        "subj",
        "locs",
        "ordn",
        "objn",
        "pplnames",
        "guard",
        "mods",
        "weak",
    )

    def __init__(self, rng: random.Random, unit: Unit, guard: UniqueGuard | None = None):
        self.guard = guard
        self.rng = rng
        self.r = rng.random
        self.u = unit
        gm = _grammar(unit.kind, unit.topic)
        (
            self.obj,
            self.act,
            self.ppl,
            self.mat,
            self.sysl,
            self.area,
            self.metric,
            self.prob,
            self.camp,
            self.means,
            self.objn,
            self.pplnames,
        ) = gm
        self.subj = tuple(s.replace("{P}", unit.P) for s in L.SUBJECTS[unit.kind])
        self.mods = L.OBJ_MODS[unit.topic]
        self.weak = L.WEAK_OBJ[unit.kind]
        self.locs = unit.locals
        self.ordn = 0


# ---------------------------------------------------------------------------
# Uniqueness guard
# ---------------------------------------------------------------------------

GRAM = 12  # folded stream: digit runs and placeholders are one "#"
GRAM_RAW = 13  # stream with digits kept (the 13-character baseline)
STOCK_SHARE = 0.55  # a window with more stock than this (in code points) is stock
_EMPTY = np.zeros(0, np.uint64)
_BASE = np.uint64(1000003)
_SALT_RAW = np.uint64(0x9E3779B97F4A7C15)
_MARK_SPLIT = re.compile("[" + SO + SC + "]")
_PLACEHOLDER_CHARS = frozenset("Xx×＊*＿_ＸｘΧ")
# one number, as corpus.normalize folds it: digits joined directly or by one
# decimal point or thousands comma (12.5, 1,200); 67.84%。2023 is two
_NUMBER_RUN = re.compile("[0-9０-９]+(?:[.,．][0-9０-９]+)*")
# 我镇/我乡, 全局/全院 ...: an entity swap turns one into the other, so the
# guard does not tell them apart
_SELF_RE = re.compile("(?<=[我全])[局镇乡校院]")


class _FoldMap(dict):
    """``str.translate`` table reproducing :func:`corpus.normalize.normalize`
    per character (NFKC, lower case, punctuation and whitespace dropped;
    digits to ``#`` if ``numbers``)."""

    def __init__(self, numbers: bool):
        super().__init__()
        self.numbers = numbers

    def __missing__(self, cp):
        from corpus.normalize import fold_table

        f = int(fold_table()[cp]) if cp < 0x10000 else cp
        if self.numbers and 48 <= f <= 57:
            v = "#"
        else:
            v = chr(f) if f else None
        self[cp] = v
        return v


_FOLD = _FoldMap(True)
_FOLD_RAW = _FoldMap(False)


def fold_parts(e: str, canonical: bool = True) -> tuple:
    """``(folded, raw, stock, n)`` for the stock and original parts of a
    generated string: ``folded`` as in ``normalize(text).text`` (digit runs
    and placeholders one ``#``), ``raw`` as with ``fold_numbers=False``, ``n``
    the part's length in code points; ``canonical``: 我镇/我乡 ... as 我@."""
    if SO in e:
        pieces = [(p, j % 2 == 1) for j, p in enumerate(_MARK_SPLIT.split(e)) if p]
    else:
        pieces = [(e, False)]
    out = []
    for p, stock in pieces:
        raw = p.translate(_FOLD_RAW)
        q = p
        if not _PLACEHOLDER_CHARS.isdisjoint(p):
            from corpus.normalize import placeholder_mask

            m = placeholder_mask(p)
            if m.any():
                q = "".join("0" if w else ch for ch, w in zip(p, m.tolist()))
        folded = _NUMBER_RUN.sub("0", q).translate(_FOLD)
        if canonical and ("我" in p or "全" in p):
            raw = _SELF_RE.sub("@", raw)
            folded = _SELF_RE.sub("@", folded)
        if folded or raw:
            out.append((folded, raw, stock, len(p)))
    return tuple(out)


def _rolling(cps, gram: int):
    """Polynomial hash (base 1000003, wrapping uint64) of every window of
    ``gram`` code points: sum of cps[p + j] * B ** (gram - 1 - j)."""
    n = len(cps) - gram + 1
    h = cps[:n].copy()
    with np.errstate(over="ignore"):
        for j in range(1, gram):
            h *= _BASE
            h += cps[j : j + n]
    return h


def _mix(h):
    """splitmix64 finaliser (numpy uint64, wrapping)."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


GUARD_MAX_GRAMS = 60_000_000  # above this (~20k documents) the guard is switched off


class UniqueGuard:
    """Regenerates sentences whose text repeats another document.

    A document is checked as the detector sees it: the whole text (every
    block, stock included) folded like :func:`corpus.normalize.normalize`.
    Two streams are checked: the folded one (digit runs and placeholders one
    ``#``) in windows of ``GRAM`` (12) characters, and the one with digits
    kept in windows of ``GRAM_RAW`` (13).  A window more than ``STOCK_SHARE``
    of which is stock is stock and not checked; any other window
    already seen in an earlier document, or earlier in the same document,
    makes the sentence owning most of its original characters be written
    again (at most ``max_rounds`` rounds).  After planting, :meth:`vet_seams`
    checks the windows across the edges of planted passages the same way.
    Hashes are deterministic (polynomial over code points in numpy uint64)
    and kept in a blocked Bloom filter (four bits in one 64-bit word per
    window); a false positive only costs a retry, so the output stays
    deterministic."""

    def __init__(self, expected_grams: int, max_rounds: int = 24):
        want = max(1, expected_grams) * 2 * 48 // 64  # two streams, ~48 bits a window
        nwords = 1 << max(14, min(25, (want - 1).bit_length()))
        self.mask = np.uint64(nwords - 1)
        self.words = np.zeros(nwords, np.uint64)
        self.pending: list = []
        self.max_rounds = max_rounds
        self.budget = 0
        self.checked = self.rejected = self.forced = 0

    def _idx(self, h):
        """(word, four-bit mask) of each hash."""
        m = np.uint64(1) << (h & np.uint64(63))
        for j in (6, 12, 18):
            m |= np.uint64(1) << ((h >> np.uint64(j)) & np.uint64(63))
        return (h >> np.uint64(32)) & self.mask, m

    def seen(self, h):
        """Boolean array: which hashes are (probably) in the filter."""
        i, m = self._idx(h)
        return (self.words[i] & m) == m

    @staticmethod
    def stream(cache):
        """Folded and raw streams of a document: for each, the code points
        (uint64), the stock weight (code points of stock per character, 0
        for original text), the weight (code points per character) and the
        element (index into ``cache``) of every character.  ``cache[k]`` is
        ``(parts, owned)`` with ``parts`` as from :func:`fold_parts`."""
        acc = ([], [], [], []), ([], [], [], [])
        for k, (parts, _own) in enumerate(cache):
            for folded, raw, stock, n in parts:
                for text, (strs, sts, ws, el) in ((folded, acc[0]), (raw, acc[1])):
                    if text:
                        w = n / len(text)
                        strs.append(text)
                        ws.append(w)
                        sts.append(w if stock else 0.0)
                        el.append(k)
        out = []
        for j, (strs, sts, ws, el) in enumerate(acc):
            if not strs:
                out.append((_EMPTY, np.zeros(0), np.zeros(0), np.zeros(0, np.int64)))
                continue
            cps = np.frombuffer("".join(strs).encode("utf-32-le"), np.uint32).astype(np.uint64)
            lens = np.fromiter(map(len, strs), np.int64, len(strs))
            stk = np.repeat(np.array(sts), lens)
            wgt = np.repeat(np.array(ws), lens)
            elem = np.repeat(np.array(el, np.int64), lens)
            if j == 0:  # a "#" right after a "#" (across parts) is the same wildcard
                dup = np.zeros(len(cps), bool)
                dup[1:] = (cps[1:] == 35) & (cps[:-1] == 35)
                if dup.any():
                    keep = ~dup
                    cps, stk, wgt, elem = cps[keep], stk[keep], wgt[keep], elem[keep]
            out.append((cps, stk, wgt, elem))
        return out

    @staticmethod
    def windows(cps, stk, wgt, gram):
        """Hashes and start positions of the windows that are not stock: at
        most ``STOCK_SHARE`` of their code points (the detector's texts count
        code points: a number is one "#" but several digits) are stock."""
        if len(cps) < gram:
            return _EMPTY, np.zeros(0, np.int64)
        h = _rolling(cps, gram)
        cs = np.concatenate(([0.0], np.cumsum(stk)))
        cw = np.concatenate(([0.0], np.cumsum(wgt)))
        ok = (cs[gram:] - cs[:-gram]) <= STOCK_SHARE * (cw[gram:] - cw[:-gram])
        pos = np.flatnonzero(ok)
        return _mix(h[ok]), pos

    def _round(self, cache, select=None):
        """One check of the document in ``cache``: (culprit elements, hashes
        of its windows, number of repeated windows no element can fix).
        ``select(elem, pos, gram)`` limits the windows checked (all by
        default)."""
        culprits = set()
        hashes = []
        unfixable = 0
        own = np.array([o for _, o in cache] + [False], bool)
        pending = np.concatenate(self.pending) if self.pending else _EMPTY
        streams = self.stream(cache)
        for (cps, stk, wgt, elem), gram, salt in ((streams[0], GRAM, None), (streams[1], GRAM_RAW, _SALT_RAW)):
            h, pos = self.windows(cps, stk, wgt, gram)
            if salt is not None:
                h = h ^ salt
            hashes.append(h)
            if not len(h):
                continue
            bad = self.seen(h)
            # a window repeated inside the document (or its earlier essays)
            o = np.argsort(h, kind="stable")
            ho = h[o]
            bad[o[1:][ho[1:] == ho[:-1]]] = True
            if len(pending):
                bad |= np.isin(h, pending)
            if select is not None:
                bad &= select(elem, pos, gram)
            if not bad.any():
                continue
            win = sliding_window_view(elem, gram)[pos[bad]]
            orig = (sliding_window_view(stk, gram)[pos[bad]] == 0) & own[win]
            for w, ok in zip(win.tolist(), orig.tolist()):
                # the element owning most of the window's original characters
                counts: dict = {}
                for k, keep in zip(w, ok):
                    if keep:
                        counts[k] = counts.get(k, 0) + 1
                if counts:
                    top = max(counts.values())
                    culprits.add(max(k for k, c in counts.items() if c == top))
                else:
                    unfixable += 1
        return culprits, hashes, unfixable

    def _rewrite(self, g, blocks, elems, cache, k):
        bi, ei = elems[k]
        old = blocks[bi].elems[ei]
        self.rejected += 1
        if old.startswith(SO) and old[1:3] in L.ORDINAL_LEADS:
            g.ordn = L.ORDINAL_LEADS.index(old[1:3])
        tpls = _family(blocks[bi].section)
        ordn = g.ordn
        for _ in range(self.TRIES):
            # a sentence whose own windows were seen is not worth placing
            g.ordn = ordn
            new = tpls[int(g.r() * len(tpls))](g)
            self.budget -= 1
            if self.budget <= 0 or not self._seen_alone(new):
                break
        blocks[bi].elems[ei] = new
        cache[k] = (fold_parts(new), True)

    TRIES = 8  # sentences tried for one rewrite
    BUDGET = 2  # sentences written per original sentence of a document, at most

    def _seen_alone(self, e: str) -> bool:
        """Whether a window of the folded sentence alone was seen before (a
        quick look before a sentence is placed; the document check that
        follows is the real one)."""
        if SO not in e and _PLACEHOLDER_CHARS.isdisjoint(e):
            text = _NUMBER_RUN.sub("0", e).translate(_FOLD)
            if "我" in text or "全" in text:
                text = _SELF_RE.sub("@", text)
            if len(text) < GRAM:
                return False
            h = _rolling(np.frombuffer(text.encode("utf-32-le"), np.uint32).astype(np.uint64), GRAM)
            return bool(self.seen(_mix(h)).any())
        (cps, stk, wgt, _), _r = self.stream([(fold_parts(e), True)])
        h, _ = self.windows(cps, stk, wgt, GRAM)
        return bool(len(h) and self.seen(h).any())

    def vet(self, g: _G, blocks) -> None:
        """Regenerate original sentences of ``blocks`` until no window
        repeats an earlier document (at most ``max_rounds`` rounds)."""
        elems = []
        cache = []
        for bi, b in enumerate(blocks):
            para = b.kind == "para"
            for ei, e in enumerate(b.elems):
                if e.__class__ is not str:
                    continue
                own = para and not (e.startswith(SO) and e.endswith(SC) and e.count(SO) == 1)
                elems.append((bi, ei))
                cache.append((fold_parts(e), own))
                if own:
                    self.checked += 1
        # bounded effort: past a few thousand documents a grammar repeats
        # itself too often for every window to stay unique
        self.budget = self.BUDGET * sum(o for _, o in cache)
        for rnd in range(self.max_rounds + 1):
            culprits, hashes, _ = self._round(cache)
            if not culprits or rnd == self.max_rounds or self.budget <= 0:
                self.forced += len(culprits)
                break
            for k in sorted(culprits):
                self._rewrite(g, blocks, elems, cache, k)
        self.pending.extend(hashes)

    def vet_seams(self, g: _G, doc: Doc) -> None:
        """After planting: rewrite original sentences of ``doc`` next to a
        planted passage while a window across the seam (planted and original
        characters) has been seen elsewhere.  Only sentences of blocks that
        received a planted passage (never a source) are rewritten."""
        from corpus.normalize import normalize

        blocks = doc.blocks
        elems, cache, planted = [], [], []
        for bi, b in enumerate(blocks):
            tgt = b.kind == "para" and doc.block_state.get(bi) == "tgt"
            for ei, e in enumerate(b.elems):
                elems.append((bi, ei))
                if e.__class__ is str:
                    own = (
                        tgt
                        and (bi, ei) not in doc.used
                        and not (e.startswith(SO) and e.endswith(SC) and e.count(SO) == 1)
                    )
                    cache.append((fold_parts(e), own))
                else:
                    parts = (
                        (
                            _SELF_RE.sub("@", normalize(e.text).text),
                            _SELF_RE.sub("@", normalize(e.text, fold_numbers=False).text),
                            False,
                            len(e.text),
                        ),
                    )
                    cache.append((parts, False))
                    planted.append(len(cache) - 1)
        if not planted:
            return
        is_planted = np.zeros(len(cache) + 1, bool)
        is_planted[planted] = True
        fresh = np.zeros(len(cache) + 1, bool)

        def select(elem, pos, gram):
            win = sliding_window_view(elem, gram)[pos]
            p = is_planted[win]
            return (p.any(1) & ~p.all(1)) | fresh[win].any(1)

        self.pending = []
        self.budget = self.BUDGET * sum(o for _, o in cache) + 8
        for rnd in range(self.max_rounds + 1):
            # (a window of planted text and stock only cannot be fixed: it is
            # the source's, at the end of a passage followed by the same
            # heading, and shared with the source only)
            culprits, hashes, _ = self._round(cache, select)
            if not culprits or rnd == self.max_rounds or self.budget <= 0:
                self.forced += len(culprits)
                break
            for k in sorted(culprits):
                self._rewrite(g, blocks, elems, cache, k)
                fresh[k] = True
        self.pending = hashes
        self.commit()

    def commit(self):
        if self.pending:
            i, m = self._idx(np.concatenate(self.pending))
            np.bitwise_or.at(self.words, i, m)
        self.pending = []


def _family(section):
    return _FAMILIES.get(section, PRACTICE_T)


_GRAMMARS: dict = {}


def _grammar(kind: str, topic: str):
    key = (kind, topic)
    g = _GRAMMARS.get(key)
    if g is None:
        T = L.TOPICS[topic]

        def tbl(measure):
            return NUM_BIG if measure in _BIG_MEASURES else NUM_SMALL

        def verbs(v):
            vs = v.split("|")
            return tuple(dict.fromkeys(vs + [a for x in vs for a in L.VERB_ALT.get(x, ())]))

        # a name "a|b" has two spellings (人员密集场所|人员密集区域)
        obj = tuple((tuple(n.split("|")), m, verbs(v), tbl(m)) for n, m, v in T["obj"])
        act = tuple((n, m, tbl(m)) for n, m in T["act"])
        ppl = tuple((n, m, NUM_BIG) for n, m in L.PEOPLE[kind])
        mat = tuple((tuple(n.split("|")), m, tuple(v.split("|")), tbl(m)) for n, m, v in T["mat"])
        sysl = tuple((n, L.SYS_VERBS[t]) for n, t in T["sys"])
        g = (
            obj,
            act,
            ppl,
            mat,
            sysl,
            tuple(T["area"]),
            tuple(T["metric"]),
            tuple((a, tuple(b.split("|"))) for a, b in T["prob"]),
            tuple(T["camp"]),
            tuple(T["means"]),
            tuple(x for o in obj for x in o[0]),
            tuple(p[0] for p in ppl),
        )
        _GRAMMARS[key] = g
    return g


def _c(t, r):
    return t[int(r() * len(t))]


def _distinct(t, k, r):
    n = len(t)
    return list(dict.fromkeys(t[int(r() * n)] for _ in range(k)))


_QSUF = ("", "", "", "", "余")


def _qty(tbl, measure, r):
    if tbl is NUM_BIG:
        v = tbl[int(r() * 8192)]
        return v + (_QSUF[int(r() * 5)] if len(v) > 2 else "") + measure
    return tbl[int(r() * 8192)] + measure


_STOCK_MARKED = tuple(SO + s + SC for s in L.STOCK_SHORT)
_METRIC_SUBJ = tuple((s, tuple(r.split("|"))) for s, r in L.METRIC_SUBJ)
_NUM_FEW = tuple(str(v) for v in range(3, 31))
_NUM_KINDS = tuple(str(v) for v in range(3, 10))
_SMALL64 = NUM_SMALL[:64]
_ACT_VERBS = (
    "开展",
    "组织",
    "组织开展",
    "举办",
    "开展了",
    "组织了",
    "开展",
    "组织开展",
    "举行",
    "组织实施",
    "策划开展",
    "安排",
)
_ACT_MODS = ("各类", "系列", "多轮", "专题")
_ACT_MID = ("", "", "", "", "", "达", "达", "累计达")
_PPL_VERBS = ("出动", "动员", "组织", "发动", "培训", "投入", "组织动员", "调配", "出动")
_PPL_JOIN = ("动员", "组织", "发动", "组织动员")
_ACT_PLAIN = (
    "常态化开展",
    "定期开展",
    "持续开展",
    "深入开展",
    "广泛开展",
    "扎实开展",
    "轮流开展",
    "分批次开展",
    "经常性开展",
)
_PRE = ("累计", "共", "先后", "集中", "全面", "逐一", "及时", "分批", "全年", "年内", "再次", "全部", "累计")
_CONN = ("并", "同步", "同时", "另")
_SYSQ_UNIT = ("项", "个", "套", "份")
_METRIC_VERBS = ("达到", "提升至", "达", "提高到", "为", "稳定在", "保持在", "已达", "达到了")


def _s_time(g):
    r = g.r
    if r() < 0.3:
        return L.TIME_WORDS[int(r() * len(L.TIME_WORDS))]
    return _c(TIME_NUM_TABLE[int(r() * len(TIME_NUM_TABLE))], r)


def _s_self(g):
    return g.u.self_ref


def _s_scope(g):
    return g.u.scope


def _s_subj(g):
    r = g.r
    x = r()
    if x < 0.15:
        return g.u.self_ref
    if x < 0.24:
        return g.u.self_ref + _c(("牵头", "统筹", "组织", "督促", "指导"), r) + g.subj[int(r() * len(g.subj))]
    if x < 0.30:
        names = _distinct(g.subj, 2, r) + [g.u.self_ref]
        return names[0] + _c(("会同", "联合", "协同"), r) + names[1]
    return g.subj[int(r() * len(g.subj))]


def _s_subj0(g):
    """A subject from the unit's list (never 我局 ...)."""
    return g.subj[int(g.r() * len(g.subj))]


def _s_pre(g):
    """An optional adverb before a counted clause (累计, 集中 ...)."""
    r = g.r
    return _PRE[int(r() * len(_PRE))] if r() < 0.3 else ""


def _s_conn(g):
    r = g.r
    return _CONN[int(r() * len(_CONN))] if r() < 0.25 else ""


def _obj_phrase(g):
    r = g.r
    names, m, verbs, tbl = g.obj[int(r() * len(g.obj))]
    n = names[int(r() * len(names))]
    x = r()
    if x < 0.38:
        n = g.mods[int(r() * len(g.mods))] + n
    elif x < 0.5:
        n = g.locs[int(r() * len(g.locs))] + n
    return n, m, verbs, tbl


def _s_objn(g):
    return _obj_phrase(g)[0]


def _s_vo(g):
    n, m, verbs, tbl = _obj_phrase(g)
    return verbs[int(g.r() * len(verbs))] + n


def _s_voq(g):
    r = g.r
    n, m, verbs, tbl = _obj_phrase(g)
    v = verbs[int(r() * len(verbs))]
    q = _qty(tbl, m, r)
    x = r()
    if x < 0.5:
        return v + n + q
    if x < 0.62:
        return v + q + n
    if x < 0.72:
        return "完成" + n + v + q
    if x < 0.86:
        return (
            "对"
            + q
            + n
            + _c(("进行", "进行了", "开展", "实施"), r)
            + _c(("", "", "集中", "全面", "逐一", "专项"), r)
            + v
        )
    return v + n + _c(("共计", "达", "合计", "达到"), r) + q


def _s_vqo(g):
    r = g.r
    n, m, verbs, tbl = _obj_phrase(g)
    return verbs[int(r() * len(verbs))] + ("了" if r() < 0.15 else "") + _qty(tbl, m, r) + n


def _act_name(g):
    r = g.r
    n, m, tbl = g.act[int(r() * len(g.act))]
    if r() < 0.15:
        n = "“" + g.camp[int(r() * len(g.camp))] + "”" + n
    return n, m, tbl


def _s_aq(g):
    r = g.r
    n, m, tbl = _act_name(g)
    x = r()
    v = _ACT_VERBS[int(r() * len(_ACT_VERBS))]
    if x < 0.12:
        return "在" + g.locs[int(r() * len(g.locs))] + v + n + _qty(tbl, m, r)
    if x < 0.2:
        return "围绕" + g.objn[int(r() * len(g.objn))] + v + n + _qty(tbl, m, r)
    if x < 0.3:
        return "面向" + g.pplnames[int(r() * len(g.pplnames))] + v + n + _qty(tbl, m, r)
    if x < 0.38:
        return "联合" + L.PARTNERS[int(r() * len(L.PARTNERS))] + v + n + _qty(tbl, m, r)
    if x < 0.62:
        mod = _ACT_MODS[int(r() * len(_ACT_MODS))]
        if mod[0] not in n:
            n = mod + n
    return v + n + _ACT_MID[int(r() * len(_ACT_MID))] + _qty(tbl, m, r)


def _s_qa(g):
    r = g.r
    n, m, tbl = _act_name(g)
    v = _ACT_VERBS[int(r() * len(_ACT_VERBS))]
    if r() < 0.25:
        return v + _qty(tbl, m, r) + _c(("各类", "系列", "专题", "多轮", "覆盖全域的", "针对性"), r) + n
    return v + _qty(tbl, m, r) + n


def _s_aq_plain(g):
    r = g.r
    return _ACT_PLAIN[int(r() * len(_ACT_PLAIN))] + g.act[int(r() * len(g.act))][0]


def _s_pq(g):
    r = g.r
    n, m, tbl = g.ppl[int(r() * len(g.ppl))]
    x = r()
    if x < 0.72:
        return _PPL_VERBS[int(r() * len(_PPL_VERBS))] + n + _qty(tbl, m, r)
    if x < 0.87:
        return (
            _PPL_JOIN[int(r() * len(_PPL_JOIN))]
            + n
            + _qty(tbl, m, r)
            + "参与"
            + _c(("", "其中", "活动", "整治", "志愿服务"), r)
        )
    if x < 0.95:
        return "参与" + n + _c(("达", "累计达", "共计"), r) + _qty(tbl, m, r)
    return "覆盖" + n + _qty(tbl, m, r)


def _s_mq(g):
    r = g.r
    names, m, verbs, tbl = g.mat[int(r() * len(g.mat))]
    n = names[int(r() * len(names))]
    x = r()
    if x < 0.6:
        return verbs[int(r() * len(verbs))] + n + _qty(tbl, m, r)
    if x < 0.82:
        return verbs[int(r() * len(verbs))] + _qty(tbl, m, r) + n
    if x < 0.9:
        return (
            "向"
            + _c(("群众", "居民", "商户", "辖区单位", "服务对象", "重点人群"), r)
            + verbs[int(r() * len(verbs))]
            + n
            + _qty(tbl, m, r)
        )
    return "在" + g.locs[int(r() * len(g.locs))] + verbs[int(r() * len(verbs))] + n + _qty(tbl, m, r)


def _s_sys(g):
    r = g.r
    n, verbs = g.sysl[int(r() * len(g.sysl))]
    s = verbs[int(r() * len(verbs))] + n
    if r() < 0.2:
        s += (
            "，"
            + _c(("明确", "细化", "压实", "厘清"), r)
            + _c(("责任分工", "时间节点", "工作标准", "责任主体", "任务要求"), r)
        )
    return s


def _s_sys_noun(g):
    return g.sysl[int(g.r() * len(g.sysl))][0]


def _s_sysq(g):
    r = g.r
    n, verbs = g.sysl[int(r() * len(g.sysl))]
    v = verbs[int(r() * len(verbs))]
    k = _SMALL64[int(r() * len(_SMALL64))]
    if r() < 0.6:
        return v + n + k + _c(_SYSQ_UNIT, r)
    return v + k + _c(("项", "个", "套"), r) + n


def _s_objs(g):
    r = g.r
    n = len(g.obj)
    picks = dict.fromkeys(int(r() * n) for _ in range(2 + int(r() * 2)))
    names = [g.obj[i][0][int(r() * len(g.obj[i][0]))] for i in picks]
    if r() < 0.5:
        names[0] = g.mods[int(r() * len(g.mods))] + names[0]
    return "、".join(names)


def _s_means(g):
    r = g.r
    return "、".join(_distinct(g.means, 2 + int(r() * 2), r))


def _s_area(g):
    return g.area[int(g.r() * len(g.area))]


def _metric_name(g):
    r = g.r
    x = r()
    if x < 0.3:
        return g.metric[int(r() * len(g.metric))]
    if x < 0.6:
        return g.objn[int(r() * len(g.objn))] + L.OBJ_RATES[int(r() * len(L.OBJ_RATES))]
    subj, rates = _METRIC_SUBJ[int(r() * len(_METRIC_SUBJ))]
    return subj + rates[int(r() * len(rates))]


def _s_metric(g):
    r = g.r
    head = g.u.scope if r() < 0.15 else ""
    return head + _metric_name(g) + _METRIC_VERBS[int(r() * len(_METRIC_VERBS))] + PCTS[int(r() * len(PCTS))] + "%"


def _s_metric2(g):
    r = g.r
    a, b = sorted((PCTS[int(r() * len(PCTS))], PCTS[int(r() * len(PCTS))]), key=float)
    return _metric_name(g) + _c(("由", "从"), r) + a + "%" + _c(("提高到", "提升至", "上升到", "提高至"), r) + b + "%"


def _s_metric_goal(g):
    r = g.r
    x = int(r() * 6)
    return (
        _metric_name(g)
        + ("稳定在", "达到", "保持在", "不低于", "提高到", "达")[x]
        + PCTS[int(r() * len(PCTS))]
        + "%"
        + ("以上" if x in (1, 4, 5) and r() < 0.3 else "")
    )


def _comparison(words):
    """A slot comparing with last year: 比上年 + 提高/下降 + points."""

    def slot(g):
        r = g.r
        return (
            L.COMPARE[int(r() * len(L.COMPARE))]
            + words[int(r() * len(words))]
            + POINTS[int(r() * len(POINTS))]
            + "个百分点"
        )

    return slot


_s_cmp = _comparison(L.UP_WORDS)
_s_cmp_down = _comparison(L.DOWN_WORDS)


def _s_money(g):
    r = g.r
    return (
        _c(
            (
                "投入资金",
                "筹措资金",
                "争取资金",
                "落实经费",
                "整合资金",
                "争取上级资金",
                "投入专项经费",
                "安排资金",
                "统筹资金",
            ),
            r,
        )
        + MONEY[int(r() * len(MONEY))]
        + "万元"
    )


def _s_loc(g):
    return g.locs[int(g.r() * len(g.locs))]


def _s_loc2(g):
    """Two different places of the unit: 青石村、柳河社区."""
    r = g.r
    n = len(g.locs)
    i = int(r() * n)
    j = (i + 1 + int(r() * (n - 1))) % n
    return g.locs[i] + "、" + g.locs[j]


def _s_locs(g):
    r = g.r
    names = _distinct(g.locs, 2 + int(r() * 2), r)
    x = r()
    if x < 0.6:
        return "、".join(names) + "等" + str(len(names) + 1 + int(r() * 40)) + "个" + g.u.loc_group
    if x < 0.8:
        return "、".join(names) + "等" + g.u.loc_group
    if x < 0.9:
        return "辖区" + "、".join(names) + "等" + str(len(names) + 1 + int(r() * 40)) + "个" + g.u.loc_group
    return "和".join(names[:2]) + "等" + g.u.loc_group


def _s_camp(g):
    r = g.r
    if r() < 0.3:
        return (
            "“"
            + g.camp[int(r() * len(g.camp))]
            + "·"
            + g.locs[int(r() * len(g.locs))][:2]
            + "”"
            + L.CAMP_TYPE[int(r() * len(L.CAMP_TYPE))]
        )
    return "“" + g.camp[int(r() * len(g.camp))] + "”" + L.CAMP_TYPE[int(r() * len(L.CAMP_TYPE))]


def _s_date(g):
    return _c(TIME_NUM_TABLE[4], g.r)


def _s_honor(g):
    r = g.r
    x = r()
    what = (
        g.u.topic
        if x < 0.5
        else g.objn[int(r() * len(g.objn))] + _c(("整治", "管理", "工作"), r)
        if x < 0.8
        else _c(("年度", "综合考评", "目标考核"), r)
    )
    return (
        _c(("评为", "授予", "表彰为", "命名为", "确定为"), r)
        + L.HONOR_LEVEL[int(r() * len(L.HONOR_LEVEL))]
        + what
        + L.HONOR_NAME[int(r() * len(L.HONOR_NAME))]
    )


def _s_honor_name(g):
    r = g.r
    return g.u.topic + L.HONOR_NAME[int(r() * len(L.HONOR_NAME))]


def _s_lvl(g):
    return _c("省市县", g.r)


def _s_weak_obj(g):
    return g.weak[int(g.r() * len(g.weak))]


def _s_dates(g):
    r = g.r
    m = 1 + int(r() * 11)
    m2 = m + 1 + int(r() * (12 - m))
    x = r()
    if x < 0.6:
        return f"{m}月{1 + int(r() * 28)}日至{m2}月{1 + int(r() * 28)}日"
    if x < 0.75:
        return f"{m}月{1 + int(r() * 28)}日—{m2}月{1 + int(r() * 28)}日"
    return f"{m}月{_c(('上旬', '中旬', '下旬', '初'), r)}至{m2}月{_c(('上旬', '中旬', '下旬', '底'), r)}"


def _s_effect(g):
    return _c(("成效显著", "成效明显", "成效突出", "初见成效", "效果良好", "亮点突出", "进展顺利", "成效较好"), g.r)


def _s_prob_word(g):
    return _c(
        ("较为突出", "比较集中", "反复出现", "尚未根治", "整改滞后", "时有反弹", "相对集中", "屡改屡犯", "仍然存在"),
        g.r,
    )


def _s_ppl_noun(g):
    return g.pplnames[int(g.r() * len(g.pplnames))]


_PROB_ADV = ("还", "仍", "依然", "仍然", "", "")
_FEW = ("部分", "少数", "个别")
_FEW4 = ("部分", "少数", "个别", "一些")


def _s_prob(g):
    """A problem: subject + predicate that fit, sometimes narrowed to some
    sub-units (部分网格 ...)."""
    r = g.r
    s, preds = g.prob[int(r() * len(g.prob))]
    p = preds[int(r() * len(preds))]
    if "~" in p:
        p = p.replace("~", _PROB_ADV[int(r() * len(_PROB_ADV))])
    x = r()
    if s[0] == "*":  # needs 部分/少数/个别
        s = _FEW4[int(r() * 4)] + s[1:]
    elif x < 0.4:
        if x < 0.15:
            s = _FEW[int(r() * 3)] + g.weak[int(r() * len(g.weak))] + s
        elif x < 0.25:
            s = g.locs[int(r() * len(g.locs))] + "等" + g.weak[int(r() * len(g.weak))] + s
        else:
            s = _c(("基层", "一线", "日常", "面上", "末端"), r) + s
    return s + p


def _s_prob_s(g):
    s = g.prob[int(g.r() * len(g.prob))][0]
    return "部分" + s[1:] if s[0] == "*" else s


def _s_prob_p(g):
    r = g.r
    preds = g.prob[int(r() * len(g.prob))][1]
    return preds[int(r() * len(preds))].replace("~", "")


def _s_plan(g):
    r = g.r
    return L.PLAN_VERBS[int(r() * len(L.PLAN_VERBS))] + _s_vo(g)


def _s_y1(g):
    y = g.u.year
    return str(y + 1) if y is not None else g.u.year_text


def _s_m(g):
    return str(1 + int(g.r() * 12))


_ORD_MARKED = tuple(SO + o + SC for o in L.ORDINAL_LEADS)


def _s_ord(g):
    """一是/二是 ... (a formulaic list marker: stock)."""
    i = g.ordn
    g.ordn = i + 1
    return _ORD_MARKED[i % len(_ORD_MARKED)]


def _s_unit(g):
    return g.u.full


def _s_region(g):
    return g.u.region


def _s_short(g):
    return g.u.short


#: Slots that pick one item of a list, equally likely.
_LIST_SLOTS = {
    "adv": L.ADVERBS,
    "stk": _STOCK_MARKED,
    "deg": L.DEGREE,
    "chg": L.CHANGE,
    "pts": POINTS,
    "partner": L.PARTNERS,
    "pledge": L.PLEDGES,
    "unfinished": L.UNFINISHED,
    "money_n": MONEY,
    "n": NUM_SMALL,
    "n2": _NUM_FEW,
    "k": _NUM_KINDS,
    "pct": PCTS,
    "count": L.COUNT_HEAD,
    "rank": L.RANK_WORDS,
    "exam": L.EXAMS,
    "meet": L.MEETINGS,
    "four": L.FOUR,
    "freq": L.FREQ,
    "weak": L.WEAK,
    "attitude": L.ATTITUDE,
    "plan_v": L.PLAN_VERBS,
}


def _choice(items):
    def slot(g):
        return items[int(g.r() * len(items))]

    return slot


_SLOT_NS = {k: v for k, v in globals().items() if k.startswith("_s_")}
_SLOT_NS.update({"_s_" + name: _choice(items) for name, items in _LIST_SLOTS.items()})
_TPL_TOKEN = re.compile(r"\{(\w+)\}|([()\[\]|])|([^{}()\[\]|]+)")


def _parse(tpl: str):
    """Template syntax: ``{slot}``, ``(a|b|c)`` one of the alternatives
    (equally likely), ``[x]`` optional (half of the time), anything else
    literal.  Returns a list of nodes ("lit", s) / ("slot", name) /
    ("alt", [seq, ...]) / ("opt", seq)."""
    toks = [(m.group(1), m.group(2), m.group(3)) for m in _TPL_TOKEN.finditer(tpl)]
    if sum(len(m.group()) for m in _TPL_TOKEN.finditer(tpl)) != len(tpl):
        raise ValueError(f"bad template {tpl!r}")
    pos = 0

    def seq(stops):
        nonlocal pos
        out = []
        while pos < len(toks):
            slot, op, lit = toks[pos]
            if op and op in stops:
                return out
            pos += 1
            if slot:
                if "_s_" + slot not in _SLOT_NS:
                    raise KeyError(f"unknown slot {slot!r} in template {tpl!r}")
                out.append(("slot", slot))
            elif lit:
                if out and out[-1][0] == "lit":
                    out[-1] = ("lit", out[-1][1] + lit)
                else:
                    out.append(("lit", lit))
            elif op == "(":
                alts = [seq("|)")]
                while toks[pos][1] == "|":
                    pos += 1
                    alts.append(seq("|)"))
                pos += 1  # ")"
                out.append(("alt", alts))
            elif op == "[":
                body = seq("]")
                pos += 1  # "]"
                out.append(("opt", body))
            else:
                raise ValueError(f"unbalanced {op!r} in template {tpl!r}")
        if stops:
            raise ValueError(f"unclosed group in template {tpl!r}")
        return out

    return seq("")


def _compile(tpl: str):
    """A function ``f(g) -> str`` for the template (see :func:`_parse`)."""
    consts: dict = {}
    fname = f"_t{len(_COMPILED)}"
    lines = [f"def {fname}(g):", " r = g.r", " o = []", " a = o.append"]

    def emit(nodes, ind):
        pad = " " * ind
        for kind, v in nodes:
            if kind == "lit":
                lines.append(f"{pad}a({v!r})")
            elif kind == "slot":
                lines.append(f"{pad}a(_s_{v}(g))")
            elif kind == "opt":
                lines.append(f"{pad}if r() < 0.5:")
                emit(v, ind + 1)
                lines.append(f"{pad} pass")
            elif all(len(alt) <= 1 and all(k == "lit" for k, _ in alt) for alt in v):
                name = f"_A{len(_COMPILED)}_{len(consts)}"
                consts[name] = tuple(alt[0][1] if alt else "" for alt in v)
                lines.append(f"{pad}a({name}[int(r() * {len(v)})])")
            else:
                x = f"x{ind}"
                lines.append(f"{pad}{x} = int(r() * {len(v)})")
                for i, alt in enumerate(v):
                    lines.append(f"{pad}{'if' if i == 0 else 'elif'} {x} == {i}:")
                    emit(alt, ind + 1)
                    lines.append(f"{pad} pass")

    emit(_parse(tpl), 1)
    lines.append(" return ''.join(o)")
    _SLOT_NS.update(consts)
    exec("\n".join(lines), _SLOT_NS)  # noqa: S102
    f = _SLOT_NS[fname]
    f.template = tpl
    _COMPILED.append(f)
    return f


_COMPILED: list = []


def _pick(fs: tuple):
    n = len(fs)

    def slot(g):
        return fs[int(g.r() * n)](g)

    return slot


# Phrase-level slots written as templates (lexicon.MACROS); their names are
# registered first, so macros may use each other in any order.
for _name in L.MACROS:
    _SLOT_NS["_s_" + _name] = None
for _name, _tpls in L.MACROS.items():
    _SLOT_NS["_s_" + _name] = _pick(tuple(_compile(t) for t in _tpls))


PRACTICE_T = tuple(_compile(t) for t in L.PRACTICE)
RESULT_T = tuple(_compile(t) for t in L.RESULT)
PROBLEM_T = tuple(_compile(t) for t in L.PROBLEM)
PLAN_T = tuple(_compile(t) for t in L.PLAN)
_FAMILIES = {"practice": PRACTICE_T, "result": RESULT_T, "problem": PROBLEM_T, "plan": PLAN_T}


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------


class Planted:
    """Text planted by a case; its offsets are filled in when rendered."""

    __slots__ = ("text", "case", "start", "end")

    def __init__(self, text: str, case: Case):
        self.text = text
        self.case = case
        self.start = self.end = -1


class Block:
    """One line of a document: indent + elements (sentences or Planted)."""

    __slots__ = ("kind", "indent", "elems", "section", "offs", "start", "end")

    def __init__(self, kind: str, elems: list, indent: str = "", section: str | None = None):
        self.kind = kind
        self.indent = indent
        self.elems = elems
        self.section = section
        self.offs: list = []
        self.start = self.end = -1


@dataclass(eq=False)
class Doc:
    path: str
    role: str
    unit: Unit
    encoding: str
    newline: str
    indent: str
    blocks: list
    submitted: str | None = None
    published: str | None = None
    clean: bool = False
    copier: bool = False
    whole_copy: bool = False
    essays: list = field(default_factory=list)  # (first block, last block) of each essay
    used: set = field(default_factory=set)  # (block, elem) used as a source
    block_state: dict = field(default_factory=dict)  # block index -> "src" / "tgt"
    text: str | None = None
    stock: list = field(default_factory=list)
    chrome: list = field(default_factory=list)


@dataclass(eq=False)
class Case:
    id: str
    obfuscation: str
    target: Doc
    source: Doc
    src_block: int = -1
    src_lo: int = -1
    src_hi: int = -1
    whole: bool = False
    planted: Planted | None = None
    swaps: list = field(default_factory=list)
    source_text: str = ""
    source_start: int = -1
    source_end: int = -1
    stock: list = field(default_factory=list)  # stock ranges inside the planted text


def _mark(s: str) -> str:
    return SO + s + SC


def _cn_ord(i: int) -> str:
    return L.CN_NUM[i] if i < 10 else str(i + 1)


def _fill(g: _G, templates, target: int, min_n: int = 2) -> list[str]:
    r = g.r
    out = []
    n = 0
    while n < target or len(out) < min_n:
        s = templates[int(r() * len(templates))](g)
        out.append(s)
        n += len(s)
    return out


def compose_essay(
    rng: random.Random,
    unit: Unit,
    target_chars: int,
    indent: str,
    title_prefix: str = "",
    guard: UniqueGuard | None = None,
) -> list[Block]:
    """The blocks of one summary of about ``target_chars`` characters."""
    g = _G(rng, unit, guard)
    r = rng.random
    T = L.TOPICS[unit.topic]
    y = unit.year_text
    y1 = str(unit.year + 1) if unit.year is not None else unit.year_text
    blocks: list[Block] = []
    title = title_prefix + unit.full + y + "年" + rng.choice(T["title"]) + "工作总结"
    if unit.placeholder and r() < 0.5:
        title = title_prefix + y + "年" + unit.full + rng.choice(T["title"]) + "工作总结"
    blocks.append(Block("title", [_mark(title)]))
    opener = rng.choice(L.OPENERS).format(
        y=y, self=unit.self_ref, leader=unit.leader, mid=rng.choice(L.OPENER_MID), short=T["short"]
    )
    blocks.append(Block("opener", [_mark(opener)], indent))

    body = max(600, target_chars - 420)
    n_sec = max(3, min(6, round(body / 650) + rng.choice((-1, 0, 0, 1))))
    nested = n_sec == 3 or r() < 0.2
    lead_style = rng.choice(("ordinal", "ordinal", "number", "none", "sub"))
    if nested:
        kinds = ["work", "problem", "plan"] + (["result"] if n_sec > 3 else [])
        if n_sec > 3:
            kinds = ["work", "result", "problem", "plan"]
    else:
        n_prac = n_sec - 2
        kinds = ["practice"] * n_prac + ["problem", "plan"]
        if n_prac >= 3 and r() < 0.5:
            kinds[n_prac - 1] = "result"
    weights = {"practice": 1.0, "work": 2.6, "result": 0.6, "problem": 0.35, "plan": 0.5}
    total_w = sum(weights[k] for k in kinds)
    heads_pool = list(T["heads"]) + list(L.COMMON_HEADS)
    rng.shuffle(heads_pool)
    leads_pool = list(T["leads"]) + list(L.COMMON_LEADS)
    rng.shuffle(leads_pool)
    hi = li = 0
    for si, kind in enumerate(kinds):
        budget = body * weights[kind] / total_w
        num = _cn_ord(si) + "、"
        if kind == "practice":
            head = heads_pool[hi % len(heads_pool)]
            hi += 1
        elif kind == "work":
            head = rng.choice(L.WORK_HEADS)
        elif kind == "result":
            head = rng.choice(L.RESULT_HEADS)
        elif kind == "problem":
            head = rng.choice(L.PROBLEM_HEADS)
        else:
            head = rng.choice(L.PLAN_HEADS).format(y1=y1)
        blocks.append(Block("heading", [_mark(num + head)], indent if r() < 0.5 else "", kind))
        if kind == "work":
            n_sub = rng.randint(3, 4)
            for k in range(n_sub):
                sub = heads_pool[hi % len(heads_pool)]
                hi += 1
                blocks.append(Block("heading", [_mark("（" + _cn_ord(k) + "）" + sub)], indent, "practice"))
                n_para = rng.randint(1, 2)
                for _ in range(n_para):
                    sents = _fill(g, PRACTICE_T, int(budget / n_sub / n_para))
                    blocks.append(Block("para", sents, indent, "practice"))
            continue
        if kind in ("problem", "plan"):
            g.ordn = 0
            intro = rng.choice(L.PROBLEM_INTRO if kind == "problem" else L.PLAN_INTRO).format(y1=y1)
            tpls = PROBLEM_T if kind == "problem" else PLAN_T
            # one item (一是/二是 ...) per sentence, at most ten
            n_items = max(2, min(len(L.ORDINAL_LEADS), round(budget / 55)))
            items = [tpls[int(r() * len(tpls))](g) for _ in range(n_items)]
            if n_items <= 5 and r() < 0.5:
                blocks.append(Block("para", [_mark(intro)] + items, indent, kind))
            else:
                blocks.append(Block("para", [_mark(intro)], indent, kind))
                for it in items:
                    blocks.append(Block("para", [it], indent, kind))
            continue
        n_para = rng.randint(2, 5)
        tpls = RESULT_T if kind == "result" else PRACTICE_T
        for pi in range(n_para):
            sents = _fill(g, tpls, int(budget / n_para))
            if kind == "practice" and lead_style != "none":
                lead = leads_pool[li % len(leads_pool)]
                li += 1
                if lead_style == "ordinal":
                    lead = L.ORDINAL_LEADS[pi] + lead + "。"
                elif lead_style == "number":
                    lead = f"{pi + 1}.{lead}。"
                else:
                    lead = "（" + _cn_ord(pi) + "）" + lead + "。"
                sents.insert(0, _mark(lead))
            blocks.append(Block("para", sents, indent, kind))
    closer = rng.choice(L.CLOSERS).format(
        self=unit.self_ref, mid=rng.choice(L.CLOSER_MID), goal=rng.choice(L.CLOSER_GOAL), y1=y1, short=T["short"]
    )
    blocks.append(Block("closer", [_mark(closer)], indent))
    blocks.append(Block("sign", [_mark(unit.full)]))
    if guard is not None:
        guard.vet(g, blocks)
    return blocks


def _sign_date(rng: random.Random, unit: Unit, submitted: str | None) -> str:
    if unit.placeholder:
        return unit.year_text + "年xx月xx日"
    d = date.fromisoformat(submitted) if submitted else date(unit.year, 12, 20)
    if rng.random() < 0.3:
        return _cn_date(d.year, d.month, d.day)
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _strip_marks(s: str, base: int, stock: list) -> str:
    out = []
    pos = 0
    i = s.find(SO)
    while i >= 0:
        out.append(s[pos:i])
        j = s.index(SC, i)
        start = base + sum(len(x) for x in out)
        body = s[i + 1 : j]
        out.append(body)
        stock.append((start, start + len(body)))
        pos = j + 1
        i = s.find(SO, pos)
    out.append(s[pos:])
    return "".join(out)


def strip_marks(s: str) -> str:
    return s.replace(SO, "").replace(SC, "")


def render(doc: Doc) -> str:
    """Render ``doc`` and record stock ranges, chrome ranges and element offsets."""
    nl = doc.newline
    out: list[str] = []
    pos = 0
    stock: list = []
    chrome: list = []
    for b in doc.blocks:
        b.start = pos
        if b.indent:
            out.append(b.indent)
            pos += len(b.indent)
        offs = []
        for e in b.elems:
            if e.__class__ is str:
                if SO in e:
                    e = _strip_marks(e, pos, stock)
                out.append(e)
                offs.append((pos, pos + len(e)))
                pos += len(e)
            else:
                out.append(e.text)
                e.start, e.end = pos, pos + len(e.text)
                offs.append((e.start, e.end))
                pos = e.end
        b.offs = offs
        b.end = pos
        if b.kind == "chrome" and b.end > b.start:
            chrome.append((b.start, b.end))
        out.append(nl)
        pos += len(nl)
    doc.text = "".join(out)
    doc.stock = _merge(_pad(stock, doc.text), doc.text)
    doc.chrome = chrome
    return doc.text


def _pad(ranges, text: str):
    """Ranges grown over the whitespace (newlines, indents) around them: the
    layout of a stock line goes with it."""
    n = len(text)
    out = []
    for s, e in ranges:
        while s > 0 and text[s - 1].isspace():
            s -= 1
        while e < n and text[e].isspace():
            e += 1
        out.append((s, e))
    return out


def _merge(ranges, text: str | None = None):
    """Sorted union of ``ranges``; with ``text``, ranges separated only by
    whitespace (newline and indent between two stock lines) are joined."""
    out = []
    for s, e in sorted(ranges):
        if e <= s:
            continue
        if out and (s <= out[-1][1] or (text is not None and text[out[-1][1] : s].isspace())):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def fast_text(blocks, newline: str = "\n") -> str:
    """Render without bookkeeping (for in-memory benchmarks)."""
    lines = []
    for b in blocks:
        lines.append(b.indent + "".join(e if e.__class__ is str else e.text for e in b.elems))
    return strip_marks(newline.join(lines) + newline)


# ---------------------------------------------------------------------------
# Corpus building
# ---------------------------------------------------------------------------

_KIND_WEIGHTS = (("bureau", 0.36), ("town", 0.3), ("street", 0.09), ("school", 0.15), ("hospital", 0.10))


def _weighted(rng: random.Random, pairs):
    x = rng.random() * sum(w for _, w in pairs)
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def _pick_topic(rng: random.Random, kind: str, main: str) -> str:
    if main in L.TOPICS[main]["kinds"] and kind in L.TOPICS[main]["kinds"] and rng.random() < 0.6:
        return main
    return rng.choice(L.KIND_TOPICS[kind])


def _submission(
    rng: random.Random, i: int, cfg: SynthConfig, main: str, taken: set, guard: UniqueGuard | None = None
) -> Doc:
    kind = _weighted(rng, _KIND_WEIGHTS)
    year = rng.randint(2019, 2024)
    unit = make_unit(rng, kind, year, _pick_topic(rng, kind, main), taken)
    enc = _weighted(rng, cfg.encodings)
    nl = "\r\n" if rng.random() < cfg.crlf_rate else "\n"
    indent = _weighted(rng, (("\u3000\u3000", 0.6), ("", 0.3), ("  ", 0.1)))
    submitted = (date(year, 12, 1) + timedelta(days=rng.randint(0, 50))).isoformat()
    target = int(cfg.doc_chars * rng.uniform(0.8, 1.2))
    blocks = compose_essay(rng, unit, target, indent, guard=guard)
    blocks.append(Block("sign", [_mark(_sign_date(rng, unit, submitted))]))
    if guard is not None:
        guard.commit()
    return Doc(f"submissions/{year}_{unit.name}.txt", "submission", unit, enc, nl, indent, blocks, submitted=submitted)


def _follow_up(rng: random.Random, earlier: Doc, cfg: SynthConfig, guard: UniqueGuard | None) -> Doc | None:
    """The same unit's summary of the next year, handed in about a year later."""
    year = earlier.unit.year + 1
    unit = dataclasses.replace(earlier.unit, year=year, year_text=str(year))
    submitted = (date.fromisoformat(earlier.submitted) + timedelta(days=rng.randint(350, 380))).isoformat()
    path = f"submissions/{year}_{unit.name}{Path(earlier.path).suffix}"
    target = int(cfg.doc_chars * rng.uniform(0.8, 1.2))
    blocks = compose_essay(rng, unit, target, earlier.indent, guard=guard)
    blocks.append(Block("sign", [_mark(_sign_date(rng, unit, submitted))]))
    if guard is not None:
        guard.commit()
    return Doc(path, "submission", unit, earlier.encoding, earlier.newline, earlier.indent, blocks, submitted=submitted)


def _reference(rng: random.Random, i: int, cfg: SynthConfig, topic: str, guard: UniqueGuard | None = None) -> Doc:
    kinds = L.TOPICS[topic]["kinds"]
    kind = rng.choice(kinds)
    unit = placeholder_unit(rng, kind, topic)
    enc = _weighted(rng, cfg.encodings)
    nl = "\r\n" if rng.random() < cfg.crlf_rate else "\n"
    indent = _weighted(rng, (("\u3000\u3000", 0.5), ("", 0.4), ("  ", 0.1)))
    pub_year = rng.randint(2016, 2022)
    pub = date(pub_year, rng.randint(1, 12), rng.randint(1, 28))
    k = rng.randint(2, 6)
    T = L.TOPICS[topic]
    blocks = [
        Block("chrome", [_mark(rng.choice(L.REF_TITLE).format(py=pub_year, short=T["short"], k=k))]),
        Block(
            "chrome",
            [
                _mark(
                    rng.choice(L.CHROME_HEAD).format(
                        pub=f"{pub.year}.{pub.month:02d}.{pub.day:02d}" if rng.random() < 0.5 else pub.isoformat()
                    )
                )
            ],
        ),
    ]
    essays = []
    n_essays = 2 if rng.random() < 0.35 else 1
    for e in range(n_essays):
        if n_essays > 1:
            blocks.append(Block("chrome", [_mark(f"【篇{L.CN_NUM[e]}】")]))
        first = len(blocks)
        target = int(cfg.doc_chars * rng.uniform(0.9, 1.3) / (1.4 if n_essays > 1 else 1))
        blocks += compose_essay(rng, unit, target, indent, guard=guard)
        blocks.append(Block("sign", [_mark(_sign_date(rng, unit, None))]))
        essays.append((first, len(blocks) - 1))
        if e + 1 < n_essays:
            blocks.append(Block("blank", []))
    if rng.random() < 0.6:
        blocks.append(Block("chrome", [_mark(rng.choice(L.CHROME_TAIL).format(k=rng.randint(1, 5)))]))
    if rng.random() < 0.7:
        blocks.append(Block("chrome", [_mark(rng.choice(L.CHROME_RELATED_HEAD))]))
        for line in rng.sample(L.CHROME_RELATED, rng.randint(2, 5)):
            blocks.append(Block("chrome", [_mark(line.format(py=rng.randint(2018, 2023), k=rng.randint(3, 8)))]))
    if guard is not None:
        guard.commit()
    doc = Doc(f"references/范文{i + 1:02d}.txt", "reference", unit, enc, nl, indent, blocks, published=pub.isoformat())
    doc.essays = essays
    return doc


def _source_sentences(doc: Doc, min_chars: int = 0):
    """(block, elem) of original sentences usable as a source."""
    out = []
    for bi, b in enumerate(doc.blocks):
        if b.kind != "para" or doc.block_state.get(bi) == "tgt":
            continue
        for ei, e in enumerate(b.elems):
            if e.__class__ is str and SO not in e and (bi, ei) not in doc.used:
                if min_chars and count_meaningful(e) < min_chars:
                    continue
                out.append((bi, ei))
    return out


def _pick_passage(rng: random.Random, doc: Doc, k_min: int, k_max: int, need_roundtrip=False):
    """A run of consecutive unused original sentences in one paragraph."""
    runs = []
    for bi, b in enumerate(doc.blocks):
        if b.kind != "para" or doc.block_state.get(bi) == "tgt":
            continue
        run = []
        for ei, e in enumerate(b.elems):
            if e.__class__ is str and SO not in e and (bi, ei) not in doc.used:
                run.append(ei)
            else:
                if len(run) >= k_min:
                    runs.append((bi, run))
                run = []
        if len(run) >= k_min:
            runs.append((bi, run))
    rng.shuffle(runs)
    for bi, run in runs:
        k = min(len(run), rng.randint(k_min, k_max))
        s = rng.randint(0, len(run) - k)
        lo, hi = run[s], run[s] + k
        if need_roundtrip and not O.roundtrips("".join(doc.blocks[bi].elems[lo:hi])):
            continue
        return bi, lo, hi
    return None


def _target_block(rng: random.Random, doc: Doc):
    cands = [
        bi
        for bi, b in enumerate(doc.blocks)
        if b.kind == "para" and b.section in ("practice", "result") and bi not in doc.block_state and len(b.elems) >= 2
    ]
    if not cands:
        cands = [bi for bi, b in enumerate(doc.blocks) if b.kind == "para" and bi not in doc.block_state and b.elems]
    return rng.choice(cands) if cands else None


def _insert(rng: random.Random, doc: Doc, bi: int, planted: Planted):
    """Put ``planted`` into block ``bi``, replacing about as much original text."""
    b = doc.blocks[bi]
    first = 1 if b.elems and b.elems[0].__class__ is str and b.elems[0].startswith(SO) else 0
    p = rng.randint(first, len(b.elems))
    removed = 0
    goal = 0.8 * len(planted.text)
    while p < len(b.elems) and removed < goal and len(b.elems) - first > 1 and b.elems[p].__class__ is str:
        removed += len(b.elems[p])
        del b.elems[p]
    b.elems.insert(p, planted)
    doc.block_state[bi] = "tgt"


class _Builder:
    def __init__(self, cfg: SynthConfig):
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.cases: list[Case] = []
        self._by_topic = None

    # -- documents ---------------------------------------------------------
    def documents(self):
        cfg, rng = self.cfg, self.rng
        main = rng.choice(("创卫", "巩卫", "文明创建", "安全生产", "党建", "创卫"))
        taken: set = set()
        expected = int((cfg.n_units + 1.5 * cfg.n_references) * cfg.doc_chars * 1.1)
        guard = None
        if cfg.unique_guard and expected <= GUARD_MAX_GRAMS:
            guard = UniqueGuard(expected)
        self.guard = guard
        subs = [_submission(random.Random(rng.getrandbits(64)), i, cfg, main, taken, guard) for i in range(cfg.n_units)]
        topics = [main] + [d.unit.topic for d in subs]
        refs = []
        for i in range(cfg.n_references):
            topic = main if i % 2 == 0 or not subs else rng.choice(topics)
            refs.append(_reference(random.Random(rng.getrandbits(64)), i, cfg, topic, guard))
        self.subs, self.refs = subs, refs
        if cfg.docx_rate:  # decided before any text is rendered: a .docx has one line a paragraph
            for d in subs:
                if rng.random() < cfg.docx_rate:
                    d.path, d.newline, d.encoding = d.path[: -len(".txt")] + ".docx", "\n", "docx"

    # -- roles -------------------------------------------------------------
    def roles(self):
        cfg, rng = self.cfg, self.rng
        subs = self.subs
        order = list(range(len(subs)))
        rng.shuffle(order)
        n_clean = min(cfg.clean_units, len(subs))
        for i in order[:n_clean]:
            subs[i].clean = True
        rest = order[n_clean:]
        obfs = [o for o in cfg.obfuscations if o in ALL_OBFUSCATIONS]
        n_copy = min(len(rest), round(cfg.copy_rate * len(subs)))
        if obfs and rest and n_copy == 0 and cfg.copy_rate > 0:
            n_copy = 1
        if not obfs:
            n_copy = 0
        copiers = sorted((subs[i] for i in rng.sample(rest, n_copy)), key=lambda d: d.submitted)
        plans: dict[int, list[str]] = {id(d): [] for d in copiers}
        cov = list(obfs)
        rng.shuffle(cov)
        wc = None
        if "whole_copy" in cov and copiers:
            cov.remove("whole_copy")
            if len(copiers) > 1 or not cov:
                wc = rng.choice(copiers)
                plans[id(wc)] = ["whole_copy"]
        free = [d for d in copiers if d is not wc]
        for j, o in enumerate(cov):
            if free:
                plans[id(free[j % len(free)])].append(o)
        partial = [o for o in obfs if o != "whole_copy"]
        for d in copiers:
            p = plans[id(d)]
            if not p:
                o = rng.choice(obfs)
                p.append(o)
            if p != ["whole_copy"] and partial:
                while len(p) < 3 and rng.random() < 0.4:
                    p.append(rng.choice(partial))
            d.copier = True
            d.whole_copy = p == ["whole_copy"]
        self.plans = plans
        self.copiers = copiers

    # -- sources -----------------------------------------------------------
    def _eligible(self, d: Doc, target: Doc, whole: bool, excl) -> bool:
        if d is target or d.clean or d.whole_copy or id(d) in excl:
            return False
        if d.role == "submission" and d.submitted >= target.submitted:
            return False
        if whole and (d.copier or d.block_state):
            return False
        return True

    def _index(self):
        if getattr(self, "_by_topic", None) is None:
            subs = sorted(self.subs, key=lambda d: d.submitted)
            self._subs_sorted = subs
            self._subs_dates = [d.submitted for d in subs]
            self._by_topic = {}
            for d in subs:
                self._by_topic.setdefault(d.unit.topic, []).append(d)
            self._by_topic_dates = {t: [d.submitted for d in v] for t, v in self._by_topic.items()}

    def _choose_source(self, target: Doc, whole: bool = False, exclude=()):
        """A source for ``target``: a 范文 or an earlier submission, preferably
        on the same topic (random draws, so it stays fast on big corpora)."""
        self._index()
        rng = self.rng
        excl = {id(d) for d in exclude}
        topic = target.unit.topic
        refs_same = [d for d in self.refs if d.unit.topic == topic]
        if whole:
            kind = target.unit.kind
            refs_same = (
                [d for d in refs_same if d.unit.kind == kind]
                or [d for d in self.refs if d.unit.kind == kind]
                or refs_same
            )
        for attempt in range(40):
            x = rng.random()
            if x < 0.45 and self.refs:
                pool = refs_same if refs_same and rng.random() < 0.8 else self.refs
                d = rng.choice(pool)
            else:
                if rng.random() < 0.8 and topic in self._by_topic:
                    pool, dates = self._by_topic[topic], self._by_topic_dates[topic]
                else:
                    pool, dates = self._subs_sorted, self._subs_dates
                n = bisect.bisect_left(dates, target.submitted)
                if n == 0:
                    continue
                d = pool[int(rng.random() * n)]
            if attempt < (30 if whole else 20) and d.unit.kind != target.unit.kind:
                continue
            if self._eligible(d, target, whole, excl):
                return d
        cands = [d for d in self.refs + self._subs_sorted if self._eligible(d, target, whole, excl)]
        return rng.choice(cands) if cands else None

    def _new_case(self, obf, target, source) -> Case:
        c = Case(f"c{len(self.cases) + 1:04d}", obf, target, source)
        self.cases.append(c)
        return c

    # -- planting ----------------------------------------------------------
    def plant(self):
        for d in self.copiers:
            if self.plans[id(d)] == ["whole_copy"]:
                if not self._plant_whole(d):
                    self.plans[id(d)] = ["verbatim"]
                    d.whole_copy = False
        for d in self.copiers:
            for obf in self.plans[id(d)]:
                if obf == "whole_copy":
                    continue
                if obf == "mosaic":
                    self._plant_mosaic(d)
                else:
                    self._plant_passage(d, obf)
        if self.cfg.family_units >= 2:
            self._plant_family(self.cfg.family_units)
        for size in self.cfg.families:
            if size >= 2:
                self._plant_family(size, mixed=True)
        self._plant_reuse(self.cfg.reuse_units)
        # drop copiers that ended up without a case
        targets = {id(c.target) for c in self.cases}
        if self.guard is not None:
            for d in self.subs:
                if id(d) in targets and not d.whole_copy:
                    g = _G(random.Random(self.rng.getrandbits(64)), d.unit, self.guard)
                    self.guard.vet_seams(g, d)
        for d in self.copiers:
            if id(d) not in targets:
                d.copier = False

    def _plant_whole(self, target: Doc) -> bool:
        rng = self.rng
        tried = []
        for _ in range(6):
            src = self._choose_source(target, whole=True, exclude=tried)
            if src is None:
                return False
            tried.append(src)
            if src.text is None:
                render(src)
            if src.role == "reference":
                first, last = rng.choice(src.essays)
            else:
                first, last = 0, len(src.blocks) - 1
            s0, s1 = src.blocks[first].start, src.blocks[last].end
            region = src.text[s0:s1]
            res = O.swap_entities(region, entity_pairs(src.unit, target.unit, rng), rng, number_rate=0.35, min_swaps=2)
            if res is None:
                continue
            text, swaps = res
            c = self._new_case("whole_copy", target, src)
            c.whole = True
            c.swaps = swaps
            # the source's stock phrasing is stock in the copy too (towards
            # every other document)
            c.stock = O.map_through_swaps(
                region, swaps, [(max(a, s0) - s0, min(b, s1) - s0) for a, b in src.stock if a < s1 and s0 < b]
            )
            c.source_text = region
            c.src_block, c.src_lo, c.src_hi = first, last, -1
            c.planted = Planted(text, c)
            target.blocks = [Block("copy", [c.planted])]
            target.newline = src.newline
            target.indent = src.indent
            for bi in range(first, last + 1):
                src.block_state.setdefault(bi, "src")
                for ei in range(len(src.blocks[bi].elems)):
                    src.used.add((bi, ei))
            return True
        return False

    def _plant_passage(self, target: Doc, obf: str):
        rng = self.rng
        kmin, kmax = {
            "verbatim": (2, 7),
            "entity_swap": (2, 6),
            "light_edit": (3, 7),
            "reorder": (3, 6),
            "heavy_rewrite": (4, 8),
            "script_noise": (2, 5),
            "format_noise": (2, 6),
        }[obf]
        tried = []
        for _ in range(8):
            src = self._choose_source(target, exclude=tried)
            if src is None:
                return
            tried.append(src)
            tb = _target_block(rng, target)
            if tb is None:
                return
            pick = _pick_passage(rng, src, kmin, kmax, need_roundtrip=obf == "script_noise")
            if pick is None:
                continue
            bi, lo, hi = pick
            sents = src.blocks[bi].elems[lo:hi]
            text = "".join(sents)
            swaps: list = []
            if obf == "verbatim":
                out = text
            elif obf == "entity_swap":
                res = O.swap_entities(text, entity_pairs(src.unit, target.unit, rng), rng, 0.7)
                if res is None:
                    continue
                out, swaps = res
            elif obf == "light_edit":
                out = O.light_edit(sents, rng)
            elif obf == "reorder":
                out = O.reorder(sents, rng)
            elif obf == "heavy_rewrite":
                out = O.heavy_rewrite(sents, rng)
            elif obf == "script_noise":
                out = O.script_noise(text, rng)
                if O.to_simplified(O.strip_pinyin(out)) != text:
                    continue
            elif obf == "format_noise":
                out = O.format_noise(text, rng, target.newline)
            else:
                raise ValueError(obf)
            self._plant_case(obf, target, tb, src, (bi, lo, hi), text, out, swaps)
            return

    def _plant_case(self, obf, target: Doc, tb, src: Doc, where: tuple, text: str, out: str, swaps) -> None:
        """A case of ``obf``: elements ``lo:hi`` of ``src``'s block ``bi`` (``text``), planted as ``out`` in ``target``."""
        bi, lo, hi = where
        c = self._new_case(obf, target, src)
        c.src_block, c.src_lo, c.src_hi = bi, lo, hi
        c.swaps = swaps
        c.source_text = text
        c.planted = Planted(out, c)
        src.block_state.setdefault(bi, "src")
        for ei in range(lo, hi):
            src.used.add((bi, ei))
        _insert(self.rng, target, tb, c.planted)

    def _plant_family(self, size: int, mixed: bool = False):
        """One 范文 passage pasted by ``size`` submissions, each with its own
        names and numbers (``mixed``: in turn verbatim, with its names and
        numbers swapped, and lightly edited): the boilerplate family an audit
        groups. Its cases are labelled ``family`` when ``mixed``."""
        rng = self.rng
        refs = [d for d in self.refs if d.blocks]
        targets = [d for d in self.subs if not d.clean and not d.whole_copy]
        if not refs or len(targets) < size:
            return
        src = rng.choice(refs)
        pick = _pick_passage(rng, src, 3, 6 if mixed else 5)
        if pick is None:
            return
        bi, lo, hi = pick
        sents = src.blocks[bi].elems[lo:hi]
        text = "".join(sents)
        for j, target in enumerate(rng.sample(targets, size)):
            tb = _target_block(rng, target)
            how = ("entity_swap", "verbatim", "light_edit")[j % 3] if mixed else "entity_swap"
            if how == "verbatim":
                res = (text, [])
            elif how == "light_edit":
                res = (O.light_edit(sents, rng), [])
            else:
                res = O.swap_entities(text, entity_pairs(src.unit, target.unit, rng), rng, 0.7)
            if tb is None or res is None:
                continue
            out, swaps = res
            c = self._new_case(FAMILY if mixed else "entity_swap", target, src)
            c.src_block, c.src_lo, c.src_hi = bi, lo, hi
            c.swaps = swaps
            c.source_text = text
            c.planted = Planted(out, c)
            _insert(rng, target, tb, c.planted)
            target.copier = True
        src.block_state.setdefault(bi, "src")
        for ei in range(lo, hi):
            src.used.add((bi, ei))

    def _plant_reuse(self, count: int):
        """``count`` units hand in next year's summary too, reusing one to three
        paragraphs of this year's with the numbers changed (跨时抄)."""
        rng = self.rng
        prev = [d for d in self.subs if not d.clean and not d.whole_copy and d.unit.year is not None]
        paths = {d.path for d in self.subs}
        for earlier in rng.sample(prev, min(count, len(prev))):
            later = _follow_up(random.Random(rng.getrandbits(64)), earlier, self.cfg, self.guard)
            if later is None or later.path in paths:
                continue
            paths.add(later.path)
            self.subs.append(later)
            for _ in range(rng.randint(1, 3)):
                pick = _pick_passage(rng, earlier, 2, 5)
                tb = _target_block(rng, later)
                if pick is None or tb is None:
                    break
                bi, lo, hi = pick
                text = "".join(earlier.blocks[bi].elems[lo:hi])
                res = O.swap_entities(text, [], rng, number_rate=0.8)
                out, swaps = res if res is not None else (text, [])
                self._plant_case(SELF_REUSE, later, tb, earlier, (bi, lo, hi), text, out, swaps)
                later.copier = True

    def _plant_mosaic(self, target: Doc):
        rng = self.rng
        n = rng.randint(3, 5)
        picked = []
        tried = []
        for _ in range(n * 3):
            if len(picked) >= n:
                break
            src = self._choose_source(target, exclude=tried if len(tried) < 3 else ())
            if src is None:
                break
            cands = _source_sentences(src, min_chars=25)
            if not cands:
                tried.append(src)
                continue
            bi, ei = rng.choice(cands)
            src.used.add((bi, ei))
            src.block_state.setdefault(bi, "src")
            picked.append((src, bi, ei))
            tried.append(src)
        if not picked:
            return
        tbs = []
        for _ in range(2 if len(picked) > 3 else 1):
            tb = _target_block(rng, target)
            if tb is not None:
                tbs.append(tb)
                target.block_state[tb] = "tgt"
        if not tbs:
            return
        for j, (src, bi, ei) in enumerate(picked):
            text = src.blocks[bi].elems[ei]
            c = self._new_case("mosaic", target, src)
            c.src_block, c.src_lo, c.src_hi = bi, ei, ei + 1
            c.source_text = text
            c.planted = Planted(text, c)
            b = target.blocks[tbs[j % len(tbs)]]
            # between original sentences: replace one original sentence
            orig = [k for k, e in enumerate(b.elems) if e.__class__ is str and SO not in e]
            if orig:
                k = rng.choice(orig)
                b.elems[k] = c.planted
            else:
                b.elems.append(c.planted)

    # -- output ------------------------------------------------------------
    def finish(self) -> dict:
        docs = self.refs + self.subs
        for d in docs:
            render(d)
        for c in self.cases:
            if c.whole:
                first, last = c.src_block, c.src_lo
                c.source_start = c.source.blocks[first].start
                c.source_end = c.source.blocks[last].end
            else:
                offs = c.source.blocks[c.src_block].offs
                c.source_start = offs[c.src_lo][0]
                c.source_end = offs[c.src_hi - 1][1]
            assert c.source.text[c.source_start : c.source_end] == c.source_text
        truth_docs = []
        by_target: dict = {}
        case_stock: dict = {}
        for c in self.cases:
            by_target.setdefault(id(c.target), []).append((c.planted.start, c.planted.end))
            case_stock.setdefault(id(c.target), []).extend(
                (c.planted.start + a, c.planted.start + b) for a, b in c.stock
            )
        for d in docs:
            ranges = _merge(by_target.get(id(d), []))
            copied = sum(e - s for s, e in ranges)
            meaningful = sum(count_meaningful(d.text[s:e]) for s, e in ranges)
            stock = [r for r in d.stock if not any(r[0] < e and s < r[1] for s, e in ranges)]
            if id(d) in case_stock:
                stock = _merge(stock + case_stock[id(d)], d.text)
            u = d.unit
            entry = {
                "path": d.path,
                "role": d.role,
                "unit": None if u.placeholder else u.name,
                "year": u.year,
                "encoding": d.encoding,
                "newline": "crlf" if d.newline == "\r\n" else "lf",
                "chars": len(d.text),
                "meaningful_chars": count_meaningful(d.text),
                "copied_chars": copied,
                "copied_meaningful_chars": meaningful,
                "kind": u.kind,
                "topic": u.topic,
                "stock_ranges": stock,
            }
            if d.role == "submission":
                entry.update({"full_name": u.full, "submitted": d.submitted, "clean": d.clean, "copier": d.copier})
            else:
                entry.update(
                    {
                        "published": d.published,
                        "chrome_ranges": [list(r) for r in d.chrome],
                        "essays": [[d.blocks[a].start, d.blocks[b].end] for a, b in d.essays],
                    }
                )
            truth_docs.append(entry)
        cases = []
        for c in self.cases:
            cases.append(
                {
                    "id": c.id,
                    "obfuscation": c.obfuscation,
                    "suspicious": c.target.path,
                    "start": c.planted.start,
                    "end": c.planted.end,
                    "source": c.source.path,
                    "source_start": c.source_start,
                    "source_end": c.source_end,
                    "swaps": [list(s) for s in c.swaps],
                }
            )
        return {
            "schema": SCHEMA,
            "seed": self.cfg.seed,
            "config": _config_dict(self.cfg),
            "documents": truth_docs,
            "cases": cases,
        }


def _config_dict(cfg: SynthConfig) -> dict:
    return {
        "n_units": cfg.n_units,
        "n_references": cfg.n_references,
        "seed": cfg.seed,
        "doc_chars": cfg.doc_chars,
        "copy_rate": cfg.copy_rate,
        "obfuscations": list(cfg.obfuscations),
        "encodings": [list(e) for e in cfg.encodings],
        "clean_units": cfg.clean_units,
        "crlf_rate": cfg.crlf_rate,
        "family_units": cfg.family_units,
        "families": list(cfg.families),
        "reuse_units": cfg.reuse_units,
        "docx_rate": cfg.docx_rate,
    }


def build(config: SynthConfig):
    """Build the corpus in memory: returns (builder, truth).  ``builder.refs``,
    ``builder.subs`` hold the documents (``.text``), ``builder.cases`` the
    cases with the planted text (``case.planted.text``)."""
    b = _Builder(config)
    b.documents()
    b.roles()
    b.plant()
    truth = b.finish()
    return b, truth


def encode(doc_text: str, encoding: str) -> bytes:
    """The bytes of a file: the text in its encoding, or a .docx with one paragraph a line."""
    if encoding != "docx":
        return doc_text.encode(encoding)
    import docx

    document = docx.Document()
    document.core_properties.created = document.core_properties.modified = _FIXED_TIME
    for line in doc_text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return _with_fixed_times(out.getvalue())


_FIXED_TIME = datetime(2020, 1, 1, tzinfo=UTC)


def _with_fixed_times(archive: bytes) -> bytes:
    """The zip archive with every member dated alike: the same corpus, byte for byte, from the same seed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member.filename))
    return out.getvalue()


def generate_corpus(out_dir: str | Path, config: SynthConfig = SynthConfig()) -> dict:
    """Write references/, submissions/, truth.json and manifest.csv into
    ``out_dir``; return the truth dict."""
    out = Path(out_dir)
    builder, truth = build(config)
    (out / "references").mkdir(parents=True, exist_ok=True)
    (out / "submissions").mkdir(parents=True, exist_ok=True)
    for d in builder.refs + builder.subs:
        (out / d.path).write_bytes(encode(d.text, d.encoding))
    (out / "truth.json").write_bytes(json.dumps(truth, ensure_ascii=False, indent=1).encode("utf-8"))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["path", "unit", "year", "submitted"])
    for d in builder.refs + builder.subs:
        u = d.unit
        w.writerow([d.path, "" if u.placeholder else u.name, "" if u.year is None else u.year, d.submitted or ""])
    (out / "manifest.csv").write_bytes(buf.getvalue().encode("utf-8"))
    return truth


def demo_corpus(out_dir: str | Path) -> dict:
    """A small corpus (12 submissions, 4 范文) showing every obfuscation and
    one boilerplate family (a 范文 passage in four submissions)."""
    cfg = SynthConfig(n_units=12, n_references=4, seed=7, copy_rate=0.84, clean_units=2, family_units=4)
    return generate_corpus(out_dir, cfg)


# ---------------------------------------------------------------------------
# Fast in-memory texts
# ---------------------------------------------------------------------------


def generate_texts(config: SynthConfig) -> Iterator[tuple[str, str]]:
    """Yield ``(relative path, text)`` for ``n_references`` 范文 and ``n_units``
    submissions without writing anything or recording cases.  Documents have
    the statistics of :func:`generate_corpus` (``copy_rate`` of them copy one
    to three paragraphs, verbatim or lightly edited, from earlier documents)."""
    cfg = config
    rng = random.Random(cfg.seed)
    main = rng.choice(("创卫", "巩卫", "文明创建", "安全生产", "党建", "创卫"))
    pool: list[list[str]] = []
    for i in range(cfg.n_references):
        d = _reference(random.Random(rng.getrandbits(64)), i, cfg, main if i % 2 == 0 else rng.choice(tuple(L.TOPICS)))
        pool.extend([e for e in b.elems if SO not in e] for b in d.blocks if b.kind == "para")
        yield d.path, fast_text(d.blocks, d.newline)
    taken: set = set()
    pool_max = 512
    for i in range(cfg.n_units):
        d = _submission(rng, i, cfg, main, taken)
        paras = [b for b in d.blocks if b.kind == "para" and b.section in ("practice", "result")]
        if pool and paras and rng.random() < cfg.copy_rate:
            for _ in range(rng.randint(1, 3)):
                src = pool[int(rng.random() * len(pool))]
                if not src:
                    continue
                b = paras[int(rng.random() * len(paras))]
                k = rng.randint(1, min(4, len(src)))
                s = rng.randint(0, len(src) - k)
                piece = src[s : s + k]
                text = "".join(piece) if rng.random() < 0.5 else O.synonyms("".join(piece), rng, 0.5)
                b.elems[len(b.elems) // 2 :] = [text]
        paras_all = [b for b in d.blocks if b.kind == "para"]
        if paras_all:
            b = paras_all[int(rng.random() * len(paras_all))]
            sents = [e for e in b.elems if e.__class__ is str and SO not in e]
            if len(pool) < pool_max:
                pool.append(sents)
            else:
                pool[int(rng.random() * pool_max)] = sents
        yield d.path, fast_text(d.blocks, d.newline)
