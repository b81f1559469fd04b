"""What the library refuses, and with what message: ``limits`` (the CLI's rules), the
optimizers' hyperparameters, ``fit``'s arguments and the saturation warning."""

from pathlib import Path

import numpy as np
import pytest

import backprop as bp
from backprop import experiments, limits
from backprop.experiments import NAMES
from backprop.history import SATURATED, History, saturation
from backprop.lab.config import DEFAULT, HANDOUT, build_model


def test_epochs_and_steps_have_bounds_and_must_be_whole():
    assert limits.check_epochs(1) == 1 and limits.check_epochs(limits.MAX_EPOCHS) > 1
    with pytest.raises(ValueError, match="epochs must be between 1 and 1,000,000, got 0"):
        limits.check_epochs(0)
    with pytest.raises(ValueError, match="got 1,000,001"):
        limits.check_epochs(limits.MAX_EPOCHS + 1)
    for bad in (10.0, True, "5", None):
        with pytest.raises(TypeError, match="epochs must be a whole number"):
            limits.check_epochs(bad)
    assert limits.check_epochs(np.int64(7)) == 7
    with pytest.raises(ValueError, match="steps must be between 1 and 100,000"):
        limits.check_steps(limits.MAX_STEPS + 1)


def test_memory_limit_is_half_of_a_real_machine(monkeypatch):
    assert 256 << 20 <= limits.memory_limit() <= 1 << 50
    sysconf = {"SC_PAGE_SIZE": 3, "SC_PHYS_PAGES": 1001}  # odd, so that / 2 would show
    monkeypatch.setattr(limits.os, "sysconf", sysconf.__getitem__)
    assert limits.memory_limit() == 1501 and isinstance(limits.memory_limit(), int)
    for missing in (ValueError, OSError, AttributeError):  # unknown name; no sysconf

        def sysconf(name, error=missing):
            raise error(name)

        monkeypatch.setattr(limits.os, "sysconf", sysconf)
        assert limits.memory_limit() == 4 * limits.GIB


def test_check_hidden_takes_1_to_6_layers_of_1_to_high_units():
    assert limits.check_hidden([1] * limits.MAX_LAYERS) == (1,) * 6
    assert limits.check_hidden((64, np.int64(3)), high=64) == (64, 3)
    with pytest.raises(ValueError, match="at most 64 units here, got 65"):
        limits.check_hidden([3, 65], high=64)
    for bad in ([], [1] * 7, [0], [2, -1], [2.0], [True], "22", None):
        with pytest.raises(ValueError, match="hidden must be 1 to 6 whole sizes"):
            limits.check_hidden(bad)


@pytest.mark.parametrize("whole", [False, True])
def test_check_range_refuses_nan_infinity_and_the_outside(whole):
    assert limits.check_range("x", 0, 0, 1, whole) == 0
    assert limits.check_range("x", 1, 0, 1, whole) == 1
    for bad in (-1, 2) if whole else (-1e-9, 1.000001, float("nan"), np.nan, float("-inf")):
        with pytest.raises(ValueError, match="x must be between 0 and 1, got"):
            limits.check_range("x", bad, 0, 1, whole)
    if not whole:
        for bad in (float("inf"), float("nan")):
            with pytest.raises(ValueError, match="x must be at least 0, got"):
                limits.check_range("x", bad, 0, float("inf"))


def test_run_bytes_grows_with_every_size():
    base = limits.run_bytes(DEFAULT)
    assert limits.run_bytes(DEFAULT.replace(hidden=(32, 16))) > base
    assert limits.run_bytes(DEFAULT, models=2) > base
    assert limits.run_bytes(DEFAULT.replace(epochs=4000)) > base
    assert limits.run_bytes(DEFAULT.replace(dtype="float32")) < base
    assert limits.run_bytes(DEFAULT, plot_points=100) > base
    # Parameters dominate a wide network: 2·h + h² + h + h + 1 weights and biases.
    h = 10_000
    wide = limits.run_bytes(DEFAULT.replace(hidden=(h, h), epochs=1))
    assert wide >= (h * h + 4 * h) * (limits.PARAM_COPIES * 8 + 8)


def test_check_run_names_the_size_and_the_limit(monkeypatch):
    monkeypatch.setattr(limits, "memory_limit", lambda: 1 << 20)
    limits.check_run(DEFAULT.replace(hidden=(2, 2), epochs=1))  # a few KB: fine
    with pytest.raises(
        ValueError,
        match=r"hidden 64 64 × 10 models, 400 epochs needs about .* "
        r"MiB of memory, more than the limit of 1.0 MiB",
    ):
        limits.check_run(DEFAULT.replace(hidden=(64, 64)), models=10)


def test_check_run_and_check_stacks_refuse_one_byte_over_the_limit(monkeypatch):
    """The need is exactly ``run_bytes`` (plot points only with ``plot``; a sweep's rows
    on top): at the limit it passes, one byte over it is refused."""
    config, mlp = DEFAULT.replace(hidden=(8, 8)), limits.PLOT_POINTS["mlp"]
    for need, check in (
        (limits.run_bytes(config), lambda: limits.check_run(config)),
        (limits.run_bytes(config, 3, 50), lambda: limits.check_run(config, 3, 50)),
        (limits.run_bytes(config, plot_points=mlp), lambda: limits.check_run(config, plot=True)),
        (
            limits.run_bytes(config, 4) + 7 * limits.ROW_BYTES,
            lambda: limits.check_stacks([(DEFAULT, 1), (config, 4)], 7, "a sweep"),
        ),
    ):
        monkeypatch.setattr(limits, "memory_limit", lambda n=need: n)
        check()
        monkeypatch.setattr(limits, "memory_limit", lambda n=need: n - 1)
        with pytest.raises(ValueError, match="needs about"):
            check()


def test_sizes_are_said_in_mib_below_a_tenth_of_a_gib():
    assert limits._fmt(100 << 20) == "100.0 MiB"
    assert limits._fmt(limits.GIB // 10) == "102.4 MiB"
    assert limits._fmt(limits.GIB // 10 + 1) == "0.1 GiB"
    assert limits._fmt(2 * limits.GIB) == "2.0 GiB"


def test_defaults_are_never_refused():
    for preset in (DEFAULT, HANDOUT, bp.CNN):
        limits.check_run(preset, plot=True)
    experiments.check_experiments(NAMES, seeds=10, cnn_seeds=5, convergence_seeds=1000)


def test_check_experiments_refuses_a_stack_it_cannot_hold_without_building_it():
    with pytest.raises(ValueError, match=r"experiment 'bias' with 100,000,000 seeds .* needs"):
        experiments.check_experiments(["bias"], seeds=100_000_000)
    with pytest.raises(ValueError, match="'convergence' with 10,000,000,000 seeds"):
        experiments.check_experiments(["convergence"], 10, convergence_seeds=10**10)
    with pytest.raises(ValueError, match="seeds must be at least 1, got 0"):
        experiments.check_experiments(["lr"], seeds=0)
    with pytest.raises(ValueError, match="epochs must be between"):
        experiments.check_experiments(["lr"], seeds=1, epochs=10**9)


def test_check_out_creates_and_probes_a_folder(tmp_path):
    out = limits.check_out(tmp_path / "a" / "b")
    assert out.is_dir() and list(out.iterdir()) == []  # the probe file is gone
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="--out .*f is a file; name a folder"):
        limits.check_out(tmp_path / "f")
    with pytest.raises(ValueError, match=r"--report .*below cannot be written \(.*\); name a"):
        limits.check_out(tmp_path / "f" / "below", "--report")
    with pytest.raises(ValueError, match=r"a\\x00b cannot be written \(embedded null byte\)"):
        limits.check_out(tmp_path / "a\x00b")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_check_out_probes_the_folder_itself():
    """/proc/self exists but takes no file, even for root: the probe must be made in it,
    and the reason is the OS's sentence, not its ``[Errno …]`` text."""
    with pytest.raises(ValueError) as e:
        limits.check_out("/proc/self")
    assert str(e.value) == (
        "--out /proc/self cannot be written (no file can be made in /proc/self); "
        "name a folder you can write to"
    )


# --- Optimizers ------------------------------------------------------------------------


def _params():
    return [bp.Parameter(np.zeros(3))]


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda p: bp.SGD(p, lr=-1), ValueError, "Invalid learning rate: -1"),
        (lambda p: bp.SGD(p, lr=float("nan")), ValueError, "Invalid learning rate: nan"),
        (lambda p: bp.SGD(p, lr=float("inf")), ValueError, "Invalid learning rate: inf"),
        (lambda p: bp.SGD(p, 0.1, momentum=float("inf")), ValueError, "Invalid momentum value"),
        (lambda p: bp.SGD(p, 0.1, momentum="0.9"), TypeError, "pass a number"),
        (lambda p: bp.SGD(p, 0.1, nesterov=True), ValueError, "requires momentum > 0"),
        (lambda p: bp.Adam(p, eps=float("inf")), ValueError, "Invalid eps value: inf"),
        (lambda p: bp.Adam(p, betas=(0.9,)), ValueError, "pass two numbers"),
        (lambda p: bp.Adam(p, betas=(0.9, 1.0)), ValueError, "Invalid beta parameter at index 1"),
        (lambda p: bp.AdamW(p, weight_decay=-1), ValueError, "Invalid weight_decay value"),
        (lambda p: bp.RMSprop(p, alpha=float("nan")), ValueError, "Invalid alpha value"),
        (lambda p: bp.Adagrad(p, lr_decay=float("inf")), ValueError, "Invalid lr_decay value"),
        (lambda p: bp.Adadelta(p, rho=2), ValueError, "Invalid rho value: 2"),
        (lambda p: bp.SGD([], 0.1), ValueError, "empty parameter list; pass model.parameters"),
        (lambda p: bp.SGD(np.zeros(3), 0.1), TypeError, "list of Parameters"),
        (lambda p: bp.SGD([np.zeros(3)], 0.1), TypeError, "got ndarray"),
    ],
)
def test_optimizer_arguments_are_refused_with_a_message(make, error, message):
    with pytest.raises(error, match=message):
        make(_params())


# --- fit -------------------------------------------------------------------------------


def _fit(X=None, y=None, **kwargs):
    model = build_model(DEFAULT.replace(hidden=(3, 3)), rng=np.random.default_rng(0))
    X = np.random.default_rng(1).random((5, 2)) if X is None else X
    y = (X[:, :1] > 0.5).astype(float) if y is None else y
    args = dict(loss=bp.BCELoss(), optimizer=bp.SGD(model.parameters(), 0.1), epochs=2)
    return bp.fit(model, X, y, **{**args, **kwargs})


def test_fit_takes_int_and_bool_data():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    assert _fit(X, np.array([[0], [1], [1], [0]])).loss.shape == (2,)
    assert _fit(X.astype(bool), np.array([[False], [True], [True], [False]])).loss.shape == (2,)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"X": np.ones((5, 2), complex)}, TypeError, "X must be a NumPy array of real numbers"),
        ({"X": np.ones((5, 2), object)}, TypeError, "got object; convert it with np.asarray"),
        ({"X": [[0.0, 1.0]] * 5, "y": np.zeros((5, 1))}, TypeError, "NumPy array .* got list"),
        ({"y": np.full((5, 1), "1")}, TypeError, "y must be a NumPy array of real numbers"),
        ({"X": np.full((5, 2), np.nan)}, ValueError, "X holds NaN or infinite values"),
        ({"y": np.full((5, 1), np.inf)}, ValueError, "y holds NaN or infinite values"),
        ({"y": np.zeros((4, 1))}, ValueError, "expected X .N, features. and y .N, outputs."),
        ({"X": np.zeros((5, 3))}, ValueError, r"X has 3 features but the first Linear takes 2"),
        ({"y": np.zeros((5, 2))}, ValueError, r"y has 2 outputs .* reshape y to \(N, 1\)"),
        ({"epochs": 10.0}, TypeError, "epochs must be a whole number, got 10.0"),
        ({"epochs": 0}, ValueError, "epochs must be between 1 and 1,000,000"),
        ({"epochs": 10**12}, ValueError, "epochs must be between 1 and 1,000,000"),
        ({"loss": "bce"}, TypeError, r"loss must be a Loss such as BCELoss\(\), got 'bce'"),
        ({"optimizer": None}, TypeError, "optimizer must be an Optimizer such as SGD"),
        ({"log_every": -1}, ValueError, "log_every must be a whole number"),
        ({"log_every": True}, ValueError, "log_every must be a whole number"),
        ({"on_nonfinite": "ignore"}, ValueError, "on_nonfinite must be 'raise' or 'continue'"),
    ],
)
def test_fit_refuses_bad_arguments_before_training(kwargs, error, message):
    with pytest.raises(error, match=message):
        _fit(**kwargs)


def test_fit_on_nonfinite_continue_and_a_fused_request_it_cannot_serve():
    assert _fit(on_nonfinite="continue").loss.shape == (2,)
    with pytest.raises(
        TypeError, match=r"^model must be a Module such as Sequential\(Linear\(2, 1\), "
    ):
        bp.fit(
            "mlp", np.zeros((4, 2)), np.zeros((4, 1)), loss=bp.MSELoss(), optimizer=None, epochs=1
        )
    model = bp.nn.Sequential(bp.Linear(2, 1), bp.ReLU())
    with pytest.raises(ValueError) as e:
        bp.fit(
            model,
            np.zeros((4, 2)),
            np.zeros((4, 1)),
            loss=bp.MSELoss(),
            optimizer=bp.SGD(model.parameters(), 0.1),
            epochs=1,
            fused=True,
        )
    assert str(e.value) == (
        "fused=True, but Sequential has no fused path (it takes a Sequential of Normalize, "
        "Features, Linear, Sigmoid, Tanh, Identity trained by an optimizer of all their "
        "parameters, full batch, no test set); pass fused=None or False"
    )


def test_fit_refuses_a_stack_of_the_wrong_size():
    model = build_model(DEFAULT.replace(hidden=(3, 3)), models=4, rng=np.random.default_rng(0))
    X, y = np.zeros((3, 5, 2)), np.zeros((5, 1))
    opt = bp.SGD(model.parameters(), 0.1)
    with pytest.raises(ValueError, match="X is a stack of 3 but the model one of 4"):
        bp.fit(model, X, y, loss=bp.BCELoss(), optimizer=opt, epochs=1)


# --- The saturation warning ------------------------------------------------------------


def _history(first, final):
    return History(np.array([first, final]), np.array([0.5, 0.5]), final_loss=np.array(final))


def test_saturation_fires_on_saturated_outputs_at_or_above_the_first_loss():
    stuck = np.array([[0.0], [1.0], [1e-9], [1.0]])
    message = saturation(_history(0.69, 13.2), stuck, lr=1e9)
    assert message is not None and "(lr=1000000000.0) is probably too large" in message
    assert "loss ended at 13.2, no lower than it started (0.69)" in message


def test_saturation_reads_the_last_loss_and_its_edges():
    """Without a final loss, the last epoch's; a final loss equal to the first counts as
    no lower; outputs at 1 saturate like outputs at 0; half of them saturated is most."""
    stuck = np.array([[1.0], [1.0], [1 - 1e-9], [1.0]])  # near 1 only
    h = History(np.array([0.69, 0.1, 13.2]), np.full(3, 0.5))  # no final_loss
    assert "loss ended at 13.2" in saturation(h, stuck, lr=10)
    assert saturation(_history(0.69, 0.69), stuck, lr=10) is not None  # equal: no lower
    learned = History(np.array([0.69, 13.2]), np.full(2, 0.5), final_loss=np.array(0.1))
    assert saturation(learned, stuck, lr=10) is None  # the final loss, not the last epoch's
    half = np.array([[0.0], [1.0], [0.5], [0.5]])
    assert saturation(_history(0.69, 0.7), half, lr=10) is not None
    edge = np.full((4, 1), SATURATED)  # exactly SATURATED from 0: not within it
    assert saturation(_history(0.69, 0.7), edge, lr=10) is None


def test_saturation_is_silent_when_the_run_learned_or_is_not_saturated():
    sure = np.array([[0.0], [1.0], [1e-9], [1.0]])
    assert saturation(_history(0.69, 0.001), sure, lr=1.0) is None  # learned, and sure
    unsure = np.array([[0.4], [0.6], [0.5], [0.5]])
    assert saturation(_history(0.69, 0.69), unsure, lr=1e-6) is None  # stuck, not saturated


def test_check_experiments_names_each_seed_count_and_counts_rows_by_its_rule(monkeypatch):
    """Each count is refused by its own name; the rows are datasets × (every MLP stack's
    models + at most ``cnn_seeds`` CNN models), and the stacks carry the epochs asked."""
    with pytest.raises(ValueError, match="cnn seeds must be at least 1, got 0"):
        experiments.check_experiments(["cnn"], seeds=1, cnn_seeds=0)
    with pytest.raises(ValueError, match="convergence seeds must be at least 1, got 0"):
        experiments.check_experiments(["convergence"], seeds=1, convergence_seeds=0)
    seen = []
    monkeypatch.setattr(experiments, "check_stacks", lambda *args: seen.append(args))
    experiments.check_experiments(["cnn"], seeds=6, cnn_seeds=2, epochs=7)
    stacks, rows, what = seen[-1]
    assert [(c.model, c.epochs, m) for c, m in stacks] == [("mlp", 7, 6), ("cnn", 7, 1)]
    assert rows == 2 * (6 + 2) and what == "experiment 'cnn' with 6 seeds"


def test_check_out_refuses_an_empty_path_which_would_mean_this_folder():
    for path in ("", "  "):
        with pytest.raises(
            ValueError, match=r"^--out is empty; name a folder \(\. for this one\)$"
        ):
            limits.check_out(path)


CONFIGS = {
    "default": DEFAULT,
    "handout": HANDOUT,
    "handout with biases": HANDOUT.replace(bias=True, hidden=(5, 3)),
    "float32": DEFAULT.replace(dtype="float32", hidden=(64, 64, 64)),
    "cnn": bp.CNN,
}


@pytest.mark.parametrize("name", CONFIGS)
def test_the_memory_estimate_counts_the_built_models_parameters(name):
    """``run_bytes``'s per-model parameter term, ``P (PARAM_COPIES b + 8)`` with the run's
    epochs taken out, holds the built model's parameter count P."""
    config = CONFIGS[name].replace(epochs=5)
    item = 4 if config.dtype == "float32" else 8
    per_model = limits.run_bytes(config, 2, 0) - limits.run_bytes(config, 1, 0) - 5 * 32
    count = sum(p.data.size for p in build_model(config).parameters())
    assert per_model == count * (limits.PARAM_COPIES * item + 8)


@pytest.mark.parametrize(
    "name, models", [("default", 64), ("handout", 64), ("float32", 16), ("cnn", 1)]
)
def test_the_memory_estimate_bounds_the_measured_peak(name, models):
    """Building and training ``models`` models allocates no more than the estimate, and
    the estimate is within 3.5 × of what is allocated (a bound, not a guess)."""
    import tracemalloc

    from backprop.lab.config import build, seed_rngs
    from backprop.lab.data import load

    config = CONFIGS[name].replace(epochs=2)
    X, y = load("linear", 0)
    tracemalloc.start()
    try:
        rng = np.random.default_rng(0) if models == 1 else seed_rngs(range(models))
        build(config, models=None if models == 1 else models, rng=rng).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = limits.run_bytes(config, models, len(X))
    assert peak <= estimate <= 3.5 * peak


def test_a_refusal_describes_the_network_and_the_stack():
    assert limits._describe(bp.CNN.replace(epochs=3), 1) == "the CNN, 3 epochs"
    assert limits._describe(DEFAULT.replace(epochs=1), 1) == "hidden 16 16, 1 epoch"
    assert limits._describe(DEFAULT, 2) == "hidden 16 16 × 2 models, 400 epochs"


def test_an_unwritable_out_is_named_within_80_characters():
    long = "/proc/" + "d" * 200
    with pytest.raises(ValueError) as e:
        limits.check_out(long)
    named = str(e.value).removeprefix("--out ").split(" cannot be written")[0]
    assert len(named) == 80 and long not in str(e.value)


def test_the_plot_term_bounds_a_forward_pass_over_the_plots_points():
    """The decision boundary's forward pass over P points fits its term of the estimate."""
    import tracemalloc

    P = 40_000
    grid = np.random.default_rng(0).uniform(0, 1, (P, 2))
    for config in (DEFAULT, HANDOUT):
        model = build_model(config, rng=np.random.default_rng(0))
        tracemalloc.start()
        try:
            model.forward(grid)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        term = limits.run_bytes(config, 1, 0, P) - limits.run_bytes(config, 1, 0, 0)
        assert peak <= term <= 3.5 * peak, (config.hidden, peak, term)
