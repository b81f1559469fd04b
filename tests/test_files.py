"""``backprop.files``: writes under unique temporary names, whole or not at all; a folder
lock that refuses a live holder, names its pid, and is free again once the holder dies."""

import os
import signal
import subprocess
import sys

import pytest

from backprop import files

HOLD = (
    "import sys\nfrom backprop.files import locked\n"
    "with locked(sys.argv[1]):\n    print('held', flush=True)\n    sys.stdin.read()\n"
)


def _holder(folder):
    """Another process holding ``folder`` until its stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline() == "held\n"
    return proc


def test_two_writes_at_once_get_their_own_temporary_names(tmp_path):
    target = tmp_path / "model.npz"
    with files.replacing(target) as a, files.replacing(target) as b:
        assert a != b and a.parent == b.parent == tmp_path
        assert a.suffix == b.suffix == ".npz"  # NumPy and matplotlib read the format from it
        a.write_text("first")
        b.write_text("second")
    assert target.read_text() == "first"  # the last to finish (b ends inside a)
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = files.write_text(tmp_path / "history.json", "old")
    with pytest.raises(RuntimeError), files.replacing(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["history.json"]


def test_a_written_file_has_the_usual_permissions_not_0600(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = files.write_bytes(tmp_path / "report.pdf", b"%PDF")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_folder_held_by_a_live_process_is_refused_naming_it(tmp_path):
    proc = _holder(tmp_path)
    try:
        with pytest.raises(files.InUseError) as e, files.locked(tmp_path):
            pass
        assert e.value.pid == proc.pid
        assert str(e.value) == f"{tmp_path} is in use by another backprop (pid {proc.pid})"
    finally:
        proc.stdin.close()
        proc.wait()
    with files.locked(tmp_path):  # released: free again
        assert files.holder(tmp_path / files.LOCK) == os.getpid()
    assert not (tmp_path / files.LOCK).exists()


def test_the_lock_of_a_process_that_died_is_taken_over(tmp_path):
    proc = _holder(tmp_path)
    proc.send_signal(signal.SIGKILL)  # no chance to remove its lock file
    proc.wait()
    proc.stdin.close()
    assert files.holder(tmp_path / files.LOCK) == proc.pid
    with files.locked(tmp_path):
        assert files.holder(tmp_path / files.LOCK) == os.getpid()


def test_a_lock_file_naming_a_dead_pid_is_taken_over(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / files.LOCK).write_text(f"{dead}\n")
    with files.locked(tmp_path):
        assert files.holder(tmp_path / files.LOCK) == os.getpid()


def test_an_empty_folder_made_by_a_run_is_removed_and_nothing_else(tmp_path):
    made = files.missing(tmp_path / "a" / "b" / "c")
    assert made == [tmp_path / "a" / "b" / "c", tmp_path / "a" / "b", tmp_path / "a"]
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "kept.txt").write_text("x")
    files.remove_empty(made)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "kept.txt"]


def test_a_lock_file_that_is_a_symlink_leaves_its_target_alone(tmp_path):
    """A ``.backprop.lock`` planted as a link to another file: the pid goes into a lock
    of its own, never over the file the link names."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / files.LOCK).symlink_to(victim)
    with files.locked(folder) as lock:
        assert not lock.is_symlink() and lock.read_text() == f"{os.getpid()}\n"
    assert victim.read_text() == "precious"


def test_an_error_names_the_file_asked_for_not_its_temporary_name(tmp_path):
    target = tmp_path / "curves.npz"
    target.mkdir()  # a folder where the file goes: the rename fails
    with pytest.raises(OSError) as e, files.replacing(target) as tmp:
        tmp.write_bytes(b"x")
    assert e.value.filename == str(target)
