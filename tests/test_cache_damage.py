"""A damaged or partial cache entry is recomputed, with one line naming the file."""

import io
import json
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from backprop import experiments as ex
from backprop import files
from backprop.experiments import store, sweep
from backprop.experiments.spec import Axis, Experiment, Setting
from backprop.lab.config import DEFAULT

FILES = ("summary.json", "results.csv", "curves.npz")


def _tiny() -> Experiment:
    sgd = DEFAULT.replace(optimizer="sgd", schedule="constant", epochs=4)
    settings = tuple(Setting(f"sgd lr={lr:g}", sgd.replace(lr=lr), "sgd", lr) for lr in (0.3, 1.0))
    return Experiment("tiny", "Tiny", Axis("learning rate", log_base=10), settings, (3, 7))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """One trained entry, copied by each test, and its result."""
    out = tmp_path_factory.mktemp("fresh")
    return out, ex.run_experiment(_tiny(), out, progress=False)


def _wrong_shape(path):
    """The file parsed fine but one run, setting or point short."""
    if path.suffix == ".csv":
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(lines[:-1]))
    elif path.suffix == ".json":
        summary = json.loads(path.read_text())
        summary["by_setting"].pop()
        path.write_text(json.dumps(summary, indent=1) + "\n")
    else:
        with np.load(path) as z:
            arrays = {k: z[k][:-1] for k in z.files}
        store._savez(path, arrays)


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "garbage": lambda p: p.write_bytes(b"\x00\xffnot a cache file\n" * 20),
    "wrong shape": _wrong_shape,
    "missing": lambda p: p.unlink(),
}


def _same(result, fresh):
    assert result.runs == fresh.runs
    assert result.by_setting == fresh.by_setting
    assert result.curves.keys() == fresh.curves.keys()
    for key, c in fresh.curves.items():
        for k, v in c.items():
            np.testing.assert_array_equal(result.curves[key][k], v)


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("name", FILES)
def test_a_damaged_file_is_recomputed_with_one_line(fresh, tmp_path, capsys, name, damage):
    out, first = fresh
    shutil.copytree(out / "tiny", tmp_path / "tiny")
    path = tmp_path / "tiny" / name
    DAMAGE[damage](path)
    with pytest.raises(store.DamagedError) as caught:
        store.read(first.experiment, tmp_path / "tiny")
    assert caught.value.path == path
    capsys.readouterr()
    again = ex.run_experiment(_tiny(), tmp_path, progress=False)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"experiments: {path} is ")
    assert err.endswith("; recomputing tiny\n")
    assert not again.cached
    _same(again, first)
    for f in ("results.csv", "curves.npz"):  # the same bytes as a fresh run
        assert (tmp_path / "tiny" / f).read_bytes() == (out / "tiny" / f).read_bytes()
    cached = ex.run_experiment(_tiny(), tmp_path, progress=False)
    assert cached.cached and capsys.readouterr().err == ""
    _same(cached, first)


def test_the_npz_line_says_truncated(fresh, tmp_path, capsys):
    out, _ = fresh
    shutil.copytree(out / "tiny", tmp_path / "tiny")
    DAMAGE["truncated"](tmp_path / "tiny" / "curves.npz")
    ex.run_experiment(_tiny(), tmp_path, progress=False)
    path = tmp_path / "tiny" / "curves.npz"
    want = f"experiments: {path} is damaged (truncated zip); recomputing tiny\n"
    assert capsys.readouterr().err == want


def test_a_miss_or_another_key_is_silent(fresh, tmp_path, capsys):
    out, _ = fresh
    assert store.read(_tiny(), tmp_path / "tiny") is None  # no entry
    shutil.copytree(out / "tiny", tmp_path / "tiny")
    other = _tiny()
    other = Experiment(other.name, other.title, other.axis, other.settings, (3, 8))
    assert store.read(other, tmp_path / "tiny") is None
    ex.run_experiment(other, tmp_path, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", FILES)
def test_a_failed_save_leaves_no_complete_entry(fresh, tmp_path, monkeypatch, name):
    """A write that fails (here the rename of ``name``) over a complete entry leaves no
    summary.json and no temporary file: the entry reads as partial, not as cached."""
    out, first = fresh
    shutil.copytree(out / "tiny", tmp_path / "tiny")
    folder = tmp_path / "tiny"
    DAMAGE["garbage"](folder / "results.csv")  # so old and new files can't pass as one
    real = files.os.replace

    def replace(src, dst):
        if str(dst).endswith(name):
            raise OSError("disk full")
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OSError, match="disk full"):
        store.save(first, folder)
    monkeypatch.undo()
    assert not (folder / "summary.json").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # temporary, lock
    with pytest.raises(store.DamagedError, match="summary.json is missing"):
        store.read(first.experiment, folder)
    assert store.load_cached(first.experiment, folder) is None


def test_a_complete_entry_is_read_back(fresh):
    out, first = fresh
    for got in (
        store.read(first.experiment, out / "tiny"),
        store.load_cached(first.experiment, out / "tiny"),
    ):
        assert got.cached and got.runs == first.runs and got.by_setting == first.by_setting


def test_a_zip_of_other_arrays_is_damaged(fresh, tmp_path):
    out, first = fresh
    shutil.copytree(out / "tiny", tmp_path / "tiny")
    path = tmp_path / "tiny" / "curves.npz"
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("extra.npy", b"")
    with pytest.raises(store.DamagedError, match="wrong arrays"):
        store.read(first.experiment, tmp_path / "tiny")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_note_clears_the_progress_line_first():
    stream = Terminal()
    bar = sweep.Progress("x", stream=stream)
    bar.show("1/2 stacks", force=True)
    width = bar.width
    bar.note("experiments: a is damaged (empty); recomputing a")
    lines = stream.getvalue().split("\r")
    assert lines[-2:] == [" " * width, "experiments: a is damaged (empty); recomputing a\n"]
    quiet = io.StringIO()
    sweep.Progress("x", enabled=False, stream=quiet).note("shown")
    assert quiet.getvalue() == "shown\n"


def _held_elsewhere(folder) -> bool:
    """Whether another process finds ``folder`` locked (``files.locked``) right now."""
    code = (
        "import sys\nfrom backprop import files\n"
        "try:\n    files.locked(sys.argv[1]).__enter__()\n"
        "except files.InUseError:\n    sys.exit(3)\n"
    )
    return subprocess.run([sys.executable, "-c", code, str(folder)]).returncode == 3


def test_an_entry_is_saved_and_read_under_its_lock(fresh, tmp_path, monkeypatch):
    """Runs sharing the cache (two ``experiments``, a ``report``): one never reads an
    entry another is writing (it would see it partial and recompute it)."""
    _, first = fresh
    folder = tmp_path / "tiny"
    seen = []
    savez, read_runs = store._savez, store._read_runs

    def saving(path, arrays):
        seen.append(("save", _held_elsewhere(folder)))
        savez(path, arrays)

    def reading(exp, path):
        seen.append(("read", _held_elsewhere(folder)))
        return read_runs(exp, path)

    monkeypatch.setattr(store, "_savez", saving)
    monkeypatch.setattr(store, "_read_runs", reading)
    store.save(first, folder)
    assert store.read(first.experiment, folder) is not None
    assert seen == [("save", True), ("read", True)]
    assert not _held_elsewhere(folder) and not (folder / files.LOCK).exists()
