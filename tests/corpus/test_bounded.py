"""The parse budget (corpus.formats.bounded): a worker process stopped on time and memory."""

from __future__ import annotations

import os
import signal

import pytest

from corpus.errors import InputError, MissingDependencyError
from corpus.formats import bounded
from corpus.formats.bounded import parse_bounded, reading_session
from corpus.limits import ReadLimits

pytestmark = pytest.mark.skipif(not bounded._can_fork(), reason="the parse budget needs fork")


def spin() -> None:
    while True:
        pass


def allocate(mib: int) -> int:
    return len(bytearray(mib << 20))


def crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def pid() -> int:
    return os.getpid()


def refuse(kind: str) -> None:
    if kind == "input":
        raise InputError("ignored", "a reason from the reader")
    if kind == "missing":
        raise MissingDependencyError("install something")
    raise ValueError("a reader bug")


def test_a_parse_past_the_deadline_is_stopped_and_named():
    with pytest.raises(InputError) as caught:
        parse_bounded(spin, "slow.pdf", (), ReadLimits(parse_seconds=0.5))
    assert caught.value.path == "slow.pdf"
    assert caught.value.reason.startswith("exceeded the parse budget (0.5 s; raise parse_seconds")


def test_a_parse_past_the_memory_budget_is_stopped_and_named():
    assert parse_bounded(allocate, "small.docx", (16,), ReadLimits(parse_memory=128)) == 16 << 20
    with pytest.raises(InputError, match=r"exceeded the parse budget \(128 MiB; raise parse_memory"):
        parse_bounded(allocate, "big.docx", (2048,), ReadLimits(parse_memory=128))


def test_a_crashing_reader_is_named_and_this_process_goes_on():
    with pytest.raises(InputError, match=r"crashed on this file \(signal 11\)"):
        parse_bounded(crash, "crash.pdf", (), ReadLimits())
    assert parse_bounded(pid, "next.pdf", (), ReadLimits()) != os.getpid()


@pytest.mark.parametrize(
    ("kind", "error", "text"),
    [
        ("input", InputError, "a reason from the reader"),
        ("missing", MissingDependencyError, "install something"),
        ("bug", InputError, "ValueError: a reader bug"),
    ],
)
def test_reader_errors_come_back_as_themselves(kind, error, text):
    with pytest.raises(error, match=text) as caught:
        parse_bounded(refuse, "x.pdf", (kind,), ReadLimits())
    if error is InputError:
        assert caught.value.path == "x.pdf"


def test_one_worker_serves_a_session_and_a_stopped_one_is_replaced():
    limits = ReadLimits(parse_seconds=0.5)
    with reading_session():
        first = parse_bounded(pid, "a.pdf", (), limits)
        assert parse_bounded(pid, "b.pdf", (), limits) == first
        with pytest.raises(InputError):
            parse_bounded(spin, "c.pdf", (), limits)
        assert parse_bounded(pid, "d.pdf", (), limits) not in (first, os.getpid())
    assert bounded._parser.process is None, "the worker ends with the session"
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)


def _read_in_pool_worker(path: str) -> str:
    from corpus.read import read_document

    return read_document(path).text


def test_a_pool_worker_parses_in_its_own_process(tmp_path):
    """A daemonic pool worker may not have children: it parses itself, with the readers' own caps."""
    import multiprocessing

    from tests.hostile.hostile_inputs import good_docx

    path = good_docx(tmp_path)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert "院内推行预约诊疗" in pool.apply(_read_in_pool_worker, (str(path),))
