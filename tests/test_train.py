"""fit/test: the handout's printed formats, History, stacks equal separate runs, bad input."""

import io
import json
import re

import numpy as np
import pytest

import backprop as bp
from backprop.lab import data
from backprop.lab.config import build, build_model, seed_rngs


def _run(config, X, y, models=None, rng=None, lr=None, epochs=30):
    """``config`` for ``epochs`` at a constant rate (``lr``: one per model of a stack)."""
    run = build(config.replace(epochs=epochs, schedule="constant"), models=models, rng=rng, lr=lr)
    return run.model, run.fit(X, y)


@pytest.mark.parametrize("preset", [bp.DEFAULT, bp.HANDOUT], ids=["default", "handout"])
def test_stack_equals_separate_runs(preset):
    """M models trained as one stack end with exactly the parameters of M separate runs."""
    seeds, lrs = (
        [0, 1, 2, 3],
        np.array([0.05, 0.1, 0.2, 0.4]) * (10 if preset.optimizer == "sgd" else 1),
    )
    Xs, ys = zip(*[data.load("linear", s) for s in seeds])
    stack, hist = _run(preset, np.stack(Xs), np.stack(ys), len(seeds), seed_rngs(seeds), lrs)
    assert hist.loss.shape == hist.accuracy.shape == (30, 4)
    for m, seed in enumerate(seeds):
        single, h1 = _run(preset, Xs[m], ys[m], rng=np.random.default_rng(seed), lr=lrs[m])
        for (name, p), q in zip(stack.named_parameters(), single.parameters()):
            np.testing.assert_allclose(p.data[m], q.data, rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(hist.loss[:, m], h1.loss, rtol=1e-12)


def test_shared_input_stack_equals_separate_runs():
    X, y = data.load("xor")
    seeds = [10, 11, 12]
    stack, _ = _run(bp.DEFAULT, X, y, 3, seed_rngs(seeds))
    for m, seed in enumerate(seeds):
        single, _ = _run(bp.DEFAULT, X, y, rng=np.random.default_rng(seed))
        np.testing.assert_allclose(stack(X)[m], single(X), rtol=1e-12, atol=1e-14)


def test_fit_prints_the_handout_loss_line():
    X, y = data.load("xor")
    model = build_model(bp.DEFAULT, rng=np.random.default_rng(0))
    out = io.StringIO()
    bp.fit(
        model,
        X,
        y,
        loss=bp.BCELoss(),
        optimizer=bp.SGD(model.parameters(), 0.5),
        epochs=20,
        log_every=5,
        file=out,
    )
    lines = out.getvalue().splitlines()
    assert [line.split(" loss : ")[0] for line in lines] == [f"epoch {e}" for e in (5, 10, 15, 20)]
    assert all(re.fullmatch(r"epoch \d+ loss : \d+\.\d+(e-\d+)?", line) for line in lines)


def test_test_prints_predictions_and_summary():
    X, y = data.load("xor")
    model = build_model(bp.DEFAULT, rng=np.random.default_rng(0))
    out = io.StringIO()
    value, acc = bp.test(model, X, y, bp.BCELoss(), file=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 22
    assert re.fullmatch(r"Iter0\tGround truth: 0\.0\tprediction: \d\.\d{5}", lines[0])
    assert lines[20].startswith("Iter20\tGround truth: 1.0\tprediction: ")
    assert lines[-1] == f"loss={value:.5f} accuracy={acc * 100:.2f}%"
    pred = model(X)
    assert acc == np.mean((pred > 0.5) == (y > 0.5))


def test_epochs_to_100_counts_updates_until_100_percent_is_held():
    """After n updates the accuracy is 100 % and stays there; -1 if the run ends below."""
    after = np.array(  # accuracy after 0, 1, 2, 3 updates; one column per model
        [[0.5, 1.0, 0.5, 1.0], [1.0, 1.0, 1.0, 1.0], [0.9, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.9]]
    )
    np.testing.assert_array_equal(bp.train.epochs_to_100(after), [3, 0, 1, -1])
    assert bp.train.epochs_to_100(after[:, 2]) == 1


def test_history_epochs_to_100_uses_the_final_accuracy_and_json(tmp_path):
    acc = np.array([[0.5, 0.5], [1.0, 0.5], [1.0, 0.9]])  # before updates 1, 2, 3
    h = bp.History(np.zeros((3, 2)), acc, final_accuracy=np.array([1.0, 1.0]))
    np.testing.assert_array_equal(h.epochs_to_100, [1, 3])
    h.save(tmp_path / "h.json")
    back = bp.History.load(tmp_path / "h.json")
    np.testing.assert_array_equal(back.accuracy, acc)
    np.testing.assert_array_equal(back.epochs_to_100, [1, 3])


def test_fit_records_the_model_after_its_last_update():
    X, y = bp.lab.data.load("xor", 0)
    model = build_model(bp.DEFAULT.replace(epochs=30), rng=np.random.default_rng(0))
    h = bp.fit(
        model, X, y, loss=bp.BCELoss(), optimizer=bp.Adam(model.parameters(), 0.1), epochs=30
    )
    value, acc = bp.test(model, X, y, bp.BCELoss(), file=io.StringIO())
    assert float(h.final_loss) == value and float(h.final_accuracy) == acc
    assert h.after_updates.shape == (31,) and h.epochs_to_100 >= 0


def test_mismatched_shapes_name_both():
    model = build_model(bp.DEFAULT)
    with pytest.raises(ValueError, match=r"\(5, 2\).*\(4, 1\)"):
        bp.fit(
            model,
            np.zeros((5, 2)),
            np.zeros((4, 1)),
            loss=bp.MSELoss(),
            optimizer=bp.SGD(model.parameters(), 0.1),
            epochs=1,
        )


def test_divergence_names_the_learning_rate():
    X, y = data.load("xor")
    model = build_model(
        bp.DEFAULT.replace(activation="relu", output="identity", loss="mse"),
        rng=np.random.default_rng(0),
    )
    with pytest.raises(
        bp.DivergedError, match=r"the learning rate \(lr=1000000.0\) is probably too large"
    ):
        bp.fit(
            model, X, y, loss=bp.MSELoss(), optimizer=bp.SGD(model.parameters(), 1e6), epochs=100
        )


def test_default_reaches_100_percent_on_both_datasets():
    for name in ("linear", "xor"):
        X, y = data.load(name, seed=0)
        model, hist = _run(bp.DEFAULT, X, y, rng=np.random.default_rng(0), epochs=bp.DEFAULT.epochs)
        assert bp.train.accuracy(model(X), y) == 1.0, name


def test_test_refuses_a_stack():
    X, y = data.load("xor")
    stack = build_model(bp.DEFAULT, models=2, rng=np.random.default_rng(0))
    with pytest.raises(
        ValueError, match=r"one model's predictions; the model returned \(2, 21, 1\)"
    ):
        bp.test(stack, X, y, bp.BCELoss(), file=io.StringIO())


def test_callback_sees_every_epoch_and_its_loss():
    """``callback(epoch, loss)`` after each update: epochs 1 … T, the loss ``History``
    records for that epoch (one per model of a stack)."""
    X, y = data.load("xor")
    seen = []
    run = build(bp.DEFAULT.replace(epochs=7), models=2, rng=seed_rngs([0, 1]))
    hist = run.fit(X, y, callback=lambda epoch, loss: seen.append((epoch, np.copy(loss))))
    assert [e for e, _ in seen] == list(range(1, 8))
    np.testing.assert_array_equal(np.stack([v for _, v in seen]), hist.loss)
    assert hist.loss.shape == (7, 2)


def test_fused_must_be_none_true_or_false():
    X, y = data.load("xor")
    run = build(bp.DEFAULT.replace(epochs=1), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="fused must be None .automatic., True or False, got 'no'"):
        run.fit(X, y, fused="no")


# --- Generalization: test set, mini-batches, penalties ----------------------------------


def _gen(config=bp.DEFAULT, epochs=20, **changes):
    return config.replace(epochs=epochs, schedule="constant", **changes)


def test_test_set_is_recorded_after_0_to_t_epochs_without_the_penalty():
    X, y = data.load("circle", 0, n=60)
    Xtr, ytr, Xte, yte = data.split(X, y, 0.25, np.random.default_rng(0))
    run = build(_gen(l2=0.01), rng=np.random.default_rng(1))
    before = run.loss(run.model(Xte), yte)[0]
    hist = run.fit(Xtr, ytr, test=(Xte, yte))
    assert hist.test_loss.shape == hist.test_accuracy.shape == (21,)
    assert hist.test_loss[0] == pytest.approx(before, rel=1e-12)
    value, acc = bp.evaluate(run.model, Xte, yte, run.loss, file=io.StringIO())
    assert hist.test_loss[-1] == pytest.approx(value, rel=1e-12)
    assert hist.test_accuracy[-1] == acc
    plain = build(_gen(), rng=np.random.default_rng(1)).fit(Xtr, ytr)
    assert plain.test_loss is None and plain.test_accuracy is None and plain.penalty is None


def test_test_loss_is_printed_beside_the_training_loss():
    X, y = data.load("xor")
    out = io.StringIO()
    build(_gen(epochs=4), rng=np.random.default_rng(0)).fit(
        X, y, test=(X[:5], y[:5]), log_every=2, file=out
    )
    assert re.fullmatch(r"(epoch [24] loss : \S+  test loss : \S+\n){2}", out.getvalue())


@pytest.mark.parametrize("per_model", [False, True], ids=["shared data", "data per model"])
def test_minibatch_stack_equals_separate_runs(per_model):
    """K seeds as one stack, batches of 8, equal K separate fits to 1e-12: the stack's
    models share the shuffle (and their test curves are theirs alone)."""
    seeds = [4, 5, 6]
    sets = [data.load("circle", s if per_model else 3, n=50) for s in seeds]
    Xs, ys = np.stack([x for x, _ in sets]), np.stack([t for _, t in sets])
    if not per_model:
        Xs, ys = Xs[0], ys[0]
    test = (Xs[..., :10, :], ys[..., :10, :])
    config = _gen(batch_size=8, l1=1e-3)
    stack = build(config, models=3, rng=seed_rngs(seeds), shuffle=9)
    hist = stack.fit(Xs, ys, test=test)
    assert hist.test_loss.shape == (21, 3)
    for m, seed in enumerate(seeds):
        single = build(config, rng=np.random.default_rng(seed), shuffle=9)
        h1 = single.fit(*sets[m], test=(sets[m][0][:10], sets[m][1][:10]))
        for p, q in zip(stack.model.parameters(), single.model.parameters()):
            np.testing.assert_allclose(p.data[m], q.data, rtol=1e-12, atol=1e-12)
        for k in ("loss", "penalty", "test_loss", "test_accuracy"):
            np.testing.assert_allclose(getattr(hist, k)[:, m], getattr(h1, k), rtol=1e-12)


def test_an_epoch_is_one_pass_of_shuffled_batches(monkeypatch):
    X, y = data.load("circle", 0, n=23)
    run = build(_gen(epochs=3, batch_size=5), rng=np.random.default_rng(0))
    seen = []
    forward = run.model.forward
    monkeypatch.setattr(run.model, "forward", lambda x: seen.append(len(x)) or forward(x))
    steps = []
    step = run.optimizer.step
    monkeypatch.setattr(run.optimizer, "step", lambda: steps.append(1) or step())
    run.fit(X, y)
    assert len(steps) == 3 * 5  # ceil(23 / 5) steps an epoch
    # each epoch: the whole set (recorded), then batches 5 5 5 5 3; the final forward
    assert seen == [23, 5, 5, 5, 5, 3] * 3 + [23]


def test_batches_are_seeded_and_reshuffled_each_epoch(monkeypatch):
    X, y = data.load("circle", 0, n=40)
    fit = lambda shuffle, seed=0: build(  # noqa: E731
        _gen(batch_size=10), rng=np.random.default_rng(seed), shuffle=shuffle
    ).fit(X, y)
    assert np.array_equal(fit(1).loss, fit(1).loss)
    assert not np.array_equal(fit(1).loss, fit(2).loss)
    run = build(_gen(epochs=3, batch_size=10), rng=np.random.default_rng(0))
    batches = []
    forward = run.model.forward
    monkeypatch.setattr(run.model, "forward", lambda x: batches.append(x[:, 0]) or forward(x))
    run.fit(X, y)
    # per epoch: the whole set, then 4 batches that together are a shuffle of it
    epochs = [np.concatenate(batches[1 + 5 * e : 5 + 5 * e]) for e in range(3)]
    for order in epochs:
        assert sorted(order) == sorted(X[:, 0]) and not np.array_equal(order, X[:, 0])
    assert not np.array_equal(epochs[0], epochs[1])


def test_batch_size_of_all_points_is_the_full_batch_and_the_fused_path():
    X, y = data.load("xor")
    full = build(_gen(), rng=np.random.default_rng(0)).fit(X, y, fused=True)
    whole = build(_gen(batch_size=21), rng=np.random.default_rng(0)).fit(X, y, fused=True)
    np.testing.assert_array_equal(full.loss, whole.loss)
    with pytest.raises(ValueError, match="full batch, no test set"):
        build(_gen(batch_size=5), rng=np.random.default_rng(0)).fit(X, y, fused=True)


@pytest.mark.parametrize("stack", [None, 3])
def test_penalty_on_the_fused_path_equals_the_reference(stack):
    X, y = data.load("xor")
    config = _gen(l1=1e-3, l2=1e-2, features=("x1", "x2", "x1x2", "sinx1"))
    rng = lambda: np.random.default_rng(2) if stack is None else seed_rngs([2, 3, 4])  # noqa: E731
    a = build(config, models=stack, rng=rng())
    b = build(config, models=stack, rng=rng())
    ha, hb = a.fit(X, y, fused=True), b.fit(X, y, fused=False)
    np.testing.assert_allclose(ha.loss, hb.loss, rtol=1e-12)
    np.testing.assert_allclose(ha.penalty, hb.penalty, rtol=1e-12)
    for p, q in zip(a.model.parameters(), b.model.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fused", [None, False])
def test_history_loss_includes_the_penalty_of_the_weights_only(fused):
    X, y = data.load("xor")
    run = build(_gen(epochs=1, l1=0.1, l2=0.2), rng=np.random.default_rng(0))
    ws = [p.data.copy() for p in bp.nn.penalty.weights(run.model)]
    for lin in run.model.modules[1::2]:
        lin.bias.data += 5.0  # a bias is not penalised
    data_loss = run.loss(run.model(X), y)[0]
    hist = run.fit(X, y, fused=fused)
    want = sum(0.1 * np.abs(w).sum() + 0.1 * (w * w).sum() for w in ws)
    assert hist.penalty[0] == pytest.approx(want, rel=1e-12)
    assert hist.loss[0] == pytest.approx(data_loss + want, rel=1e-12)


@pytest.mark.parametrize("models", [None, 2])
@pytest.mark.parametrize(("l1", "l2"), [(0.3, 0.0), (0.0, 0.7), (0.05, 0.2)])
def test_penalised_loss_gradcheck(l1, l2, models):
    from backprop.gradcheck import check_penalised

    X, y = data.load("circle", 1, n=12)
    config = _gen(hidden=(4, 3), features=("x1", "x2", "x1sq", "x1x2"))
    model = build_model(config, models=models, rng=np.random.default_rng(3))
    errors = check_penalised(model, bp.BCELoss(), bp.nn.Penalty(l1, l2), X, y)
    assert max(errors.values()) < 1e-6, errors


def test_fit_refuses_bad_generalization_arguments():
    X, y = data.load("xor")
    run = build(_gen(), rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="batch_size needs rng"):
        run.fit(X, y, rng=None, batch_size=4)
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        run.fit(X, y, batch_size=0)
    with pytest.raises(TypeError, match="test must be a pair"):
        run.fit(X, y, test=X)
    with pytest.raises(ValueError, match="X has 3 features"):
        run.fit(X, y, test=(np.zeros((4, 3)), y[:4]))
    with pytest.raises(TypeError, match="penalty must be a Penalty"):
        run.fit(X, y, penalty=0.1)


def test_history_json_keeps_test_and_penalty(tmp_path):
    X, y = data.load("xor")
    hist = build(_gen(l2=0.1), rng=np.random.default_rng(0)).fit(X, y, test=(X, y))
    hist.save(tmp_path / "h.json")
    back = bp.History.load(tmp_path / "h.json")
    for k in ("penalty", "test_loss", "test_accuracy"):
        np.testing.assert_array_equal(getattr(back, k), getattr(hist, k))
    plain = build(_gen(), rng=np.random.default_rng(0)).fit(X, y).to_dict()
    assert not {"penalty", "test_loss", "test_accuracy"} & set(plain)


@pytest.mark.parametrize("fused", [None, False])
def test_final_accuracy_uses_the_loss_threshold(fused):
    """With logits, class 1 is z > 0 (σ(z) > 0.5): z = 0.2 is right for label 1 though
    below 0.5. The final accuracy, like every epoch's, reads ``loss.threshold``."""
    X = np.array([[0.2], [0.3], [-0.4], [-0.1]])
    y = np.array([[1.0], [1.0], [0.0], [0.0]])
    model = bp.nn.Sequential(bp.Linear(1, 1))
    weight, bias = model.parameters()
    weight.data[...], bias.data[...] = 1.0, 0.0  # z = x
    loss = bp.BCEWithLogitsLoss()
    h = bp.fit(
        model, X, y, loss=loss, optimizer=bp.SGD(model.parameters(), 1e-9), epochs=2, fused=fused
    )
    assert h.accuracy.tolist() == [1.0, 1.0] and float(h.final_accuracy) == 1.0
    assert float(bp.train.accuracy(model(X), y)) == 0.5  # what threshold 0.5 would say


def test_history_saves_every_field_and_loads_it_back(tmp_path):
    X, y = data.load("xor")
    model, h = _run(bp.DEFAULT, X, y, epochs=12)
    h.config = {"lr": 0.1}
    h.save(tmp_path / "h.json")
    text = (tmp_path / "h.json").read_text()
    assert text.startswith('{\n "loss": [')  # indent=1, as the lab writes it
    d = json.loads(text)
    assert list(d) == [
        "loss",
        "accuracy",
        "final_loss",
        "final_accuracy",
        "epochs_to_100",
        "config",
    ]
    assert d["epochs_to_100"] == h.epochs_to_100 and d["config"] == {"lr": 0.1}
    back = bp.History.load(tmp_path / "h.json")
    np.testing.assert_array_equal(back.loss, h.loss)
    assert back.final_loss == h.final_loss and back.config == {"lr": 0.1}
    (tmp_path / "old.json").write_text(json.dumps({"loss": [1.0], "accuracy": [0.5]}))
    old = bp.History.load(tmp_path / "old.json")  # no final values, no config
    assert old.final_loss is None and old.final_accuracy is None and old.config == {}


def test_every_epochs_accuracy_and_loss_are_of_the_model_after_its_updates():
    """Each epoch's accuracy and loss are those of the model after as many updates
    (checked from the callback); accuracy is per model of a stack. 5000 points × 1000
    epochs fill the scorer's 4 MB blocks more than once, with over 255 hits an epoch."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (5000, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    run = bp.build(
        bp.DEFAULT.replace(hidden=(4,), epochs=1000, lr=0.01), rng=np.random.default_rng(0)
    )
    seen, losses = [], [float(run.loss(run.model(X), y)[0])]

    def score(epoch, loss):
        seen.append(float(bp.train.accuracy(run.model(X), y)))
        losses.append(float(run.loss(run.model(X), y)[0]))

    h = bp.fit(
        run.model,
        X,
        y,
        loss=run.loss,
        optimizer=run.optimizer,
        epochs=1000,
        scheduler=run.scheduler,
        callback=score,
        fused=False,
    )
    assert len(set(seen)) > 10  # it learns: the accuracy changes
    np.testing.assert_array_equal(h.accuracy[1:], seen[:-1])
    assert float(h.final_accuracy) == seen[-1]
    np.testing.assert_allclose(h.loss, losses[:-1], rtol=1e-12)  # and each epoch's loss
    assert float(h.final_loss) == pytest.approx(losses[-1], rel=1e-12)
    stack = np.stack([y, 1 - y])
    assert bp.train.accuracy(stack, y).tolist() == [1.0, 0.0]


def test_fit_is_silent_by_default(capsys):
    X, y = data.load("xor")
    _run(bp.DEFAULT, X, y, epochs=3)
    assert capsys.readouterr().out == ""


def test_test_prints_probabilities_for_a_logits_loss():
    X = np.array([[0.2], [-3.0]])
    y = np.array([[1.0], [0.0]])
    model = bp.nn.Sequential(bp.Linear(1, 1))
    weight, bias = model.parameters()
    weight.data[...], bias.data[...] = 1.0, 0.0  # z = x
    out = io.StringIO()
    value, acc = bp.test(model, X, y, bp.BCEWithLogitsLoss(), file=out)
    lines = out.getvalue().splitlines()
    assert lines[:2] == [
        "Iter0\tGround truth: 1.0\tprediction: 0.54983",  # σ(0.2)
        "Iter1\tGround truth: 0.0\tprediction: 0.04743",  # σ(-3)
    ]
    assert acc == 1.0


def test_a_size_mismatch_is_said_with_the_sizes_to_build():
    model = bp.Sequential(bp.Linear(2, 4), bp.Tanh(), bp.Linear(4, 1), bp.Sigmoid())
    opt = bp.SGD(model.parameters(), lr=0.1)
    X, y = np.zeros((5, 3)), np.zeros((5, 1))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "X has 3 features but the first Linear takes 2; build it as Linear(3, ...)"
        ),
    ):
        bp.fit(model, X, y, loss=bp.BCELoss(), optimizer=opt, epochs=1)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "y has 2 outputs per sample but the last Linear gives 1; reshape y to (N, 1)"
        ),
    ):
        bp.fit(
            model, np.zeros((5, 2)), np.zeros((5, 2)), loss=bp.BCELoss(), optimizer=opt, epochs=1
        )


def test_divergence_says_the_loss_it_reached():
    model = bp.Sequential(bp.Linear(2, 1))
    X, y = np.array([[1e200, 1e200], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    opt = bp.SGD(model.parameters(), lr=1.0)
    with pytest.raises(
        bp.DivergedError,
        match=r"^the loss became (inf|nan) at epoch \d+: the learning rate \(lr=1.0\)",
    ):
        bp.fit(model, X, y, loss=bp.MSELoss(), optimizer=opt, epochs=5)
