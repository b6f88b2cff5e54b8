"""The CI gate use case (``chachong gate``)."""

from app.gate.run import LOW_ORIGINALITY, SOURCE_SHARE, GateResult, Reason, Verdict, evaluate, run_gate
from app.gate.select import ignored, select_files

__all__ = [
    "LOW_ORIGINALITY",
    "SOURCE_SHARE",
    "GateResult",
    "Reason",
    "Verdict",
    "evaluate",
    "ignored",
    "run_gate",
    "select_files",
]
