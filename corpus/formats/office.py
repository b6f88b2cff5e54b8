""".doc and .wps through headless LibreOffice, when it is installed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from corpus.discover import os_reason
from corpus.errors import InputError
from corpus.processes import clean_stale_tempdirs, private_tempdir

#: Seconds LibreOffice may take to convert one .doc/.wps file.
SOFFICE_TIMEOUT = 60.0

_SOFFICE_MISSING = (
    "cannot read .doc/.wps: LibreOffice is not installed (install it, e.g. "
    "`apt-get install libreoffice-writer`, so that `soffice` is on PATH), "
    "or save the file as .docx"
)


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


_TEMP_PREFIX = "chachong-soffice-"


@contextmanager
def _private_dir() -> Iterator[Path]:
    """A temporary folder named with this process's id, removed afterwards."""
    folder = private_tempdir(_TEMP_PREFIX)
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_via_soffice(path: Path) -> tuple[str, list[str]]:
    """Convert with headless LibreOffice to UTF-8 text in a private temp dir."""
    soffice = find_soffice()
    if soffice is None:
        raise InputError(path, _SOFFICE_MISSING)
    clean_stale_tempdirs(_TEMP_PREFIX)  # what a chachong killed mid-conversion left
    with _private_dir() as work:
        # A plain copy keeps odd file names (leading '-', spaces) away from the command line.
        source = work / f"input{path.suffix.lower()}"
        try:
            shutil.copyfile(path, source)
        except OSError as exc:
            raise InputError(path, os_reason(exc)) from None
        outdir = work / "out"
        command = [
            soffice,
            # Own profile: conversions fail silently while another soffice uses the default one.
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
            str(outdir),
            str(source),
        ]
        detail = _run_with_timeout(path, command, SOFFICE_TIMEOUT)
        converted = outdir / "input.txt"
        if not converted.is_file():
            raise InputError(path, f"LibreOffice could not convert the file{detail}")
        raw = converted.read_bytes()
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    text = raw.decode("utf-8", errors="replace")
    warnings = []
    if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        warnings.append("LibreOffice output decoded with replacement characters")
    if not text.strip():
        raise InputError(path, f"empty document: no text in {path.suffix.lower()}")
    return text, warnings


def _run_with_timeout(path: Path, command: list[str], timeout: float) -> str:
    """Run ``command``; on timeout kill its whole process group. Returns stderr detail."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # soffice forks soffice.bin; kill them together
        )
    except OSError as exc:
        raise InputError(path, f"cannot run LibreOffice: {exc}") from None
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.communicate()
        raise InputError(path, f"LibreOffice took longer than {timeout:g} s to convert the file") from None
    message = stderr.decode("utf-8", errors="replace").strip()
    return f": {message.splitlines()[-1]}" if message else ""
