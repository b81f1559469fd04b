"""``--run``: the submission's entry script run in a subprocess, in a temporary folder
holding only the zip's safe members, with a timeout and (where ``unshare`` can) no
network; its ``accuracy=`` lines read and held against the handout's 90 % bar."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from functools import cache
from pathlib import Path

from .archive import Member, read
from .findings import Finding, info, look
from .handout import ACCURACY_BAR
from .source import Code

RUN_TIMEOUT = 300.0  # seconds per entry script; the handout's 100 000 epochs take ~1 min
MAX_RUN_TIMEOUT = 86_400.0  # a day; beyond ~1e8 s the OS timers overflow
MAX_ENTRIES = 3  # scripts run per submission
ACCURACY = re.compile(r"accuracy\s*[=:]\s*([0-9]*\.?[0-9]+)\s*(%?)", re.I)
WARNING = "backprop check: warning: --run runs each submission's own code on this machine"


@cache
def _unshare() -> list[str]:
    """``unshare -rn``, a new user and network namespace with no interfaces, if it works."""
    tool = shutil.which("unshare")
    if tool and subprocess.run([tool, "-rn", "true"], capture_output=True).returncode == 0:
        return [tool, "-rn"]
    return []


def accuracies(output: str) -> list[float]:
    """Every ``accuracy=…`` in ``output``, in percent (a value ≤ 1 without % is a fraction)."""
    out = []
    for value, percent in ACCURACY.findall(output):
        v = float(value)
        out.append(v if percent or v > 1 else 100 * v)
    return out


def _extract(zf: zipfile.ZipFile, members: list[Member], folder: Path) -> None:
    root = folder.resolve()
    for m in members:
        dest = (root / m.name).resolve()
        if root not in dest.parents:  # members() refused these already; a second guard
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(read(zf, m))


def _command(code: Code, entry: str, folder: Path) -> tuple[list[str], Path, dict]:
    env = {
        "PATH": os.defpath,
        "HOME": str(folder),
        "MPLBACKEND": "Agg",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if code.script:
        s = code.script
        env["PYTHONPATH"] = str(folder / s["root"])
        call = f"import sys; from {s['module']} import {s['function']} as f; sys.exit(f())"
        return [sys.executable, "-c", call], folder / s["root"], env
    path = folder / entry
    if entry.endswith(".ipynb"):  # its code cells as parsed (magics blanked), one script
        text = "\n\n".join(s.text for s in code.sources if s.path == entry and s.cell)
        path = path.with_suffix(".ipynb.py")
        path.write_text(text, encoding="utf-8")
    return [sys.executable, path.name], path.parent, env


def run_findings(
    zf: zipfile.ZipFile, members: list[Member], code: Code, timeout: float = RUN_TIMEOUT
) -> tuple[list[Finding], str]:
    """Run each entry (at most MAX_ENTRIES); findings, and the accuracies for the CSV."""
    if not code.entries:
        return [look("run", "no entry script found: nothing run")], ""
    isolate = _unshare()
    out = [] if isolate else [look("run", "network not isolated: unshare -rn is not available")]
    seen: list[float] = []
    with tempfile.TemporaryDirectory(prefix="backprop-check-") as tmp:
        folder = Path(tmp)
        _extract(zf, members, folder)
        folder = folder / code.prefix
        for entry in code.entries[:MAX_ENTRIES]:
            cmd, cwd, env = _command(code, entry, folder)
            proc = subprocess.Popen(
                [*isolate, *cmd],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                text = proc.communicate(timeout=timeout)[0].decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # its children too
                proc.communicate()
                out.append(look("run", f"{entry}: still running after {timeout:g} s; stopped"))
                continue
            except BaseException:  # Ctrl-C: the student's code must not outlive the checker
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                raise
            accs = accuracies(text)
            seen += accs
            tail = text.strip().splitlines()[-1:] or ["(no output)"]
            if proc.returncode:
                out.append(
                    look(
                        "run", f"{entry}: exit status {proc.returncode}; last line: {tail[0][:120]}"
                    )
                )
            if not accs:
                out.append(look("run", f"{entry}: printed no accuracy= line"))
            elif min(accs) < ACCURACY_BAR:
                low = ", ".join(f"{a:.2f}%" for a in accs)
                out.append(look("run", f"{entry}: accuracy {low}; below the {ACCURACY_BAR:g}% bar"))
            else:
                shown = ", ".join(f"{a:.2f}%" for a in accs)
                out.append(info("run", f"{entry}: accuracy {shown}, at or above {ACCURACY_BAR:g}%"))
    return out, " ".join(f"{a:.2f}" for a in seen)
