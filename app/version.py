"""The version of chachong, as the installed package metadata says."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def _installed_version() -> str:
    try:
        return version("chachong")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


TOOL_VERSION = _installed_version()
