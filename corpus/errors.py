"""The one error hierarchy of chachong.

Every error the library raises on purpose derives from :class:`ChachongError`;
each layer has its own subclasses (the index layer's are in
:mod:`index.errors`). ``cli.py`` maps them to exit codes; the library never
exits by itself.
"""

from __future__ import annotations

from pathlib import Path

from corpus.names import safe_path


class ChachongError(Exception):
    """Base of every error chachong raises deliberately."""


class InputError(ChachongError):
    """One input file cannot be used. The run goes on with the other files.

    ``path`` is kept as reports show it: a byte of the name that is not UTF-8
    is written ``\\xNN`` (:func:`corpus.names.safe_path`).
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = safe_path(path if isinstance(path, str) else str(path))
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        """Pickled as (path, reason): errors come back from the worker processes that read."""
        return (type(self), (self.path, self.reason))


class MissingDependencyError(ChachongError):
    """An optional tool or extra is needed for this input or feature."""


class ConfigError(ChachongError):
    """Configuration or usage problem (bad value, unknown key)."""


class ReportError(ChachongError):
    """A saved report cannot be read back (not JSON, wrong schema, malformed)."""
