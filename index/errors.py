"""Errors of the index layer (subclasses of :class:`corpus.errors.ChachongError`)."""

from __future__ import annotations

from corpus.errors import ChachongError


class IndexStoreError(ChachongError):
    """Base for problems with a persistent index."""


class IndexMismatchError(IndexStoreError):
    """The index was built with other fingerprint parameters or by another version."""


class IndexCorruptError(IndexStoreError):
    """The index file is not a chachong index or is damaged."""


class IndexLockedError(IndexStoreError):
    """Another process kept the index locked for longer than the wait allows."""
