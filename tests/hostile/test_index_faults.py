"""The index under faults: a second writer, a full disk, kill -9, a damaged
file, crafted meta rows. Each ends in one line and exit 2, or in waiting;
the index is never left half-written."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from index.errors import IndexLockedError
from index.sqlite import IndexStore
from tests.hostile import hostile_inputs as inputs
from tests.hostile.running import BOUND, assert_clean_exit, chachong

pytestmark = pytest.mark.slow


def _texts(count: int, chars: int = 800, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    alphabet = [chr(0x4E00 + i) for i in range(3000)]
    return ["".join(rng.choices(alphabet, k=chars)) + "。" for _ in range(count)]


def _folder(path: Path, count: int, seed: int = 1) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for number, text in enumerate(_texts(count, seed=seed)):
        (path / f"{number:04d}.txt").write_text(text, encoding="utf-8")
    return path


def _documents(index: Path, cwd: Path) -> int:
    run = chachong("index", "stats", "--index", index, "--json", cwd=cwd)
    assert_clean_exit(run, 0)
    return json.loads(run.stdout)["documents"]


def _integrity(index: Path) -> str:
    db = sqlite3.connect(index)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def _holds_write_lock(index: Path) -> bool:
    """Whether another process is inside a write transaction on ``index``."""
    db = sqlite3.connect(index, timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        db.close()


def _wait_for(condition, what: str, bound: float = 60.0) -> None:
    """Poll ``condition`` until it holds (a synchronisation, not a timing assertion)."""
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never saw: {what}")
        time.sleep(0.02)


def _group(pgid: int, *, busy: bool = False) -> list[int]:
    """Live processes of a process group (Linux /proc); with ``busy``, only
    those that have used CPU time (a forked worker starts at none)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z" and (not busy or int(fields[11]) + int(fields[12]) > 0):
                members.append(int(entry))
    return members


def _popen(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHACHONG_")}
    environment.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *map(str, args)],
        cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def test_a_second_writer_says_it_waits_then_finishes(tmp_path):
    index = tmp_path / "idx.db"
    assert_clean_exit(chachong("index", "add", _folder(tmp_path / "a", 2), "--index", index, cwd=tmp_path), 0)
    holder = sqlite3.connect(index, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
    process = _popen(["index", "add", _folder(tmp_path / "b", 3, seed=2), "--index", index], tmp_path)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.decode() for line in process.stderr), daemon=True)
    reader.start()
    try:
        _wait_for(lambda: any("waiting up to" in line for line in lines), "the waiting message")
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert process.wait(BOUND) == 0
    reader.join(BOUND)
    assert "another process is writing this index" in "".join(lines) and "Traceback" not in "".join(lines)
    assert _documents(index, tmp_path) == 5


def test_a_writer_that_waits_too_long_gives_up_with_a_locked_error(tmp_path):
    index = tmp_path / "idx.db"
    IndexStore(index).close()
    holder = sqlite3.connect(index, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    heard: list[str] = []
    try:
        with IndexStore(index, busy_timeout=0.2, on_wait=heard.append) as store:
            with pytest.raises(IndexLockedError, match="kept the index locked for 0.2 s; nothing was changed"):
                store.remove(["x.txt"])
    finally:
        holder.close()
    assert len(heard) == 1 and "waiting up to 0.2 s" in heard[0]


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (root only), unmounted afterwards."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a full disk needs a small tmpfs, and mounting one needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_one_line_and_the_index_keeps_what_it_had(tmp_path, small_disk):
    index = small_disk / "idx.db"
    assert_clean_exit(chachong("index", "add", _folder(tmp_path / "one", 1), "--index", index, cwd=tmp_path), 0)
    run = chachong("index", "add", _folder(tmp_path / "many", 150, seed=3), "--index", index, cwd=tmp_path)
    assert_clean_exit(run, 2)
    assert "the disk is full; nothing was changed" in run.stderr or "I/O error on the index" in run.stderr
    assert len([line for line in run.stderr.splitlines() if line.startswith("error:")]) == 1
    assert _integrity(index) == "ok"
    assert _documents(index, tmp_path) == 1


def _read_so_far(pid: int) -> int:
    """Bytes the process has read (Linux /proc/PID/io), 0 once it is gone."""
    try:
        fields = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    except OSError:
        return 0
    return int(fields["rchar"])


def test_a_full_database_without_root_loses_nothing(tmp_path):
    """Where no tmpfs can be mounted: SQLite's page limit gives the same SQLITE_FULL."""
    from corpus.read import read_document
    from index.corpus import prepare
    from index.errors import IndexStoreError

    docs = [read_document(p) for p in sorted(_folder(tmp_path / "docs", 60).iterdir())]
    with IndexStore(tmp_path / "idx.db") as store:
        store.add([prepare(docs[0], store.params)])
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages + 20}")
        with pytest.raises(IndexStoreError, match="the disk is full; nothing was changed"):
            store.add([prepare(d, store.params) for d in docs[1:]])
        assert store.paths() == [docs[0].path]
    assert _integrity(tmp_path / "idx.db") == "ok"


@pytest.mark.parametrize("moment", ["half-read", "fingerprinting", "committing"])
def test_kill_9_during_an_add_leaves_the_index_whole_and_no_orphan(tmp_path, moment):
    index = tmp_path / "idx.db"
    assert_clean_exit(chachong("index", "add", _folder(tmp_path / "one", 1), "--index", index, cwd=tmp_path), 0)
    many = _folder(tmp_path / "many", 300, seed=len(moment))  # two batches for the fingerprinting workers
    corpus_bytes = sum(p.stat().st_size for p in many.iterdir())
    process = _popen(["index", "add", many, "--index", index], tmp_path)
    _wait_for(lambda: _holds_write_lock(index) and len(_group(process.pid)) > 1, "the add writing, with workers")
    start = _read_so_far(process.pid)
    wal = Path(f"{index}-wal")
    later = {
        "half-read": lambda: _read_so_far(process.pid) >= start + corpus_bytes // 2 or process.poll() is not None,
        # a worker busy with a batch: killed with its parent, it would have printed BrokenPipeError
        "fingerprinting": lambda: set(_group(process.pid, busy=True)) - {process.pid} or process.poll() is not None,
        "committing": lambda: wal.exists() and wal.stat().st_size > 1 << 16 or process.poll() is not None,
    }[moment]
    _wait_for(later, f"the add {moment}")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(BOUND)
    _wait_for(lambda: not _group(process.pid), "the workers gone with their parent", bound=20)
    stderr = process.stderr.read().decode(errors="replace")
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert _integrity(index) == "ok"
    assert _documents(index, tmp_path) in (1, 301), "all or nothing"


def test_stale_spill_folders_of_dead_processes_are_removed(tmp_path):
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)
    stale = spill_root / f"chachong-add-{dead}-abc123"
    alive = spill_root / f"chachong-add-{os.getpid()}-def456"
    unrelated = [spill_root / "chachong-add-notapid", spill_root / f"other-{dead}-x"]
    for folder in (stale, alive, *unrelated):
        folder.mkdir()
        (folder / "bands-0.b").write_bytes(b"x")
    run = chachong("index", "add", _folder(tmp_path / "docs", 1), "--index", "idx.db", cwd=tmp_path,
                   env={"TMPDIR": str(spill_root)})  # fmt: skip
    assert_clean_exit(run, 0)
    assert not stale.exists()
    assert alive.exists() and all(folder.exists() for folder in unrelated)


def _damage_pages(index: Path) -> None:
    data = bytearray(index.read_bytes())
    page = 4096
    for start in range(page, len(data), page):
        data[start : start + 32] = bytes(range(200, 232))
    index.write_bytes(bytes(data))


def test_a_damaged_index_is_one_line_exit_2(tmp_path):
    index = tmp_path / "idx.db"
    assert_clean_exit(chachong("index", "add", _folder(tmp_path / "docs", 20), "--index", index, cwd=tmp_path), 0)
    _damage_pages(index)
    for args in (["index", "stats", "--index", index], ["check", tmp_path / "docs" / "0001.txt", "--index", index]):
        run = chachong(*args, cwd=tmp_path)
        assert_clean_exit(run, 2)
        assert "the index file is damaged (database disk image is malformed); rebuild it" in run.stderr, run.stderr


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM meta WHERE key = 'fingerprint'",
        "UPDATE meta SET value = '{not json' WHERE key = 'fingerprint'",
        "UPDATE meta SET value = '[1, 2]' WHERE key = 'fingerprint'",
        "UPDATE meta SET value = json_set(value, '$.num_perm', 100000000) WHERE key = 'fingerprint'",
        "UPDATE meta SET value = json_remove(value, '$.bands') WHERE key = 'fingerprint'",
        "UPDATE meta SET value = json_set(value, '$.k', 'five') WHERE key = 'fingerprint'",
    ],
    ids=["missing", "not-json", "a-list", "num_perm-1e8", "no-bands", "k-a-string"],
)
def test_crafted_meta_rows_are_a_damaged_index(tmp_path, sql):
    index = tmp_path / "idx.db"
    IndexStore(index).close()
    db = sqlite3.connect(index)
    db.execute(sql)
    db.commit()
    db.close()
    run = chachong("index", "stats", "--index", index, cwd=tmp_path)
    assert_clean_exit(run, 2)
    assert "fingerprint parameters are damaged" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_an_index_path_under_a_file_is_one_line(tmp_path):
    inputs.good_files(tmp_path / "subs")
    run = chachong("index", "add", "subs", "--index", "subs/good-school.txt/x.db", cwd=tmp_path)
    assert_clean_exit(run, 2)
    assert "cannot make its folder" in run.stderr


def test_temporary_files_of_chachong_only(tmp_path):
    """An add that does not spill leaves nothing in TMPDIR."""
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    run = chachong("index", "add", _folder(tmp_path / "docs", 3), "--index", "idx.db", cwd=tmp_path,
                   env={"TMPDIR": str(spill_root)})  # fmt: skip
    assert_clean_exit(run, 0)
    assert list(spill_root.iterdir()) == [] or all(p.name.startswith("numba") for p in spill_root.iterdir())
    assert tempfile.gettempdir() != str(spill_root)
