"""Use cases: check, audit, gate, index, demo.

Each takes typed options, reads documents (corpus), builds or opens a corpus
(index), runs the one comparison service (:mod:`app.compare`) and returns a
typed result; none prints or exits.
"""
