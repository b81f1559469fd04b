"""Writing files when a run can be interrupted, or run twice at once on one folder.

``replacing`` (and ``write_text``, ``write_bytes``) write under a temporary name unique to
the call, beside the target, and rename it into place (``os.replace``, atomic): a reader,
an interrupt or a second process never meets half a file. ``locked`` holds a folder for
one process: a lock file naming its pid, held by the operating system (``flock``), so
the lock of a process that died is free again whatever its file says.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

LOCK = ".backprop.lock"
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once, at import, before any thread could create a file
_writing: set[Path] = set()  # this process's temporary files, for ``discard_temporaries``


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A fresh temporary path beside ``path`` with the same suffix (matplotlib and NumPy
    read the format from it), renamed to ``path`` if the block ends normally and removed
    if not. The file has the usual permissions, not ``mkstemp``'s 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}"
    )
    tmp = Path(name)
    _writing.add(tmp)
    try:
        with contextlib.suppress(OSError):  # a file system without modes
            os.fchmod(fd, 0o666 & ~_UMASK)
        os.close(fd)
        yield tmp
        os.replace(tmp, path)
    except OSError as e:  # named by the file the user asked for, not its temporary name
        if str(tmp) in (e.filename, e.filename2):
            e.filename, e.filename2 = str(path), None
        raise
    finally:
        tmp.unlink(missing_ok=True)
        _writing.discard(tmp)


def discard_temporaries() -> None:
    """Remove the temporary files this process is writing: for a signal handler that
    ends the process without unwinding (a pool's worker, terminated)."""
    for tmp in list(_writing):
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    """``path.write_text(text)`` (UTF-8), whole or not at all."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """``path.write_bytes(data)``, whole or not at all."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


class InUseError(Exception):
    """``folder`` is held by another process, ``pid`` (None if its lock file is unreadable)."""

    def __init__(self, folder: Path, pid: int | None):
        who = f" (pid {pid})" if pid else ""
        super().__init__(f"{folder} is in use by another backprop{who}")
        self.folder, self.pid = folder, pid


@contextlib.contextmanager
def locked(folder: str | Path, wait: bool = False) -> Iterator[Path]:
    """Hold ``folder`` (which must exist) for this process while the block runs: another
    holder makes it raise ``InUseError`` at once, or, with ``wait``, wait for it."""
    path = Path(folder) / LOCK
    fd = _acquire(path, wait)
    try:
        yield path
    finally:
        # Removed while still held: a process waiting on this file finds it gone and
        # takes a new one (``_acquire``), so no two hold different files at once.
        with contextlib.suppress(OSError):  # Windows: an open file cannot be removed
            path.unlink()
        os.close(fd)


def _acquire(path: Path, wait: bool) -> int:
    while True:
        try:  # never through a symlink: the pid would be written over the file it names
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except OSError:
            if not path.is_symlink():
                raise
            path.unlink()  # not a lock of ours; removing the link leaves its target alone
            continue
        try:
            if not _lock(fd, wait):
                raise InUseError(path.parent, holder(path))
            with contextlib.suppress(FileNotFoundError):
                if os.path.samestat(os.fstat(fd), os.stat(path)):
                    break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # its holder removed it as we took it: try the path's new file
    text = f"{os.getpid()}\n".encode()
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, text)  # written over, then cut: a reader never sees it empty
    os.ftruncate(fd, len(text))
    return fd


def _lock(fd: int, wait: bool) -> bool:
    """Take the operating system's lock on ``fd``: False if another holds it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True
    os.lseek(fd, 1 << 20, os.SEEK_SET)  # a byte past the pid, so readers can read it
    while True:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            if not wait:
                return False
            time.sleep(0.05)


def holder(path: Path) -> int | None:
    """The pid a lock file names, or None."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def missing(path: str | Path) -> list[Path]:
    """``path`` and those of its parents that do not exist yet, deepest first."""
    path = Path(path).absolute()
    return [p for p in (path, *path.parents) if not _exists(p)]


def _exists(path: Path) -> bool:
    """``path.exists()``; a path the OS cannot even look up (too long) counts as existing,
    so that it is never taken for a folder this run made (the run refuses it anyway)."""
    try:
        return path.exists()
    except OSError:
        return True


def remove_empty(folders: list[Path]) -> None:
    """Remove those of ``folders`` (deepest first) that are empty: what a run made and
    left unused."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def written_since(folder: str | Path, start: float) -> list[Path]:
    """The files under ``folder`` modified at or after ``start`` (``time.time()``)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = (p for p in folder.rglob("*") if p.is_file() and p.name != LOCK)
    return sorted(p for p in found if p.stat().st_mtime >= start)
