"""Project rules that must hold on every commit: the handout's import rule and ruff."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT.parent / "shared" / "tools" / "import_policy.py"


@pytest.mark.skipif(not POLICY.exists(), reason="shared/tools/import_policy.py not beside the repo")
def test_package_imports_only_numpy_matplotlib_and_stdlib():
    proc = subprocess.run(
        [sys.executable, str(POLICY), str(ROOT / "src" / "backprop")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout


def test_package_imports_without_pyplot():
    """Importing backprop (and its CLI) must not pull in pyplot: nothing may open a window."""
    code = (
        "import sys, backprop, backprop.cli, backprop.lab.plot, backprop.experiments.trajectories; "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(
    shutil.which("ruff") is None, reason="ruff not installed (the test extra has it)"
)
def test_ruff_clean():
    proc = subprocess.run(
        ["ruff", "check", "src", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout


def test_evaluate_is_the_handouts_test():
    """One function under two names: ``evaluate``, and the handout's ``test``."""
    import backprop as bp
    from backprop import train

    assert bp.evaluate is bp.test is train.evaluate
    assert {"evaluate", "test"} <= set(bp.__all__)
