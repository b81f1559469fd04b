"""``python -m benchmarks --sections play``: the playground's cost on the server.

One frame is what one ``/api/step`` does: train ``E`` epochs of the ``K``-model stack,
evaluate the 64 × 64 grid for all ``K`` seeds in one forward pass, the hidden units'
thumbnails, encode it all as JSON with base64 heatmaps. Measured at the default setup
(XOR, 2-16-16-1, K = 8 seeds, cosine over 400 epochs), through ``Session`` and the
server's own encoder, without HTTP. Then the time from Play to 100 % on all 8 seeds:
frames until every seed is at 100 % × what they took. The page's frame rate in a real
browser is ``benchmarks/play_browser.py``'s (added to this section when Chromium and
Playwright are there). Targets (issue 10): a frame ≤ 20 ms while training ≥ 2,000
model-epochs/s; 100 % on all seeds within 3 s of Play. At the costliest setups the
page accepts (``EDGES``; issue 19): a frame ≤ 250 ms and a reset ≤ 2 s.
"""

from __future__ import annotations

import json
import statistics
import time

from backprop.checks import plural
from backprop.limits import PAGE_STEP_EPOCHS
from backprop.nn.features import FEATURES
from backprop.play.session import Session, check_cost, finite
from backprop.play.state import State

FRAME_MS, MODEL_EPOCHS, TO_100_S = 20.0, 2000.0, 3.0
SETUP = State()  # the page's default: XOR, 2-16-16-1 tanh, Adam, K = 8, grid 64
PAGE_SPEED = 5  # epochs per frame the page asks for by default (static/state.js)


def _frame(session: Session, epochs: int) -> tuple[float, float]:
    """Seconds to train ``epochs`` and seconds to draw and encode the frame."""
    t0 = time.perf_counter()
    log = session.step(epochs)
    t1 = time.perf_counter()
    json.dumps(finite({"frame": session.frame(log)}), allow_nan=False).encode()
    return t1 - t0, time.perf_counter() - t1


def frame_cost(epochs: int, frames: int) -> dict:
    """Median train and draw time of ``frames`` frames of ``epochs`` epochs each (a run
    that stops, at 100 % or its budget, is reset untimed)."""
    session = Session(SETUP)
    train, draw = [], []
    for _ in range(frames):
        if session.done:
            session.reset(SETUP)
        a, b = _frame(session, epochs)
        train.append(a)
        draw.append(b)
    t, d = statistics.median(train), statistics.median(draw)
    k = SETUP.seeds
    return {
        "epochs/frame E": epochs,
        "train (ms)": t * 1e3,
        "grid + units + encode (ms)": d * 1e3,
        "frame (ms)": (t + d) * 1e3,
        "frames/s": 1 / (t + d),
        "model-epochs/s": k * epochs / (t + d),
    }


def to_100(epochs: int, rounds: int) -> tuple[int, float]:
    """Frames from Play to 100 % on every seed and their wall time (median of rounds)."""
    counts, times = [], []
    for _ in range(rounds):
        session = Session(SETUP)
        n, t0 = 0, time.perf_counter()
        while session.done is None:
            log = session.step(epochs)
            json.dumps(finite({"frame": session.frame(log)}), allow_nan=False)
            n += 1
        times.append(time.perf_counter() - t0)
        counts.append(n)
        assert session.done == "100 %", session.done
    return int(statistics.median(counts)), statistics.median(times)


# The costliest setups the page accepts (issue 19): each at the edge of ``check_cost``
# along one size, the others at the page's largest (all 7 input features).
BIG = {"data": "circle", "n": 2000, "hidden": [64] * 6, "seeds": 32, "features": list(FEATURES)}
BIG |= {"stop": False, "schedule": "constant", "epochs": 1_000_000}  # never done
EDGES = (  # (what is lowered until it passes, the setup)
    ("seeds", {}),
    ("seeds", {"activation": "softplus"}),
    ("n", {}),
    ("hidden", {}),
    ("hidden", {"activation": "gelu"}),
    ("batch_size", {"seeds": 2}),
    ("batch_size", {"seeds": 32, "hidden": [4]}),
    ("seeds", {"data": "xor", "hidden": [1] * 6, "seeds": 1, "test_fraction": 0.5, "l2": 0.01}),
)
FRAME_250_MS, RESET_2_S = 250.0, 2.0


def edge(key: str, setup: dict) -> dict:
    """``BIG`` with ``setup``, then ``key`` at the costliest value the page accepts:
    seeds, points or units lowered, or the batch size raised, until ``check_cost`` passes."""
    state = {**BIG, **setup}
    if key == "batch_size":
        values = range(1, state["n"] + 1)
    else:
        values = range(state["seeds"] if key == "seeds" else 2000 if key == "n" else 64, 0, -1)
    for v in values:
        trial = {**state, key: [v] * len(state["hidden"]) if key == "hidden" else v}
        try:
            check_cost(State.from_dict(trial))
        except ValueError:
            continue
        return trial
    raise AssertionError(f"no {key} passes")


def costliest(frames: int = 5) -> list[dict]:
    """For each of ``EDGES``: reset and median frame time (ms) through ``Api``, as the
    server answers /api/reset and /api/step asking for the page's most epochs a frame."""
    from backprop.play.api import Api

    rows = []
    for key, setup in EDGES:
        state = edge(key, setup)
        api = Api()
        t0 = time.perf_counter()
        sid = json.loads(json.dumps(finite(api.reset({"state": state}))))["id"]
        reset_ms = (time.perf_counter() - t0) * 1e3
        times, reply = [], None
        for _ in range(frames):
            t0 = time.perf_counter()
            reply = json.dumps(finite(api.step({"id": sid, "epochs": PAGE_STEP_EPOCHS})))
            times.append((time.perf_counter() - t0) * 1e3)
        frame = json.loads(reply)["frame"]
        shape = "×".join(map(str, state["hidden"]))
        batch = state.get("batch_size") or "full"
        extra = "".join(
            f", {k} {state[k]}" for k in ("activation", "test_fraction", "l2") if k in state
        )
        rows.append(
            {
                "epochs/frame E": f"costliest: {plural(state['seeds'], 'seed')}, {state['data']} "
                f"{'(21 points)' if state['data'] == 'xor' else state['n']}, "
                f"{shape} hidden, batch {batch}{extra}",
                "reset (ms)": reset_ms,
                "frame (ms)": statistics.median(times),
                "epochs/frame": frame["epoch"] / frames,
                "grid": frame["grid"],
            }
        )
    return rows


def measure(frames: int = 200, rounds: int = 5, browser: bool = True) -> tuple[list, list]:
    """The section's rows and targets (``browser``: add ``play_browser``'s, if it can run)."""
    session = Session(SETUP)
    t0 = time.perf_counter()
    session.frame(reset=True)
    reset_ms = (time.perf_counter() - t0) * 1e3
    rows = [frame_cost(e, frames) for e in (1, 5, 10, 25, 50)]
    page = next(r for r in rows if r["epochs/frame E"] == PAGE_SPEED)
    n, seconds = to_100(PAGE_SPEED, rounds)
    rows.append(
        {
            "epochs/frame E": f"Play → 100 % on all 8 seeds at E = {PAGE_SPEED}: {n} frames",
            "frame (ms)": seconds * 1e3 / n,
            "frames/s": n / seconds,
        }
    )
    rows.append({"epochs/frame E": "reset (build K = 8 + first frame)", "frame (ms)": reset_ms})
    edges = costliest()
    rows += edges
    worst = max(r["frame (ms)"] for r in edges), max(r["reset (ms)"] for r in edges) / 1e3
    met = page["frame (ms)"] <= FRAME_MS and page["model-epochs/s"] >= MODEL_EPOCHS
    targets = [
        (
            f"play: server frame at the page's E = {PAGE_SPEED} (K = 8, grid 64)",
            f"{page['frame (ms)']:.1f} ms, {page['model-epochs/s']:,.0f} model-epochs/s",
            f"≤ {FRAME_MS:.0f} ms, ≥ {MODEL_EPOCHS:,.0f}",
            met,
        ),
        (
            "play: Play → 100 % on 8 seeds (server)",
            f"{seconds:.3f} s",
            f"≤ {TO_100_S:.0f} s",
            seconds <= TO_100_S,
        ),
        (
            "play: slowest frame and reset at the costliest setups the page accepts",
            f"{worst[0]:.0f} ms, {worst[1]:.2f} s",
            f"≤ {FRAME_250_MS:.0f} ms, ≤ {RESET_2_S:.0f} s",
            worst[0] <= FRAME_250_MS and worst[1] <= RESET_2_S,
        ),
    ]
    if browser:
        from . import play_browser

        more_rows, more_targets = play_browser.measure()
        rows += more_rows
        targets += more_targets
    return rows, targets


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--costliest"]:
        for row in costliest():
            print(row)
        raise SystemExit
    rows, targets = measure(browser=False)
    for row in rows:
        print(row)
    for what, got, goal, met in targets:
        print(f"{what}: {got} (target {goal}) {'met' if met else 'NOT met'}")
