"""A run's corpus spilled to disk: the in-memory corpus's queries, bounded memory."""

from index.disk.index import DiskIndex, DiskIndexWriter, PreparedBatch, prepare_batch

__all__ = ["DiskIndex", "DiskIndexWriter", "PreparedBatch", "prepare_batch"]
