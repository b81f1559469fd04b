"""Ctrl-C and a second run at once, on the real command in a child process: Ctrl-C ends
it in one line saying what is kept, exit 130, no traceback, no temporary file, no empty
folder it made, no worker left; a second run on a held folder refuses at once; runs that
share the experiments cache both end with complete entries."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backprop import experiments, files
from backprop.experiments import store

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
TINY = ["--seeds", "1", "--cnn-seeds", "1", "--convergence-seeds", "2", "--quiet"]
SIZES = dict(seeds=1, cnn_seeds=1, convergence_seeds=2)


def _sigint_default() -> None:
    """In the child: SIGINT as Python expects it, even if this process ignores it (a
    shell's background job does)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(*argv: str, cwd: Path, group: bool = False) -> subprocess.Popen:
    """``backprop argv``; ``group``: in a process group of its own, as a terminal's job."""
    return subprocess.Popen(
        [sys.executable, "-m", "backprop", *argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_sigint_default,
        start_new_session=group,
    )


def _stat(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat`` after the name: state, ppid, ..., start time at [19]."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _children(pid: int) -> dict[int, str]:
    """The live children of ``pid``: pid → start time (so a reused pid is not them)."""
    found = {}
    for entry in Path("/proc").iterdir():
        stat = _stat(int(entry.name)) if entry.name.isdigit() else None
        if stat and stat[1] == str(pid) and stat[0] != "Z":
            found[int(entry.name)] = stat[19]
    return found


def _alive(children: dict[int, str]) -> list[int]:
    return [
        p for p, start in children.items() if (s := _stat(p)) and s[19] == start and s[0] != "Z"
    ]


def _until(condition, proc: subprocess.Popen) -> None:
    """Wait until ``condition()``; fail if the command ends first."""
    while not condition():
        try:
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"ended before it was interrupted: {proc.communicate()}")


def _interrupt(proc: subprocess.Popen, ready, group=False) -> tuple[str, str, dict[int, str]]:
    """Ctrl-C once ``ready()`` (``group``: to its whole group, as a terminal sends it);
    its stdout, stderr and the children it had then."""
    try:
        _until(ready, proc)
        children = _children(proc.pid)
        if group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return out, err, children


def _left(folder: Path) -> list[Path]:
    """Temporary files (``.<stem>.<random>.tmp<suffix>``) and lock files."""
    return [p for p in folder.rglob(".*") if ".tmp" in p.name or p.name == files.LOCK]


def _gone(children: dict[int, str]) -> bool:
    """Whether every one of ``children`` has ended (waiting up to a minute: the resource
    tracker ends once it reads the end of its pipe)."""
    deadline = time.monotonic() + 60
    while _alive(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(children)


@pytest.mark.parametrize("command", ["train", "lab"])
def test_ctrl_c_in_training_writes_nothing_and_removes_the_folder_it_made(tmp_path, command):
    out = tmp_path / "new" / "run"
    argv = ["--out", str(out), "--epochs", "1000000"] + (
        ["--data", "xor"] if command == "train" else []
    )
    proc = _start(command, *argv, cwd=tmp_path)
    first = []
    _, err, _ = _interrupt(proc, lambda: first.append(proc.stdout.readline()) or True)
    assert proc.returncode == 130, err
    assert err == f"backprop {command}: interrupted; nothing written\n"
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("jobs, group", [("1", False), ("2", False), ("2", True)])
def test_ctrl_c_in_experiments_keeps_each_finished_entry_and_ends_the_workers(
    tmp_path, jobs, group
):
    """``group``: the workers get it too, the moment they exist (still starting up)."""
    names = ["bias", "hidden"]
    argv = [*names, "--out", "exp", "--epochs", "3000", "--jobs", jobs, *TINY]
    proc = _start("experiments", *argv, cwd=tmp_path, group=group)
    if jobs == "1":  # bias is written before hidden starts
        ready = (tmp_path / "exp" / "bias" / "summary.json").exists
    else:

        def ready() -> bool:  # its workers and the resource tracker have started
            return len(_children(proc.pid)) > int(jobs)

    out, err, children = _interrupt(proc, ready, group)
    # stdout too: a run that ended before the Ctrl-C (seen once in CI) says what it did
    assert proc.returncode == 130, f"stdout {out!r}, stderr {err!r}"
    exps = [experiments.define(n, epochs=3000, **SIZES) for n in names]
    kept = [e.name for e in exps if store.load_cached(e, tmp_path / "exp" / e.name) is not None]
    kept_line = (
        f"{len(kept)} of 2 experiments {'is' if len(kept) == 1 else 'are'} in the cache (exp)"
    )
    assert err == f"backprop experiments: interrupted; {kept_line}\n"
    assert kept == ["bias"] or jobs == "2"
    assert not _left(tmp_path)
    assert _gone(children) and (children or jobs == "1")


def test_a_second_report_on_a_held_folder_refuses_and_ctrl_c_ends_the_first(tmp_path):
    argv = [
        "report",
        "--out",
        "r",
        "--experiments",
        "exp",
        "--epochs",
        "3000",
        "--jobs",
        "2",
        *TINY,
    ]
    first = _start(*argv, cwd=tmp_path)
    try:
        _until((tmp_path / "r" / files.LOCK).exists, first)
        second = subprocess.run(
            [sys.executable, "-m", "backprop", *argv], cwd=tmp_path, capture_output=True, text=True
        )
        assert second.returncode == 2
        assert second.stderr == (
            f"backprop report: error: r is in use by another backprop (pid {first.pid}); "
            "wait for it to finish or use another folder\n"
        )
        _, err, children = _interrupt(first, lambda: len(_children(first.pid)) > 2)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, err
    exps = [experiments.define(n, epochs=3000, **SIZES) for n in experiments.NAMES]
    n = sum(store.load_cached(e, tmp_path / "exp" / e.name) is not None for e in exps)
    assert err == (
        f"backprop report: interrupted; {n} of {len(exps)} experiments "
        f"{'is' if n == 1 else 'are'} in the cache (exp); "
        "report.pdf not written\n"
    )
    assert not (tmp_path / "r" / "report.pdf").exists() and not _left(tmp_path)
    assert _gone(children)


def test_two_typesets_at_once_each_finish_or_refuse(tmp_path):
    pages = "\n\n".join(f"= Part {i}\n#lorem(300)" for i in range(30))
    (tmp_path / "report.typ").write_text(pages)
    argv = ["report", "--typeset", "--out", "."]
    procs = [_start(*argv, cwd=tmp_path) for _ in range(2)]
    results = [(p.communicate(timeout=300), p.returncode) for p in procs]
    for (_, err), code in results:
        assert (code, err) == (0, "") or (code == 2 and "is in use by another backprop" in err)
    assert (tmp_path / "report.pdf").read_bytes().rstrip().endswith(b"%%EOF")
    assert not _left(tmp_path)


def test_two_experiments_on_one_cache_both_end_with_complete_entries(tmp_path):
    names = ["bias", "lr"]
    argv = [*names, "--out", "exp", "--epochs", "4", "--jobs", "1", *TINY]
    procs = [_start("experiments", *argv, cwd=tmp_path) for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and err == "", err
    for name in names:
        exp = experiments.define(name, epochs=4, **SIZES)
        assert store.read(exp, tmp_path / "exp" / name) is not None
    assert not _left(tmp_path)


def test_ctrl_c_in_check_run_ends_the_students_code(tmp_path):
    """``check --run`` runs the student's script: Ctrl-C ends it too (it slept on after
    the checker's traceback before), in one line."""
    from benchmarks.check_folder import MAIN, report_pdf, submission

    pid_file = tmp_path / "student.pid"
    main = MAIN + f"\nimport os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
    zip_path = submission(tmp_path, report_pdf(), {"main.py": main + "time.sleep(300)\n"})
    proc = _start("check", str(zip_path), "--run", "--timeout", "200", cwd=tmp_path)
    _, err, _ = _interrupt(proc, lambda: pid_file.exists() and pid_file.read_text())
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "backprop check: interrupted; the check stopped", err
    assert "Traceback" not in err
    student = int(pid_file.read_text())
    assert _gone({student: _stat(student)[19]} if _stat(student) else {})


def test_the_workers_end_when_their_owner_is_killed(tmp_path):
    """``kill -9`` of ``experiments --jobs 2``: nothing can end its workers, so each
    watches its parent and ends itself (they idled on, adopted by init, before)."""
    argv = ["bias", "hidden", "--out", "exp", "--epochs", "3000", "--jobs", "2", *TINY]
    proc = _start("experiments", *argv, cwd=tmp_path)
    try:
        _until(lambda: len(_children(proc.pid)) > 2, proc)  # 2 workers, the tracker
        children = _children(proc.pid)
        proc.kill()
        proc.wait()  # not communicate(): orphaned workers would hold its pipes open
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    try:
        assert _gone(children), _alive(children)
    finally:
        for pid in _alive(children):  # left by a broken build: never by the suite
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.8])
def test_ctrl_c_while_the_package_loads_is_one_line(tmp_path, delay):
    """In the first second NumPy and matplotlib are still loading: a Ctrl-C then ends in
    one line too (``backprop/__init__`` imports lazily, ``__main__.main`` catches it)."""
    proc = _start("train", "--data", "xor", "--epochs", "1000000", "--out", "x", cwd=tmp_path)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.endswith("interrupted; nothing written\n"), err
    assert not (tmp_path / "x").exists()
