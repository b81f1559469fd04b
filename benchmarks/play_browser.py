"""``python -m benchmarks.play_browser``: the playground page in a real browser.

Frames per second the page draws while playing, and the time from pressing Play to
100 % on every seed, at the default setup (XOR, 2-16-16-1, K = 8 seeds, 64 × 64 grid),
with the real server on a free port and Debian's Chromium driven by Playwright. The
page counts its frames (``window.__play``): a frame is one /api/step answered and every
view drawn. XOR reaches 100 % in a few dozen epochs and the server stops there, so the
seconds of Play are many short runs, each Reset and played again; only frames drawn
while playing, over the time spent playing, count. Targets (issue 10): ≥ 25 frames/s;
100 % within 3 s of pressing Play.

``measure`` returns ``(rows, targets)`` like the sections of ``benchmarks/suite.py``, or
``([], [])`` with a message when Playwright or Chromium is missing.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import statistics
import sys
import threading
from collections.abc import Iterator
from urllib.parse import quote

# Chromium as this benchmark and tests/test_play_browser.py launch it.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    """Debian's Chromium (Playwright's own download cannot work offline)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@contextlib.contextmanager
def serving() -> Iterator[str]:
    """The real server on a free port, serving in a thread: its base URL."""
    from backprop.play.server import make_server

    httpd = make_server(port=0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    try:
        yield f"http://{host}:{port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


SETUP = {"data": "xor", "hidden": [16, 16], "seeds": 8, "grid": 64}
FPS_TARGET = 25.0
TO_100_TARGET = 3.0  # seconds

# Press Play, resolve with the milliseconds until every seed is at 100 % (or null if
# the run stopped first).
TO_100 = """() => new Promise((resolve) => {
  const play = window.__play;
  const t0 = performance.now();
  document.getElementById('play').click();
  const check = () => {
    const f = play.frame;
    if (f && f.epoch > 0 && f.accuracy.every((a) => a >= 1)) resolve(performance.now() - t0);
    else if (!play.playing && f && f.done) resolve(null);
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})"""

# Play for `ms` of playing time (Reset and Play again whenever the run stops); resolve
# with the frames drawn while playing and the playing time.
PLAY_FOR = """(ms) => new Promise((resolve) => {
  const play = window.__play;
  const [f0, t0] = [play.playFrames, play.playMs];
  const tick = () => {
    if (play.playMs - t0 >= ms) {
      document.getElementById('play').click();  // pause
      resolve([play.playFrames - f0, play.playMs - t0]);
      return;
    }
    if (!play.playing) {
      document.getElementById('reset').click();
      document.getElementById('play').click();
    }
    setTimeout(tick, 50);
  };
  tick();
})"""


def measure(seconds: float = 5.0, rounds: int = 3) -> tuple[list[dict], list[tuple]]:
    """Frames/s over ``seconds`` of Play and the time to 100 %, the median of ``rounds``."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("play_browser: skipped, Playwright for Python is not installed", file=sys.stderr)
        return [], []
    browser_path = chromium()
    if browser_path is None:
        print("play_browser: skipped, no Chromium on PATH", file=sys.stderr)
        return [], []
    fps, to_100 = [], []
    with serving() as base, sync_playwright() as p:
        url = f"{base}#{quote(json.dumps(SETUP))}"
        browser = p.chromium.launch(executable_path=browser_path, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for _ in range(rounds):
            page.goto("about:blank")  # a fresh page each round (a hash alone would not load)
            page.goto(url)
            page.get_by_role("status").filter(has_text="Epoch 0").wait_for()
            ms = page.evaluate(TO_100)
            to_100.append(float("inf") if ms is None else ms / 1000)
            frames, ms = page.evaluate(PLAY_FOR, seconds * 1000)
            speed = page.evaluate("() => __play.speeds[__play.state._speed]")
            fps.append(frames / (ms / 1000))
        browser.close()
    f, t = statistics.median(fps), statistics.median(to_100)
    rows = [
        {
            "setup": f"XOR 2-16-16-1, K = 8, grid 64, {speed} epochs/frame",
            "frames/s drawn": f,
            "Play → 100 % on all seeds (s)": t,
            "rounds": rounds,
        }
    ]
    targets = [
        ("frames/s drawn in Chromium", f"{f:.1f}", f"≥ {FPS_TARGET:.0f}", f >= FPS_TARGET),
        ("Play → 100 % on 8 seeds", f"{t:.2f} s", f"≤ {TO_100_TARGET:.0f} s", t <= TO_100_TARGET),
    ]
    return rows, targets


if __name__ == "__main__":
    rows, targets = measure()
    for row in rows:
        print(row)
    for what, measured, goal, ok in targets:
        print(f"{what}: {measured} (target {goal}) {'met' if ok else 'NOT met'}")
