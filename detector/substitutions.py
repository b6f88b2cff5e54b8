"""What changed inside an aligned passage: "市司法局 → 县交通运输局".

The two passages are compared character by character after folding each
character (NFKC, traditional to simplified), so a traditional page pasted
over a simplified one shows only the real edits. Adjacent edit operations are
merged into one substitution; edits that only touch punctuation, whitespace
or pinyin annotations are dropped. jieba's part-of-speech tags say what kind
of entity was swapped (place, organisation, person, number, time), which is
how a reviewer proves "地点改一改，主角换一换".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from corpus.normalize import fold_chars

_PINYIN_NOISE = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*[)）]")
_CONTEXT = 1  # characters of shared context a substitution may absorb


@dataclass(frozen=True)
class Substitution:
    before: str  # text in the source passage
    after: str  # text in the submission passage
    kind: str  # "place", "organisation", "person", "number", "time", "word"

    def as_dict(self) -> dict[str, str]:
        return {"before": self.before, "after": self.after, "kind": self.kind}


def _meaningful(text: str) -> str:
    text = _PINYIN_NOISE.sub("", text)
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def substitutions(source: str, submission: str) -> list[Substitution]:
    """Substitutions that turn ``source`` into ``submission`` (in order)."""
    ops = Levenshtein.opcodes(fold_chars(source), fold_chars(submission))
    merged: list[list[int]] = []  # [src_start, src_end, dst_start, dst_end]
    for op in ops:
        if op.tag == "equal":
            between = source[op.src_start : op.src_end]
            inside_number = len(between) <= 2 and all(c in _NUMERAL for c in between)
            if merged and (len(between) <= _CONTEXT and _is_filler(between) or inside_number):
                merged[-1][1], merged[-1][3] = op.src_end, op.dest_end
            continue
        if merged and merged[-1][1] == op.src_start and merged[-1][3] == op.dest_start:
            merged[-1][1], merged[-1][3] = op.src_end, op.dest_end
        else:
            merged.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
    found = []
    for s0, s1, d0, d1 in merged:
        s0, s1, d0, d1 = _expand(source, submission, s0, s1, d0, d1)
        before, after = source[s0:s1].strip(), submission[d0:d1].strip()
        if _meaningful(before) == _meaningful(after):
            continue  # punctuation, spacing or pinyin noise only
        found.append(Substitution(before, after, entity_kind(_meaningful(after) or _meaningful(before))))
    return found


_NUMERAL = set("0123456789０１２３４５６７８９零〇一二三四五六七八九十百千万亿两_＿xX×*＊")
_SUFFIX = set("余多次年月日号个人名家所项处场件起万元米亩户块条张台辆座份期篇位局镇县市区乡村校院委办")
_MAX_SUFFIX = 3
_SELF = set("我本该全")  # self-reference: 我局, 本院, 全镇


def _expand(source: str, submission: str, s0: int, s1: int, d0: int, d1: int) -> tuple[int, int, int, int]:
    """Grow a substitution over shared numerals and unit/measure suffixes, so
    "30 → 25" reads "30余次 → 25余次" and "市司法 → 县交通运输" reads
    "市司法局 → 县交通运输局"."""
    while s0 > 0 and d0 > 0 and source[s0 - 1] == submission[d0 - 1] and source[s0 - 1] in _NUMERAL:
        s0, d0 = s0 - 1, d0 - 1
    if s0 > 0 and d0 > 0 and source[s0 - 1] == submission[d0 - 1] and source[s0 - 1] in _SELF:
        s0, d0 = s0 - 1, d0 - 1  # 局 -> 镇 reads 我局 -> 我镇
    grown = 0
    while (
        s1 < len(source)
        and d1 < len(submission)
        and source[s1] == submission[d1]
        and (source[s1] in _NUMERAL or (source[s1] in _SUFFIX and grown < _MAX_SUFFIX))
    ):
        grown += source[s1] in _SUFFIX
        s1, d1 = s1 + 1, d1 + 1
    return s0, s1, d0, d1


def _is_filler(text: str) -> bool:
    return not _meaningful(text)


_POS_KINDS = (("ns", "place"), ("nt", "organisation"), ("nr", "person"), ("m", "number"), ("t", "time"))
_UNIT_SUFFIX = re.compile(r"(局|镇|乡|村|县|市|区|校|院|所|委|办|中心|医院|学校|中学|小学|公司|街道|社区)$")


@lru_cache(maxsize=4096)
def entity_kind(text: str) -> str:
    """What kind of entity ``text`` is, from jieba's POS tags and unit suffixes."""
    if not text:
        return "word"
    if any(c.isdigit() for c in text):
        return "number"
    if _UNIT_SUFFIX.search(text):
        return "organisation"
    import jieba
    import jieba.posseg as posseg

    jieba.setLogLevel(60)
    for word in posseg.lcut(text, HMM=False):
        for prefix, kind in _POS_KINDS:
            if word.flag.startswith(prefix):
                return kind
    return "word"
