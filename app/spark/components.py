"""Connected components of a graph held in a DataFrame, computed in Spark.

The alternating large-star / small-star rounds of Kiveris et al.,
"Connected Components in MapReduce and Beyond" (SoCC 2014), the algorithm
BigCode's and text-dedup's MinHash deduplication run on Spark: each round is
two group-bys and joins over the edges, no node's neighbourhood is gathered
on the driver, and the rounds needed grow with the logarithm of the
components' size. At the end every node points at the smallest node of its
component.
"""

from __future__ import annotations

from typing import Any

MAX_ROUNDS = 64


def _large_star(edges: Any) -> Any:
    """Each node's larger neighbours are attached to the smallest node of its neighbourhood."""
    from pyspark.sql import functions as F

    both = edges.union(edges.select(F.col("v").alias("u"), F.col("u").alias("v"))).distinct()
    smallest = both.groupBy("u").agg(F.min("v").alias("m")).withColumn("m", F.least("u", "m"))
    return (
        both.join(smallest, "u")
        .where(F.col("v") > F.col("u"))
        .select(F.col("v").alias("u"), F.col("m").alias("v"))
        .distinct()
    )


def _small_star(edges: Any) -> Any:
    """Each node and its smaller neighbours are attached to the smallest of them."""
    from pyspark.sql import functions as F

    down = (
        edges.select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v"))
        .where(F.col("u") != F.col("v"))
        .distinct()
    )
    smallest = down.groupBy("u").agg(F.min("v").alias("m"))
    moved = (
        down.join(smallest, "u").select(F.col("v").alias("u"), F.col("m").alias("v")).where(F.col("u") != F.col("v"))
    )
    return moved.union(smallest.select("u", F.col("m").alias("v"))).distinct()


def connected_components(edges: Any, a: str = "a", b: str = "b") -> Any:
    """(node, component) for every node of ``edges`` (columns ``a`` and ``b``, longs);
    ``component`` is the smallest node of the node's component."""
    from pyspark.sql import functions as F

    current = edges.select(F.col(a).cast("long").alias("u"), F.col(b).cast("long").alias("v")).where(
        F.col("u") != F.col("v")
    )
    nodes = edges.select(F.col(a).cast("long").alias("node")).union(edges.select(F.col(b).cast("long").alias("node")))
    current = current.localCheckpoint()
    for _ in range(MAX_ROUNDS):
        large = _large_star(current).localCheckpoint()
        small = _small_star(large).localCheckpoint()
        # a fixed point of the whole round: small-star alone may leave a tree
        # of depth two unchanged (5-2-1 and 3-1 after a large-star), which is
        # not yet a star
        changed = small.exceptAll(current).union(current.exceptAll(small)).count()
        current = small
        if not changed:
            break
    else:  # pragma: no cover - a component would need more than 2^64 nodes
        raise RuntimeError("connected components did not converge")
    star = current.select(F.col("u").alias("node"), F.col("v").alias("component"))
    roots = star.select(F.col("component").alias("node"), F.col("component")).distinct()
    found = star.union(roots).distinct()
    alone = nodes.distinct().join(found, "node", "left_anti").select("node", F.col("node").alias("component"))
    return found.union(alone)
