"""The one error hierarchy of chachong.

Every error the library raises on purpose derives from :class:`ChachongError`.
``cli.py`` maps them to exit codes; the library never exits by itself.
"""

from __future__ import annotations

from pathlib import Path


class ChachongError(Exception):
    """Base of every error chachong raises deliberately."""


class InputError(ChachongError):
    """One input file cannot be used. The run goes on with the other files."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class MissingDependencyError(ChachongError):
    """An optional tool or extra is needed for this input or feature."""


class IndexStoreError(ChachongError):
    """Base for problems with a persistent index."""


class IndexMismatchError(IndexStoreError):
    """The index was built with other fingerprint parameters."""


class IndexCorruptError(IndexStoreError):
    """The index file is not a chachong index or is damaged."""


class ConfigError(ChachongError):
    """Configuration or usage problem (bad value, unknown key)."""
