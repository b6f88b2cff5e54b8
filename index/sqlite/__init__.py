"""The persistent index in one SQLite file."""

from index.sqlite.store import SCHEMA_VERSION, AddOutcome, IndexStore

__all__ = ["SCHEMA_VERSION", "AddOutcome", "IndexStore"]
