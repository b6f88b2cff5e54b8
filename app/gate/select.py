"""Which files of a gated folder are submissions: minus ignored globs and reference folders."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from app.config import Settings
from corpus.discover import discover_files
from corpus.errors import ConfigError, InputError


def select_files(config: Settings) -> tuple[list[Path], list[InputError]]:
    """The submissions under ``config.root``: minus ignored globs and reference folders."""
    root = config.root
    if not root.is_dir():
        raise ConfigError(f"{root}: no such folder")
    files, errors = discover_files([root])
    references = [Path(os.path.abspath(r)) for r in config.references]
    kept = []
    for file in files:
        relative = file.relative_to(root).as_posix()
        if any(ignored(relative, pattern) for pattern in config.ignore):
            continue
        absolute = Path(os.path.abspath(file))
        if any(absolute.is_relative_to(ref) for ref in references):
            continue  # a reference folder inside the checked folder holds no submissions
        kept.append(file)
    return kept, errors


def ignored(relative: str, pattern: str) -> bool:
    """Whether a '/'-separated path relative to the folder matches a glob.

    ``*`` and ``?`` stay within one path segment, ``**`` crosses segments
    (``drafts/**``, ``**/old_*.txt``). A pattern that matches a folder
    ignores everything inside it (``drafts`` = ``drafts/**``).
    """
    regex = _glob_regex(pattern.strip().strip("/"))
    parts = relative.split("/")
    return any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1))


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out))
