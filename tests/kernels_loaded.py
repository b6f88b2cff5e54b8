"""The compiled kernels loaded (as in a bulk run) or not (as in a one-file check)."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def kernels_loaded(loaded: bool) -> Iterator[None]:
    """``index.kernels`` imported (skipping without numba) or hidden from
    ``sys.modules``, then put back as it was: the module is never imported twice."""
    if loaded:
        pytest.importorskip("numba")
        import index.kernels  # noqa: F401

        yield
        return
    saved = sys.modules.pop("index.kernels", None)
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["index.kernels"] = saved
