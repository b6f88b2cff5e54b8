"""The CI gate: check every submission of a folder, apply the bar, remember.

A submission fails when its originality is below ``min_originality`` or one
source supplies more than ``max_source_share`` of it. Submissions are
compared with the persistent index (if one exists or was configured), with
the configured reference folders (indexed into a temporary index), and with
each other. ``changed_only`` keeps a state file (:mod:`app.gate.state`).

Nothing here prints or exits.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import ExitStack, closing
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.check import CorpusInfo, temporary_index
from app.compare import Comparison, compare_all, source_documents
from app.config import Settings
from app.figures import percents
from app.gate.select import select_files
from app.gate.state import GateState, state_path
from app.texts import TextLookup
from app.version import TOOL_VERSION
from corpus.document import REFERENCE, Document
from corpus.errors import ConfigError, InputError
from corpus.progress import Progress, no_progress
from corpus.read import display_path, iter_documents
from detector.compare import RULES_VERSION, DetectorParams
from detector.model import DocumentResult
from index.corpus import Corpus, prepare
from index.errors import IndexMismatchError
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex
from index.sqlite import IndexStore

#: Why a submission fails: the rule (also the SARIF rule ``chachong/<rule>``).
LOW_ORIGINALITY = "low-originality"
SOURCE_SHARE = "source-share"
BULK_FROM = 50  # submissions from which loading the compiled seeding (~0.3 s) and forking pay


@dataclass(frozen=True)
class Reason:
    rule: str
    message: str


@dataclass(frozen=True)
class Verdict:
    path: str
    passed: bool
    reasons: tuple[Reason, ...]


@dataclass
class GateResult:
    """What one gate run found. ``results`` are the submissions checked now."""

    config: Settings
    results: list[DocumentResult]
    verdicts: list[Verdict]
    errors: list[InputError]
    unchanged: list[str] = field(default_factory=list)  # skipped by changed_only (passed before)
    changed_only: bool = False
    corpus: CorpusInfo | None = None
    texts: TextLookup = field(default_factory=TextLookup)

    @property
    def passed(self) -> list[str]:
        return [v.path for v in self.verdicts if v.passed]

    @property
    def failed(self) -> list[str]:
        return [v.path for v in self.verdicts if not v.passed]

    @property
    def checked(self) -> list[str]:
        return [r.path for r in self.results]


def evaluate(result: DocumentResult, config: Settings) -> Verdict:
    """Apply the bar to one checked submission."""
    reasons = []
    if result.originality < config.min_originality:
        shown, bar = percents(result.originality, config.min_originality)
        reasons.append(Reason(LOW_ORIGINALITY, f"originality {shown} is below {bar}"))
    if result.max_source_share > config.max_source_share:
        shown, bar = percents(result.max_source_share, config.max_source_share)
        reasons.append(Reason(SOURCE_SHARE, f"{result.max_source} supplies {shown} of the text, more than {bar}"))
    return Verdict(result.path, not reasons, tuple(reasons))


def run_gate(
    config: Settings,
    *,
    changed_only: bool = False,
    params: DetectorParams = DetectorParams(),
    progress: Progress = no_progress,
) -> GateResult:
    """Check the submissions of ``config.root``; see the module doc.

    Raises :class:`~corpus.errors.ChachongError` for configuration and index
    problems; unreadable files are returned in ``GateResult.errors``.
    """
    files, errors = select_files(config)
    with ExitStack() as stack:
        index = _open_index(config)
        if index is not None:
            stack.callback(index.close)
        fingerprint = config.fingerprint_params(index.params if index is not None else None)
        references = _references(config, fingerprint, errors, progress)
        state: GateState | None = None
        unchanged: list[str] = []
        if changed_only:
            digest = _settings_digest(config, fingerprint, index, references, params)
            state = stack.enter_context(closing(GateState.open(state_path(config), fingerprint, digest)))
            loaded, unchanged, submissions = _changed_submissions(state, files, config, fingerprint, errors, progress)
        else:
            loaded = list(iter_documents(files, errors, max_bytes=config.max_bytes, progress=progress, stage="read"))
            submissions = MemoryIndex.build([prepare(d, fingerprint) for d in loaded], fingerprint)
        # priority: the folder's current files, then the references, then the index
        stores: list[Corpus] = [s for s in (submissions, references, index) if s is not None]
        comparison = Comparison.of(stores, params)
        results = _compare(loaded, comparison, progress)
        verdicts = [evaluate(r, config) for r in results]
        texts = TextLookup({**source_documents(results, comparison.view), **{d.path: d for d in loaded}})
        if state is not None:
            state.record(files, loaded, {v.path: v.passed for v in verdicts}, errors)
        corpus = CorpusInfo(index.path, index.document_count()) if index is not None else None
    return GateResult(config, results, verdicts, errors, unchanged, changed_only, corpus, texts)


def _compare(loaded: list[Document], comparison: Comparison, progress: Progress) -> list[DocumentResult]:
    """From ``BULK_FROM`` submissions: compiled seeding in forked workers
    (each opens index files anew); below it, one process on numpy."""
    bulk = len(loaded) >= BULK_FROM
    return compare_all(comparison, loaded, workers=0 if bulk else 1, compiled=bulk, progress=progress, stage="check")


def _changed_submissions(
    state: GateState,
    files: list[Path],
    config: Settings,
    fingerprint: FingerprintParams,
    errors: list[InputError],
    progress: Progress,
) -> tuple[list[Document], list[str], IndexStore]:
    """Read only the new and changed files; the state store holds them all."""
    todo, unchanged = state.plan(files)
    state.forget([display_path(f) for f in files])
    loaded = list(iter_documents(todo, errors, max_bytes=config.max_bytes, progress=progress, stage="read"))
    state.store.add(prepare(d, fingerprint) for d in loaded)
    state.drop(display_path(Path(e.path)) for e in errors)
    return loaded, unchanged, state.store


def _references(
    config: Settings, fingerprint: FingerprintParams, errors: list[InputError], progress: Progress
) -> MemoryIndex | None:
    """The configured reference folders as one temporary corpus."""
    if not config.references:
        return None
    for ref in config.references:
        if not ref.exists():
            origin = config.sources.get("references", "references")
            raise ConfigError(f"{origin}: references: {ref} does not exist")
    references, ref_errors = temporary_index(
        config.references, fingerprint, max_bytes=config.max_bytes, role=REFERENCE, progress=progress
    )
    errors.extend(ref_errors)
    return references


def _open_index(config: Settings) -> IndexStore | None:
    """The persistent index: the configured one (must exist), else the default if present.

    Its own fingerprint parameters are used; configured ones must agree with them.
    """
    if not config.index_configured and not config.index.exists():
        return None
    store = IndexStore(config.index, create=False)
    if config.fingerprint_settings:
        wanted = config.fingerprint_params(store.params).manifest()
        stored = store.params.manifest()
        if wanted != stored:
            store.close()
            diffs = "; ".join(
                f"{k}: index has {stored.get(k)!r}, {config.sources.get('fingerprint.' + k, 'configured')} asks for {wanted.get(k)!r}"
                for k in sorted(wanted)
                if stored.get(k) != wanted.get(k)
            )
            raise IndexMismatchError(f"{config.index}: index was built with other fingerprint parameters ({diffs})")
    return store


def _settings_digest(
    config: Settings,
    fingerprint: FingerprintParams,
    index: IndexStore | None,
    references: MemoryIndex | None,
    params: DetectorParams,
) -> str:
    """What a verdict depends on besides the file itself: a change rechecks everything."""
    index_contents = None
    if index is not None:  # documents, newest addition and highest id change whenever the index does
        index_contents = [str(Path(index.path).resolve()), *index.revision()]
    reference_hashes = sorted((d.path, d.sha256) for d in references.documents) if references is not None else []
    material = {
        "version": TOOL_VERSION,
        "rules": RULES_VERSION,
        "detector": asdict(params),
        "min_originality": config.min_originality,
        "max_source_share": config.max_source_share,
        "fingerprint": fingerprint.manifest(),
        "index": index_contents,
        "references": reference_hashes,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()
