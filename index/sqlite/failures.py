"""SQLite and OS errors of the index as chachong errors with one-line messages.

Every ``sqlite3.Error`` an :class:`~index.sqlite.store.IndexStore` method
meets leaves it as an :class:`~index.errors.IndexStoreError` subclass that
says what happened to which file and what to do: another writer kept it
locked, the disk is full, the file is damaged or is not an index at all.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from index.errors import IndexCorruptError, IndexLockedError, IndexStoreError

F = TypeVar("F", bound=Callable[..., Any])


def store_error(path: str, err: sqlite3.Error, *, busy_timeout: float = 0.0) -> IndexStoreError:
    """The chachong error for an SQLite error on the index file ``path``."""
    name = getattr(err, "sqlite_errorname", "") or ""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    lowered = text.lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in lowered:
        return IndexLockedError(
            f"{path}: another process kept the index locked for {busy_timeout:g} s; "
            "nothing was changed; run again when it has finished"
        )
    if name == "SQLITE_FULL" or "disk is full" in lowered:
        return IndexStoreError(f"{path}: the disk is full; nothing was changed (free some space and run again)")
    if name == "SQLITE_NOTADB" or "not a database" in lowered:  # maybe someone's file: no advice to delete it
        return IndexCorruptError(f"{path}: not a chachong index ({text})")
    if name.startswith("SQLITE_CORRUPT") or "malformed" in lowered:
        return IndexCorruptError(
            f"{path}: the index file is damaged ({text}); rebuild it: delete it and run `chachong index add` again"
        )
    if name.startswith("SQLITE_IOERR") or "i/o error" in lowered:
        return IndexStoreError(f"{path}: I/O error on the index ({text}); nothing was changed (is the disk full?)")
    if name.startswith("SQLITE_READONLY") or "readonly" in lowered:
        return IndexStoreError(f"{path}: the index file is read-only ({text})")
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in lowered:
        return IndexStoreError(f"{path}: cannot open the index file ({text})")
    return IndexStoreError(f"{path}: index error ({text})")


def is_busy(err: sqlite3.Error) -> bool:
    name = getattr(err, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(err).lower()


def translated(method: F) -> F:
    """``method`` of an object with ``path`` and ``busy_timeout``, its sqlite3 errors translated."""

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as err:
            raise store_error(self.path, err, busy_timeout=self.busy_timeout) from None

    return call  # type: ignore[return-value]
