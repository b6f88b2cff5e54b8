"""Test and benchmark tooling, outside the product layers: the corpus
generator with ground truth (:mod:`evaluation.synth`), the PAN measures and
the 13-character baseline (:mod:`evaluation.pan`) and the quality benchmark
(:mod:`evaluation.benchmark`). The product imports only the generator, for
``chachong demo``."""
