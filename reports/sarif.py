"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning and others).

One result per copied passage (``kind == "copy"``), rule
``chachong/copied-passage``; one per failing submission for each broken bar,
rules ``chachong/low-originality`` and ``chachong/source-share``. Unreadable
files are tool execution notifications (the run's ``executionSuccessful`` is
then false).

Locations: ``artifactLocation.uri`` is the path relative to the base folder
(``--sarif-base``; by default the git repository holding the gated folder, else
the folder itself; ``uriBaseId`` ``SRCROOT``, whose absolute ``file:`` URI is
in ``run.originalUriBaseIds``), percent-encoded, '/'-separated. The source
passage of a copied passage is a ``relatedLocation`` when the source lies
under the base. Messages name files relative to the base (a file outside it
by its name alone): no runner's absolute paths. Regions are in
the decoded text (what ``chachong text FILE`` prints, which for a .txt file is
the file itself less a BOM): 1-based lines split at CR LF, CR or LF, columns
counted in Unicode code points (``run.columnKind = "unicodeCodePoints"``), and
``charOffset``/``charLength`` in code points too. ``partialFingerprints`` hash
the normalized passage with its source, so re-runs, edits elsewhere in the
file and line shifts do not open duplicate alerts.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from app.figures import percents
from app.gate import LOW_ORIGINALITY, SOURCE_SHARE
from corpus.errors import InputError
from corpus.normalize import normalize
from detector.model import DocumentResult, Match
from reports.base import TextSource, no_texts
from reports.model import GateSection, Report

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_BASE_ID = "SRCROOT"

RULE_COPIED = "chachong/copied-passage"
RULE_ORIGINALITY = f"chachong/{LOW_ORIGINALITY}"
RULE_SOURCE_SHARE = f"chachong/{SOURCE_SHARE}"

RULES: list[dict[str, Any]] = [
    {
        "id": RULE_COPIED,
        "name": "CopiedPassage",
        "shortDescription": {"text": "Passage copied from another document"},
        "fullDescription": {
            "text": "A passage of this submission matches a passage of another document (the index, a reference "
            "folder or another submission), allowing for small edits such as a changed unit name. Short stock "
            "phrasing (套话) is not reported."
        },
        "help": {
            "text": "Rewrite the passage in your own words or quote and attribute it. Warning: the submission still "
            "passes the gate; error: the submission fails it.",
            "markdown": "Rewrite the passage in your own words or quote and attribute it. "
            "`warning`: the submission still passes the gate; `error`: the submission fails it.",
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["plagiarism", "chachong"], "precision": "high"},
    },
    {
        "id": RULE_ORIGINALITY,
        "name": "LowOriginality",
        "shortDescription": {"text": "Originality below the gate's bar"},
        "fullDescription": {
            "text": "The share of the submission's meaningful characters not covered by copied passages is below "
            "min_originality."
        },
        "help": {"text": "Reduce the copied passages listed for this file (rule chachong/copied-passage)."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["plagiarism", "chachong"]},
    },
    {
        "id": RULE_SOURCE_SHARE,
        "name": "SourceShareExceeded",
        "shortDescription": {"text": "One source supplies too much of the submission"},
        "fullDescription": {
            "text": "The copied passages from a single source cover more than max_source_share of the submission's "
            "meaningful characters (单篇最大复制比)."
        },
        "help": {"text": "Reduce what is taken from the named source."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["plagiarism", "chachong"]},
    },
]
_RULE_INDEX = {rule["id"]: i for i, rule in enumerate(RULES)}

_NEWLINE = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Code-point offsets to SARIF (line, column), both 1-based."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def region(self, start: int, end: int) -> dict[str, int]:
        """The region of the half-open range ``start:end`` (end column exclusive)."""
        start_line, start_column = self.position(start)
        if end > start:
            end_line, last_column = self.position(end - 1)
            end_column = last_column + 1
        else:
            end_line, end_column = start_line, start_column
        return {
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
            "charOffset": start,
            "charLength": end - start,
        }


def artifact_uri(path: str, root: str | Path) -> str:
    """``path`` relative to ``root``, '/'-separated and percent-encoded."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return quote(Path(relative).as_posix(), safe="/")


def shown_path(path: str, base: str | Path) -> str:
    """``path`` as a message names it: relative to ``base``, or its file name when outside it."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    if relative == ".." or relative.startswith("../") or os.path.isabs(relative):
        return Path(path).name
    return Path(relative).as_posix()


def inside(path: str, base: str | Path) -> bool:
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    return not (relative == ".." or relative.startswith("../") or os.path.isabs(relative))


def repository_root(folder: str | Path) -> Path | None:
    """The git work tree holding ``folder`` (the nearest parent with a .git), or None."""
    here = Path(os.path.abspath(folder))
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def root_uri(root: str | Path) -> str:
    uri = Path(os.path.abspath(root)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def passage_fingerprint(text: str, source: str) -> str:
    """Stable across runs: the normalized passage text and its source path."""
    return hashlib.sha256((normalize(text).text + "\x00" + source).encode("utf-8")).hexdigest()


class SarifFormatter:
    name = "sarif"
    label = "SARIF log"

    def __init__(self, root: str | Path) -> None:
        self.root = root

    def render(self, report: Report, texts: TextSource = no_texts) -> str:
        return render_sarif(report, texts, self.root)


def build_sarif(report: Report, texts: TextSource | Mapping[str, str], root: str | Path) -> dict[str, Any]:
    """SARIF log of a gate report (``report.gate`` gives the bar and verdicts)."""
    load = texts.get if isinstance(texts, Mapping) else texts
    gate = report.gate
    failed = set(gate.failed) if gate else set()
    results: list[dict[str, Any]] = []
    for doc in report.documents:
        location = {"uri": artifact_uri(doc.path, root), "uriBaseId": ROOT_BASE_ID}
        if doc.path in failed and gate is not None:
            results.extend(_document_results(doc, gate, location, root))
        level = "error" if doc.path in failed else "warning"
        text = load(doc.path)
        results.extend(_passage_result(match, text, location, level, load, root) for match in doc.copies)
    notifications = [_notification(error, root) for error in report.errors]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "chachong",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "rules": RULES,
            }
        },
        "originalUriBaseIds": {ROOT_BASE_ID: {"uri": root_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
        "results": results,
        "properties": {
            "minOriginality": gate.min_originality if gate else None,
            "maxSourceShare": gate.max_source_share if gate else None,
            "unchanged": list(gate.unchanged) if gate else [],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _region(text: str | None, start: int, end: int) -> dict[str, int]:
    if text is not None:
        return LineIndex(text).region(start, end)
    return {"charOffset": start, "charLength": end - start}


def _passage_result(
    match: Match, text: str | None, location: dict[str, str], level: str, load: Any, root: str | Path
) -> dict[str, Any]:
    """One result per copied passage, located at its region of the decoded text;
    the source passage is a related location when it lies under the base."""
    passage = text[match.start : match.end] if text is not None else ""
    source = shown_path(match.source, root)
    result: dict[str, Any] = {
        "ruleId": RULE_COPIED,
        "ruleIndex": _RULE_INDEX[RULE_COPIED],
        "level": level,
        "message": {
            "text": f"Passage copied from {source} (similarity {match.similarity:.0%}, "
            f"source characters {match.source_start}-{match.source_end})."
        },
        "locations": [
            {"physicalLocation": {"artifactLocation": dict(location), "region": _region(text, match.start, match.end)}}
        ],
        "partialFingerprints": {"chachongPassage/v1": passage_fingerprint(passage, match.source)},
        "properties": {
            "source": source,
            "sourceStart": match.source_start,
            "sourceEnd": match.source_end,
            "similarity": round(match.similarity, 4),
        },
    }
    if inside(match.source, root):
        source_text = load(match.source)
        result["relatedLocations"] = [
            {
                "id": 1,
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(match.source, root), "uriBaseId": ROOT_BASE_ID},
                    "region": _region(source_text, match.source_start, match.source_end),
                },
                "message": {"text": f"the source passage in {source}"},
            }
        ]
        result["message"]["text"] = result["message"]["text"].replace(f"from {source} ", f"from [{source}](1) ", 1)
    return result


def _notification(error: InputError, root: str | Path) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": f"{shown_path(error.path, root)}: {error.reason}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(error.path, root), "uriBaseId": ROOT_BASE_ID}
                }
            }
        ],
        "descriptor": {"id": "chachong/unreadable-file"},
    }


def _document_results(
    doc: DocumentResult, gate: GateSection, location: dict[str, str], root: str | Path
) -> list[dict[str, Any]]:
    """One result per bar the submission breaks, located at its first line; the
    figure has the digits it takes to differ from the bar."""
    where = [{"physicalLocation": {"artifactLocation": dict(location), "region": {"startLine": 1, "startColumn": 1}}}]
    found = []
    for reason in gate.reasons.get(doc.path, ()):
        rule = f"chachong/{reason.rule}"
        if rule not in _RULE_INDEX:
            continue
        top_source = shown_path(doc.max_source, root) if doc.max_source else ""
        if rule == RULE_ORIGINALITY:
            shown, bar = percents(doc.originality, gate.min_originality)
            top = f" (top source {top_source}, {doc.max_source_share:.1%})" if doc.max_source else ""
            text = f"Originality {shown} is below the bar of {bar}{top}."
        else:
            shown, bar = percents(doc.max_source_share, gate.max_source_share)
            text = f"One source, {top_source}, supplies {shown} of the text; at most {bar} is allowed."
        found.append(
            {
                "ruleId": rule,
                "ruleIndex": _RULE_INDEX[rule],
                "level": "error",
                "message": {"text": text},
                "locations": where,
                "partialFingerprints": {"chachongDocument/v1": _digest(rule, location["uri"])},
                "properties": {
                    "originality": round(doc.originality, 4),
                    "maxSourceShare": round(doc.max_source_share, 4),
                    "maxSource": top_source,
                },
            }
        )
    return found


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def render_sarif(report: Report, texts: TextSource | Mapping[str, str], root: str | Path) -> str:
    return json.dumps(build_sarif(report, texts, root), ensure_ascii=False, indent=2) + "\n"
