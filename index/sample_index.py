"""Who holds which gram, over a view's sample: counts and holder lists.

The sample is ``size`` + 1 documents (:class:`~index.corpus.SampleMember`);
a question about a document of the sample leaves that document out and
lets the spare last member in, so every document is measured against
``size`` others (fewer when the corpus is smaller).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from index.corpus import SampleMember
from index.sorted_keys import SortedKeys, sorted_member


class SampleIndex:
    """An inverted index from gram hash to the sample members holding it."""

    def __init__(self, members: Sequence[SampleMember], size: int) -> None:
        self.members = list(members)
        self.size = size
        self._position = {m.identity: i for i, m in enumerate(self.members)}
        grams = [m.grams for m in self.members]
        owners = [np.full(len(g), i, dtype=np.int32) for i, g in enumerate(grams)]
        flat = np.concatenate(grams) if grams else np.zeros(0, dtype=np.int64)
        who = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int32)
        order = np.lexsort((who, flat))
        flat, self._owners = flat[order], who[order]
        self.keys, self._starts, counts = np.unique(flat, return_index=True, return_counts=True)
        self._lookup = SortedKeys(self.keys)
        self._table: tuple[np.ndarray, int] | None = None  # see _slots
        self._ends = self._starts + counts
        main = (self._owners < size).astype(np.int64)
        self._main_counts = np.add.reduceat(main, self._starts) if len(flat) else np.zeros(0, dtype=np.int64)

    def member_of(self, identity: str) -> int | None:
        """The sample position of a document among the first ``size`` members, else None."""
        position = self._position.get(identity)
        return position if position is not None and position < self.size else None

    def others(self, own: int | None) -> int:
        """How many members a document is measured against."""
        return min(self.size, len(self.members) - (own is not None))

    def frequencies(self, grams: np.ndarray, own: int | None) -> np.ndarray:
        """Members holding each gram: the first ``size``, less ``own``, plus the spare when ``own`` left."""
        grams = np.asarray(grams, dtype=np.int64)
        slot, found = self._slots(grams)
        counts = np.where(found, self._main_counts[slot] if len(self.keys) else 0, 0).astype(np.int64)
        if own is not None:
            counts -= sorted_member(self.members[own].grams, grams)
            if len(self.members) > self.size:
                counts += sorted_member(self.members[self.size].grams, grams)
        return counts

    def holders(self, gram: int, own: int | None) -> np.ndarray:
        """The members holding ``gram``, with the same members as :meth:`frequencies` counts."""
        slot, found = self._slots(np.array([gram], dtype=np.int64))
        if not found[0]:
            return np.zeros(0, dtype=np.int32)
        who = self._owners[self._starts[slot[0]] : self._ends[slot[0]]]
        keep = who != (own if own is not None else -1)
        if own is None:
            keep &= who < self.size
        return who[keep]

    def holder_lists(self, grams: np.ndarray, own: int | None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`holders` of many grams at once: (pointers, holders), gram
        ``i``'s holders being ``holders[pointers[i]:pointers[i + 1]]``."""
        grams = np.asarray(grams, dtype=np.int64)
        slot, found = self._slots(grams)
        lo = np.where(found, self._starts[slot] if len(self.keys) else 0, 0)
        lengths = np.where(found, self._ends[slot] - lo if len(self.keys) else 0, 0)
        total = int(lengths.sum())
        entry = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        who = self._owners[entry]
        keep = who != (own if own is not None else -1)
        if own is None:
            keep &= who < self.size
        which = np.repeat(np.arange(len(grams)), lengths)[keep]
        pointers = np.zeros(len(grams) + 1, dtype=np.int64)
        np.cumsum(np.bincount(which, minlength=len(grams)), out=pointers[1:])
        return pointers, who[keep]

    def _slots(self, grams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each gram's position in the keys and whether it is there: from a
        hash table once a bulk run has loaded the kernels (built on the first
        question, which a bulk run asks before forking its workers), else by
        bisection."""
        if not len(self.keys):
            return np.zeros(len(grams), dtype=np.int64), np.zeros(len(grams), dtype=bool)
        compiled = sys.modules.get("index.kernels")
        if compiled is not None:
            if self._table is None:
                bits = max(int(len(self.keys) * 2 - 1).bit_length(), 4)  # at most half full
                self._table = (compiled.key_table(self.keys, bits), bits)
            return compiled.table_slots(self._table[0], self._table[1], grams)
        slot = np.minimum(self._lookup.search(grams), len(self.keys) - 1)
        return slot, self.keys[slot] == grams
