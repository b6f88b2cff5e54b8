"""An independent benchmark on real text: planted copying in real documents.

    python -m bench.real_bench [--documents DIR] [--hosts 150] [--references 30] [--seed 1]

The generator's corpus (``chachong bench``) is chachong's own model of the
world; this one is built differently. Its documents are real Chinese official
prose (sections of State Council and provincial government work reports,
Party congress reports, 新闻联播 stories: ``../shared/realdata/documents``,
which is not shipped with chachong; no two of them share a 50-character
passage). Some are the reference library (范文), the others the submissions
(hosts), each dated in a manifest. Copying is planted by plain string
operations written for this file alone, not by the generator:

* ``verbatim``: a span of one to three sentences of a 范文 or an earlier host
  replaces a paragraph of the host;
* ``numbers``: the same with every number changed;
* ``names``: the same with the national words swapped for local ones
  (全国 → 全省, 国务院 → 省政府 …) and numbers changed;
* ``edited``: the same with a character dropped or 进一步/切实 inserted in
  every other sentence;
* ``traditional``: the same in traditional script (OpenCC s2t);
* ``mosaic``: a paragraph of four sentences from four sources;
* ``family``: one 范文 span pasted into a tenth of the hosts, each swapping
  names and numbers on its own;
* ``whole``: a host that is an earlier host with its numbers changed.

A fifth of the hosts copy nothing. Real documents already share text
before anything is planted (a political formula, a sentence one year's report
repeats from the last): every 8-character run (numbers folded, punctuation
dropped) two documents share outside the planted text is **neutral**, neither copying nor a miss, in every
measure below (its meaningful characters are left out of the shares too),
and so is a detection whose source side is such text, or text the source
copied from the same origin (either way the source is one more true holder of
the passage, as family members are of their 范文's section). The truth of a submission is its planted
ranges; its **copied share** is their meaningful characters over all of its
meaningful characters (real text has no truth for 套话, so originality is not
scored here; chachong's ``copied_chars`` over ``meaningful_chars`` is
compared with the truth). The run is dated (the manifest's years: a host
copies only from earlier ones) and undated (no years: a passage two hosts
share counts in both in the truth, and the reverse detection is neutral).
chachong runs as ``chachong audit HOSTS --ref REFERENCES`` does; the
13-character baseline runs on the same texts.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DOCUMENTS = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "documents"
NATIONAL_TO_LOCAL = {
    "全国": "全省",
    "我国": "我省",
    "国务院": "省政府",
    "中央": "省委",
    "各地区": "各市县",
    "各部门": "各单位",
    "全国人民": "全省人民",
    "国家": "本省",
}
INSERTS = ("进一步", "切实", "持续", "全面")
SENTENCE = re.compile(r"[^。！？；]+[。！？；]")


@dataclass
class Host:
    name: str
    year: int
    paragraphs: list[str]
    #: planted copying: (paragraph, start, end in it, source, source start, source end, label)
    cases: list[tuple[int, int, int, str, int, int, str]] = field(default_factory=list)
    whole_of: str | None = None  # the earlier host this one copies whole
    frozen: bool = False  # copied whole by a later host: nothing more is planted in it

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def paragraph_start(self, index: int) -> int:
        return sum(len(p) + 1 for p in self.paragraphs[:index])

    def free_paragraphs(self) -> list[int]:
        """Paragraphs (not the first, the title) without planted text."""
        used = {c[0] for c in self.cases}
        return [i for i in range(1, len(self.paragraphs)) if i not in used and len(self.paragraphs[i]) >= 60]


@dataclass
class Planted:
    hosts: list[Host]
    references: dict[str, str]
    clean: set[str]  # hosts that neither copy nor are copied


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in SENTENCE.finditer(text) if m.end() - m.start() >= 12]


def _span(rng: random.Random, text: str, sentences: int) -> tuple[int, int] | None:
    """A run of ``sentences`` consecutive sentences of ``text``, 60 to 420 characters."""
    found = _sentences(text)
    if len(found) < sentences:
        return None
    for _ in range(20):
        i = rng.randrange(len(found) - sentences + 1)
        lo, hi = found[i][0], found[i + sentences - 1][1]
        if 60 <= hi - lo <= 420:
            return lo, hi
    return None


def _numbers(rng: random.Random, text: str) -> str:
    return re.sub(r"\d+(\.\d+)?", lambda m: str(rng.randint(2, 987)), text)


def _names(rng: random.Random, text: str) -> str:
    for national, local in sorted(NATIONAL_TO_LOCAL.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(national, local)
    return _numbers(rng, text)


def _edited(rng: random.Random, text: str) -> str:
    out, last = [], 0
    for k, (lo, hi) in enumerate(_sentences(text)):
        out.append(text[last:lo])
        sentence = text[lo:hi]
        if k % 2 == 0 and len(sentence) > 20:
            at = rng.randrange(2, len(sentence) - 2)
            sentence = (
                sentence[:at] + sentence[at + 1 :]
                if rng.random() < 0.5
                else sentence[:at] + rng.choice(INSERTS) + sentence[at:]
            )
        out.append(sentence)
        last = hi
    return "".join(out) + text[last:]


def _traditional(rng: random.Random, text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


OBFUSCATIONS = {
    "verbatim": lambda rng, text: text,
    "numbers": _numbers,
    "names": _names,
    "edited": _edited,
    "traditional": _traditional,
}


def _insert(host: Host, rng: random.Random, pieces: list[tuple[str, str, int, int, str]]) -> None:
    """Replace a free paragraph of ``host`` with ``pieces`` joined: each is
    (text, source, source start, source end, label)."""
    free = host.free_paragraphs()
    if not free or not pieces:
        return
    at, offset = rng.choice(free), 0
    for piece, source, s0, s1, label in pieces:
        host.cases.append((at, offset, offset + len(piece), source, s0, s1, label))
        offset += len(piece)
    host.paragraphs[at] = "".join(p[0] for p in pieces)


def _copy_from(rng: random.Random, source: tuple[str, str, int], label: str, sentences: int = 0) -> tuple | None:
    """A span of ``source`` (name, text, offset of the text in the document), obfuscated."""
    name, text, base = source
    found = _span(rng, text, sentences or rng.randint(1, 3))
    if found is None:
        return None
    lo, hi = found
    return OBFUSCATIONS[label](rng, text[lo:hi]), name, base + lo, base + hi, label


def plant(texts: dict[str, str], hosts: int, references: int, seed: int) -> Planted:
    """Choose references and hosts among ``texts`` and plant the copying."""
    rng = random.Random(seed)
    names = sorted(texts)
    rng.shuffle(names)
    refs = {f"references/范文{i + 1:03d}.txt": texts[n] for i, n in enumerate(names[:references])}
    chosen = names[references : references + hosts]
    host_list = [
        Host(f"submissions/host_{i + 1:04d}.txt", 2019 + i * 6 // max(1, len(chosen)), texts[n].split("\n"))
        for i, n in enumerate(chosen)
    ]
    clean = {h.name for h in rng.sample(host_list, len(host_list) // 5)}
    _plant_whole(rng, host_list, clean)
    _plant_family(rng, host_list, refs, clean)
    _plant_cases(rng, host_list, refs, clean)
    return Planted(host_list, refs, clean)


def _plant_whole(rng: random.Random, hosts: list[Host], clean: set[str]) -> None:
    """Three hosts hand in an earlier host's text with its numbers changed."""
    copiers = [h for h in hosts[len(hosts) // 2 :] if h.name not in clean]
    for copier in rng.sample(copiers, min(3, len(copiers))):
        earlier = [h for h in hosts if h.year < copier.year and h.name not in clean and not h.whole_of]
        original = rng.choice(earlier)
        text = original.text
        copier.paragraphs = _numbers(rng, text).split("\n")
        copier.whole_of, original.frozen = original.name, True
        copier.cases = [(0, 0, len(copier.text), original.name, 0, len(text), "whole")]


def _plant_family(rng: random.Random, hosts: list[Host], refs: dict[str, str], clean: set[str]) -> None:
    source = sorted(refs)[0]
    found = _span(rng, refs[source], 3) or (0, min(300, len(refs[source])))
    open_hosts = [h for h in hosts if h.name not in clean and not h.whole_of and not h.frozen]
    members = rng.sample(open_hosts, max(3, len(hosts) // 10))
    for host in members:
        piece = (_names if rng.random() < 0.5 else _numbers)(rng, refs[source][found[0] : found[1]])
        _insert(host, rng, [(piece, source, found[0], found[1], "family")])


def _plant_cases(rng: random.Random, hosts: list[Host], refs: dict[str, str], clean: set[str]) -> None:
    """One or two cases in every host that is not clean: from a 范文 or an earlier host."""
    for i, host in enumerate(hosts):
        if host.name in clean or host.whole_of or host.frozen:
            continue
        earlier = [h for h in hosts[:i] if h.year < host.year and h.name not in clean and not h.whole_of]
        for _ in range(rng.randint(1, 2)):
            pieces = _mosaic(rng, refs, earlier) if rng.random() < 0.15 else _one_case(rng, refs, earlier)
            _insert(host, rng, pieces)


def _one_case(rng: random.Random, refs: dict[str, str], earlier: list[Host]) -> list[tuple]:
    found = _copy_from(rng, _pick_source(rng, refs, earlier), rng.choice(sorted(OBFUSCATIONS)))
    return [found] if found else []


def _mosaic(rng: random.Random, refs: dict[str, str], earlier: list[Host]) -> list[tuple]:
    pieces = []
    for _ in range(4):
        found = _copy_from(rng, _pick_source(rng, refs, earlier), "verbatim", sentences=1)
        if found:
            pieces.append((found[0], found[1], found[2], found[3], "mosaic"))
    return pieces


def _pick_source(rng: random.Random, refs: dict[str, str], earlier: list[Host]) -> tuple[str, str, int]:
    """A 范文, or a paragraph of an earlier host without planted text (its own writing)."""
    if earlier and rng.random() < 0.4:
        host = rng.choice(earlier)
        free = host.free_paragraphs()
        if free:
            at = rng.choice(free)
            return host.name, host.paragraphs[at], host.paragraph_start(at)
    name = rng.choice(sorted(refs))
    return name, refs[name], 0


# -- the run -------------------------------------------------------------------------------


def write_corpus(planted: Planted, out: Path, dated: bool) -> None:
    """references/, submissions/ and a manifest (years only when ``dated``)."""
    rows = ["path,unit,year,submitted"]
    for name, text in sorted(planted.references.items()):
        _write(out / name, text)
        rows.append(f"{name},,,")
    for host in planted.hosts:
        _write(out / host.name, host.text)
        rows.append(f"{host.name},{Path(host.name).stem},{host.year if dated else ''},")
    _write(out / "manifest.csv", "\n".join(rows) + "\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def truth_cases(planted: Planted) -> list:
    """The planted cases as PAN spans over each host's final text."""
    from evaluation.pan import Span

    cases = []
    for host in planted.hosts:
        for paragraph, lo, hi, source, s0, s1, label in host.cases:
            base = host.paragraph_start(paragraph)
            cases.append(Span.of(host.name, base + lo, base + hi, source, s0, s1, label))
    return cases


def true_copied(planted: Planted, cases: list, dated: bool) -> dict[str, list[tuple[int, int]]]:
    """Each host's copied ranges; undated, also what later hosts took from it."""
    copied: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for case in cases:
        copied[case.doc].append((case.start, case.end))
        if not dated and case.source.startswith("submissions/"):
            copied[case.source].append((case.source_start, case.source_end))
    return copied


@dataclass
class Figures:
    name: str
    measures: object
    share_errors: list[float]
    clean_max: float


@dataclass
class Truth:
    cases: list
    copied: dict[str, list[tuple[int, int]]]  # dated
    copied_undated: dict[str, list[tuple[int, int]]]
    neutral: dict[str, list[tuple[int, int]]]
    runs: list  # the 13-character runs between the final texts (the baseline's detections)


def make_truth(planted: Planted) -> Truth:
    from evaluation.pan import baseline_detections

    cases = truth_cases(planted)
    texts = {h.name: h.text for h in planted.hosts}
    runs = baseline_detections(texts, {**planted.references, **texts})
    related: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for case in cases:
        related[case.doc].append((case.start, case.end))
        related[case.source].append((case.source_start, case.source_end))
    neutral = shared_outside({**planted.references, **texts}, related)
    copied, undated = true_copied(planted, cases, True), true_copied(planted, cases, False)
    return Truth(cases, copied, undated, dict(neutral), runs)


def shared_outside(texts: dict[str, str], related: dict[str, list[tuple[int, int]]], k: int = 8) -> dict:
    """Per document, the ranges covered by a ``k``-gram (numbers folded,
    punctuation dropped) that another document holds too, both outside the
    planted text: what the real documents shared before anything was planted."""
    from corpus.normalize import normalize

    streams = {name: normalize(text) for name, text in sorted(texts.items())}
    where: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for name, stream in streams.items():
        for i in range(len(stream.text) - k + 1):
            lo, hi = stream.to_original(i, i + k)
            if not _overlaps(lo, hi, related.get(name, [])):
                where[stream.text[i : i + k]].append((name, i))
    neutral: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for places in where.values():
        if len({name for name, _ in places}) > 1:
            for name, i in places:
                neutral[name].append(streams[name].to_original(i, i + k))
    return dict(neutral)


def _overlaps(lo: int, hi: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a < hi and lo < b for a, b in ranges)


def chachong_run(planted: Planted, truth: Truth, dated: bool, workdir: Path) -> Figures:
    """``chachong audit submissions --ref references`` on the corpus written with or without years."""
    from app.audit import run_audit
    from evaluation.pan import Span, pan_measures

    out = workdir / ("dated" if dated else "undated")
    write_corpus(planted, out, dated)
    result = run_audit([out / "submissions"], [out / "references"])
    pairs = {(c.doc, c.source) for c in truth.cases}
    detections, found = [], defaultdict(list)
    for r in result.results:
        doc = Path(r.path).relative_to(out).as_posix()
        for m in r.copies:
            found[doc].append((m.start, m.end))
            source = Path(m.source).relative_to(out).as_posix()
            if dated or (source, doc) not in pairs:  # undated, the reverse of a case is neutral
                detections.append(Span.of(doc, m.start, m.end, source, m.source_start, m.source_end))
    measures = pan_measures(truth.cases, _scored(detections, truth), truth.neutral)
    return _figures("chachong" if dated else "chachong, undated", planted, truth, dated, found, measures)


def baseline_run(planted: Planted, truth: Truth, merged: bool) -> Figures:
    """The 13-character rule on the same texts (its detections have no direction)."""
    from evaluation.pan import merge_runs, pan_measures

    detections = merge_runs(truth.runs) if merged else truth.runs
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for d in detections:
        found[d.doc].append((d.start, d.end))
    measures = pan_measures(truth.cases, _scored(detections, truth), truth.neutral)
    return _figures("baseline 13-char, merged" if merged else "baseline 13-char", planted, truth, True, found, measures)


def _scored(detections: list, truth: Truth) -> list:
    """The detections scored. Two kinds name a true holder of the passage
    other than the planted source, and are neutral: a source side that is
    text the source already shared with others before planting (real
    documents repeat each other), and a source side the source copied from
    the same origin as the document did (two units that pasted one 范文)."""
    origins: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for case in truth.cases:
        origins[case.doc].append((case.start, case.end, case.source))
    kept = []
    for d in detections:
        shared = _covered(d.source_start, d.source_end, [(lo, hi) for lo, hi in truth.neutral.get(d.source, [])])
        mine = {o for lo, hi, o in origins[d.doc] if lo < d.end and d.start < hi}
        theirs = [(lo, hi) for lo, hi, o in origins[d.source] if o in mine]
        co_copier = _covered(d.source_start, d.source_end, theirs)
        if max(shared, co_copier) < 0.5 * (d.source_end - d.source_start):
            kept.append(d)
    return kept


def _covered(lo: int, hi: int, ranges: list[tuple[int, int]]) -> int:
    return sum(max(0, min(b, hi) - max(a, lo)) for a, b in ranges)


def _figures(name: str, planted: Planted, truth: Truth, dated: bool, found: dict, measures: object) -> Figures:
    copied = truth.copied if dated else truth.copied_undated
    errors, clean = [], []
    for host in planted.hosts:
        share = _share(host.text, found.get(host.name, []), truth.neutral.get(host.name, []))
        errors.append(abs(share - _share(host.text, copied.get(host.name, []), truth.neutral.get(host.name, []))))
        if host.name in planted.clean:
            clean.append(share)
    return Figures(name, measures, errors, max(clean) if clean else 0.0)


def _share(text: str, ranges: list[tuple[int, int]], neutral: list[tuple[int, int]]) -> float:
    """Meaningful characters inside ``ranges`` over all meaningful ones, the neutral ones left out of both."""
    import numpy as np

    from corpus.normalize import normalize

    counted = normalize(text).meaningful.copy()
    for lo, hi in neutral:
        counted[lo:hi] = False
    inside = np.zeros(len(text), dtype=bool)
    for lo, hi in ranges:
        inside[lo:hi] = True
    total = int(counted.sum())
    return float((inside & counted).sum()) / total if total else 0.0


def format_table(runs: list[Figures]) -> str:
    lines = [
        "| detector | plagdet | precision | recall | granularity | source acc. | copied-share err (mean/max) | clean max copied |",
        "|" + "---|" * 8,
    ]
    for run in runs:
        m = run.measures
        mean = sum(run.share_errors) / len(run.share_errors)
        lines.append(
            f"| {run.name} | {m.plagdet:.3f} | {m.precision:.3f} | {m.recall:.3f} | {m.granularity:.3f} | "
            f"{m.source_accuracy:.3f} | {mean:.3f} / {max(run.share_errors):.3f} | {run.clean_max:.3f} |"
        )
    labels = sorted(runs[0].measures.recall_by_label)
    lines += ["", "| recall by obfuscation | cases | " + " | ".join(r.name for r in runs) + " |"]
    lines.append("|" + "---|" * (2 + len(runs)))
    for label in labels:
        cells = " | ".join(f"{r.measures.recall_by_label.get(label, 0.0):.3f}" for r in runs)
        lines.append(f"| {label} | {runs[0].measures.cases_by_label[label]} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=Path, default=DEFAULT_DOCUMENTS)
    parser.add_argument("--hosts", type=int, default=150)
    parser.add_argument("--references", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not args.documents.is_dir():
        raise SystemExit(f"{args.documents}: no folder of real documents (see bench/real_bench.py)")
    texts = {p.name: p.read_text(encoding="utf-8").strip() for p in sorted(args.documents.glob("*.txt"))}
    t0 = time.perf_counter()
    planted = plant(texts, args.hosts, args.references, args.seed)
    truth = make_truth(planted)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [chachong_run(planted, truth, dated, Path(tmp)) for dated in (True, False)]
    runs += [baseline_run(planted, truth, merged) for merged in (False, True)]
    print(format_table(runs))
    hosts, clean = len(planted.hosts), len(planted.clean)
    print(
        f"\n{hosts} submissions ({clean} clean), {len(planted.references)} references, {len(truth.cases)} cases; "
        f"seed {args.seed}; {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
