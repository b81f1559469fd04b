"""The playground page in a real browser: Playwright for Python driving Debian's Chromium.

The real server (``backprop.play.server``) runs on port 0 in a thread; the test loads the
page, picks XOR, presses Play until the status says 100 %, changes the activation and sees
the heatmap change, adds a point by clicking the heatmap, reads the command that
reproduces the run; a short spiral run gives the screenshot the README shows
(docs/play.png).

Without Playwright or Chromium the tests skip and say why, except under ``CI=true``,
where they fail (``.ci/run`` installs Chromium).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from benchmarks.play_browser import ARGS, chromium, serving

SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "play.png"
TIMEOUT = 60_000  # ms: the slowest wait (100 % on XOR) takes about a second here


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if chromium() is None:
        return "no Chromium found on PATH (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="module")
def server():
    """The real server on a free port, serving in a thread; its base URL."""
    reason = _unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, so the browser test must run, but: {reason}")
        pytest.skip(reason)
    with serving() as base:
        yield base


@pytest.fixture(scope="module")
def browser(server):
    """One Chromium for the module; each test opens its own tab (``page``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=ARGS)
        yield browser
        browser.close()


def open_page(browser, server, width: int = 1400, height: int = 1000):
    """A fresh tab (own context) on the page; console and page errors in ``tab.errors``."""
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT)
    tab.errors = []
    # a refusal's 400 is logged by Chromium; the page shows it in its alert line
    refusal = "the server responded with a status of 400"
    tab.on(
        "console",
        lambda m: m.type == "error" and refusal not in m.text and tab.errors.append(m.text),
    )
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.goto(server)
    tab.get_by_role("status").filter(has_text="Epoch 0").wait_for()
    return tab


@pytest.fixture
def page(browser, server):
    tab = open_page(browser, server)
    yield tab
    tab.context.close()


def heatmap_pixels(page) -> list[int]:
    return page.evaluate(
        """() => {
          const c = document.getElementById('heatmap');
          return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
        }"""
    )


def pixel_at(page, canvas: str, x: float, y: float) -> list[int]:
    """The RGBA of a canvas at CSS pixel (x, y) from its top left."""
    return page.evaluate(
        """([id, x, y]) => {
          const c = document.getElementById(id);
          const r = c.width / c.clientWidth;
          return Array.from(c.getContext('2d').getImageData(x * r, y * r, 1, 1).data);
        }""",
        [canvas, x, y],
    )


def wait_for_status(page, text: str) -> None:
    page.get_by_role("status").filter(has_text=text).wait_for()


def test_xor_trains_to_100_then_activation_click_and_command(page):
    status = page.get_by_role("status")
    page.get_by_label("Dataset", exact=True).select_option("xor")
    page.get_by_role("button", name="Play").click()
    wait_for_status(page, "accuracy 100 %")
    assert page.get_by_role("button", name="Play").is_visible()  # paused itself at 100 %
    trained = heatmap_pixels(page)
    # on pause, the handout's test printout: Iter… lines, then loss=… accuracy=…%
    page.wait_for_function("() => document.getElementById('printout').value.includes('accuracy=')")
    assert "Iter0\tGround truth" in page.get_by_label("Printout").input_value()

    page.get_by_label("Activation", exact=True).select_option("relu")
    wait_for_status(page, "Epoch 0 ")  # an architecture change starts a new run
    fresh = heatmap_pixels(page)
    changed = sum(a != b for a, b in zip(trained, fresh))
    assert changed > len(trained) // 20, f"the heatmap barely changed ({changed} values)"

    # Click the plane's point (0.5, 0.15) (no XOR point there): a class-1 point appears.
    box = page.locator("#points").bounding_box()
    extent = page.evaluate("() => window.__play.frame.extent")
    x = (0.5 - extent[0]) / (extent[1] - extent[0]) * box["width"]
    y = (extent[3] - 0.15) / (extent[3] - extent[2]) * box["height"]
    before, frames = page.evaluate("() => [window.__play.points.length, window.__play.frames]")
    page.locator("#points").click(position={"x": x, "y": y})
    # the server's frame of the new run, with its points, is drawn
    drawn = "() => window.__play.frames > %d && window.__play.frame.points?.length === %d"
    page.wait_for_function(drawn % (frames, before + 1))
    red, green, blue, _ = pixel_at(page, "points", x, y)
    assert red > 200 and 100 < green < 190 and blue < 100, "no orange point where clicked"
    assert "points" in page.evaluate("() => decodeURIComponent(location.hash)")

    page.get_by_role("button", name="Play").click()
    wait_for_status(page, "Done")
    page.get_by_role("button", name="Copy command").click()
    command = page.get_by_label("Command")
    page.wait_for_function("() => document.getElementById('command').value !== ''")
    line = command.input_value()
    assert line.startswith("backprop train"), line
    assert "--activation relu" in line and "points.csv" in line, line
    assert status.text_content().startswith("Done")
    assert page.errors == []


def test_spiral_trains_and_the_screenshot_is_saved(page):
    """The README's picture: the default network on the spiral, trained to its budget."""
    page.get_by_label("Dataset", exact=True).select_option("spiral")
    page.get_by_label("Speed (epochs per frame)").fill("6")  # SPEEDS[6]: 20 epochs a frame
    page.get_by_role("button", name="Play").click()
    wait_for_status(page, "Done")
    accuracy = page.evaluate("() => window.__play.frame.accuracy")
    assert sorted(accuracy)[len(accuracy) // 2] > 0.8, accuracy  # the median seed learned it
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert page.errors == []


def test_link_reopens_the_same_setup_and_space_plays(page, server):
    page.get_by_role("button", name="Handout").click()  # its network, then four changes
    page.get_by_label("Seeds", exact=True).fill("3")
    page.get_by_label("Seeds", exact=True).press("Enter")
    page.get_by_label("Hidden layers", exact=True).fill("8, 4, 4")
    page.get_by_label("Hidden layers", exact=True).press("Enter")
    page.get_by_role("button", name="More units in layer 2").click()
    wait_for_status(page, "of 3 seeds")
    link = page.url
    assert '"hidden":[8,5,4]' in page.evaluate("() => decodeURIComponent(location.hash)")

    other = page.context.new_page()  # a second tab opening the link
    other.on("pageerror", lambda e: page.errors.append(str(e)))
    other.goto(link)
    wait_for_status(other, "of 3 seeds")
    assert other.get_by_label("Hidden layers", exact=True).input_value() == "8, 5, 4"
    assert other.get_by_label("Activation", exact=True).input_value() == "sigmoid"  # the handout's
    assert other.get_by_label("Loss", exact=True).input_value() == "mse"

    other.locator("body").press("Space")
    other.get_by_role("button", name="Pause").wait_for()
    other.locator("body").press("Space")
    other.get_by_role("button", name="Play").wait_for()
    assert page.errors == []


def test_a_diverging_run_names_the_learning_rate_and_a_smaller_one_trains(page):
    hash_ = {"activation": "relu", "output": "identity", "loss": "mse", "optimizer": "sgd"}
    hash_ |= {"lr": 50, "schedule": "constant"}
    page.evaluate("(s) => { location.hash = encodeURIComponent(JSON.stringify(s)); }", hash_)
    wait_for_status(page, "· lr 50")
    page.get_by_role("button", name="Play").click()
    error = page.get_by_role("alert")
    error.filter(has_text="learning rate").wait_for()
    assert "lr=50" in error.text_content()
    page.get_by_role("button", name="Play").wait_for()  # paused; the server still answers

    page.get_by_label("Learning rate").fill("-2")  # the slider is log10(lr): 0.01
    wait_for_status(page, "· lr 0.01")
    assert error.is_hidden()
    page.get_by_role("button", name="Step").click()
    wait_for_status(page, "Epoch 1 ")


def test_without_stop_at_100_the_run_trains_on_to_its_budget(page):
    page.get_by_label("Stop at 100 %").uncheck()
    page.get_by_label("Speed (epochs per frame)").fill("7")  # SPEEDS[7]: 50 epochs a frame
    page.get_by_role("button", name="Play").click()
    wait_for_status(page, "the epoch budget is spent")
    assert "Epoch 400 " in page.get_by_role("status").text_content()
    assert '"stop":false' in page.evaluate("() => decodeURIComponent(location.hash)")
    assert page.errors == []


def test_loss_and_output_stay_a_pair_the_server_accepts(page):
    """The page pairs them by /api/options' loss_output rule: a loss sets the output it
    needs; an output the loss cannot take picks the loss that needs it, or one that needs
    none; the limits it clamps to are the server's."""
    loss = page.get_by_label("Loss", exact=True)
    output = page.get_by_label("Output activation", exact=True)
    hash_ = lambda: page.evaluate("() => decodeURIComponent(location.hash)")  # noqa: E731
    for pick, value, pair in [
        (loss, "bce-logits", (output, "identity")),
        (output, "sigmoid", (loss, "bce")),
        (output, "tanh", (loss, "mse")),
        (loss, "bce", (output, "sigmoid")),
    ]:
        pick.select_option(value)
        assert pair[0].input_value() == pair[1]
        wait_for_status(page, "Epoch 0")
        assert f'"output":"{output.input_value()}"' in hash_()
    assert page.get_by_label("Seeds", exact=True).get_attribute("max") == "32"
    assert page.get_by_label("Points", exact=True).get_attribute("min") == "2"
    assert page.get_by_role("alert").is_hidden()
    assert page.errors == []


def state_in_url(page) -> dict:
    import json
    from urllib.parse import unquote

    return json.loads(unquote(page.evaluate("() => location.hash.slice(1)")))


def focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.tagName")


def tab_to(page, target: str, presses: int = 120) -> None:
    """Tab until ``#target`` has focus (the keyboard's only way there)."""
    for _ in range(presses):
        if focused(page) == target:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{target}")


def test_keyboard_only_walk(page):
    """Tab reaches every control; Space and Enter do what the focused one does; Space
    plays only on Play or with nothing focused; the plane takes points by keyboard."""
    seen = []
    for _ in range(90):
        page.keyboard.press("Tab")
        seen.append(focused(page))
    controls = ["reset", "play", "step", "lr", "activation", "optimizer", "seeds"]
    controls += ["preset-handout", "preset-default", "dataset", "data-seed", "clear-points"]
    controls += ["csv-upload", "csv-download", "speed", "seed", "stop100", "schedule", "epochs"]
    controls += ["layer-remove", "layer-add", "hidden", "output", "loss", "init", "bias"]
    controls += ["normalize", "points", "selected", "printout", "command", "copy-command"]
    controls += ["download-model", "download-history", "hyper-eps"]
    missing = [c for c in controls if c not in seen]
    assert not missing, (missing, seen)

    page.locator("body").click(position={"x": 5, "y": 5})  # nothing focused
    tab_to(page, "stop100")
    page.keyboard.press("Space")  # toggles the box, does not play
    assert state_in_url(page)["stop"] is False and not page.evaluate("() => window.__play.playing")
    page.keyboard.press("Space")
    assert state_in_url(page)["stop"] is True

    tab_to(page, "step")
    page.keyboard.press("Space")
    wait_for_status(page, "Epoch 1 ")
    page.keyboard.press("Enter")
    wait_for_status(page, "Epoch 2 ")
    assert not page.evaluate("() => window.__play.playing")

    tab_to(page, "lr")
    assert page.locator("#lr").get_attribute("aria-valuetext") == "learning rate 0.1"
    page.keyboard.press("ArrowRight")
    assert page.locator("#lr").get_attribute("aria-valuetext") == "learning rate 0.11"
    assert page.locator("#speed").get_attribute("aria-valuetext") == "5 epochs per frame"
    page.keyboard.press("Space")  # on a slider: nothing plays
    assert not page.evaluate("() => window.__play.playing")

    tab_to(page, "play")
    page.keyboard.press("Space")
    page.get_by_role("button", name="Pause").wait_for()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Play").wait_for()

    tab_to(page, "csv-upload")  # the hidden file input: its label shows the ring
    ring = "() => getComputedStyle(document.querySelector('label[for=csv-upload]')).outlineStyle"
    assert page.evaluate(ring) == "solid"

    # the plane: arrows move the cursor, Enter adds a class-1 point, Shift+Enter class 0
    tab_to(page, "points")
    plane = page.locator("#points")
    start = plane.get_attribute("aria-valuetext")
    page.keyboard.press("ArrowUp")
    assert plane.get_attribute("aria-valuetext") != start
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__play.frame.points?.length === 22")
    assert state_in_url(page)["points"][-1][2] == 1
    assert "Switched to your points" in page.locator("#draw-note").text_content()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("() => window.__play.frame.points?.length === 23")
    assert state_in_url(page)["points"][-1][2] == 0
    assert page.get_by_label("Points", exact=True).input_value() == "23"

    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Space")  # nothing focused: Space plays
    page.get_by_role("button", name="Pause").wait_for()
    page.keyboard.press("Space")
    assert page.errors == []


def test_phone_layout(browser, server):
    """390 × 844: no horizontal scrolling, the panels stacked, Play/Step/Reset, the rate
    and the data set first, and it trains."""
    tab = open_page(browser, server, 390, 844)
    try:
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
        top = lambda sel: tab.locator(sel).bounding_box()["y"]  # noqa: E731
        assert max(top("#play"), top("#step"), top("#reset"), top("#lr")) < top("#dataset")
        assert top("#dataset") < top("#heatmap") < top("#net")  # stacked, output first
        # the training options start folded, so the plane is a short scroll from Play
        assert not tab.locator("#speed").is_visible() and top("#heatmap") < 1.25 * 844
        tab.get_by_text("Training", exact=True).click()
        assert tab.locator("#speed").is_visible() and top("#heatmap") > 1.25 * 844
        for sel in ("#play", "#dataset", "#lr", "#heatmap"):
            box = tab.locator(sel).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, sel
        tab.get_by_role("button", name="Step").click()
        tab.get_by_role("status").filter(has_text="Epoch 1 ").wait_for()
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert tab.errors == []
    finally:
        tab.context.close()


def test_entries_out_of_range_are_refused_not_clamped(page):
    alert = page.get_by_role("alert")
    seeds = page.get_by_label("Seeds", exact=True)
    seeds.fill("33")
    seeds.press("Enter")
    alert.filter(has_text="seeds must be a whole number between 1 and 32, got 33").wait_for()
    assert state_in_url(page)["seeds"] == 8 and seeds.get_attribute("aria-invalid") == "true"
    hidden = page.get_by_label("Hidden layers", exact=True)
    hidden.fill("3,-2")
    hidden.press("Enter")
    alert.filter(has_text='got "3,-2"').wait_for()
    assert state_in_url(page)["hidden"] == [16, 16]
    page.get_by_role("button", name="Step").click()  # a frame does not hide the refusal
    wait_for_status(page, "Epoch 1 ")
    assert 'got "3,-2"' in alert.text_content()
    hidden.fill("3, 2")
    hidden.press("Enter")
    wait_for_status(page, "Epoch 0 ")
    assert state_in_url(page)["hidden"] == [3, 2] and alert.is_hidden()
    assert page.errors == []


def test_clear_and_the_real_point_count(page):
    count = page.get_by_label("Points", exact=True)
    assert count.input_value() == "21"  # XOR's points, not the generators' 100
    page.get_by_role("button", name="Clear points").click()
    assert "Cleared" in page.locator("#draw-note").text_content()
    box = page.locator("#points").bounding_box()
    frames = page.evaluate("() => window.__play.frames")
    page.locator("#points").click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.3})
    assert "add at least 2" in page.locator("#draw-note").text_content()
    assert page.evaluate("() => window.__play.frames") == frames  # nothing to train yet
    page.locator("#points").click(
        position={"x": box["width"] * 0.7, "y": box["height"] * 0.7}, modifiers=["Shift"]
    )
    page.wait_for_function("() => window.__play.frame.points?.length === 2")
    assert [p[2] for p in state_in_url(page)["points"]] == [1, 0]
    assert count.input_value() == "2"
    assert page.errors == []


def test_a_stuck_loss_names_the_rate_and_the_default_command_is_exact(page):
    hash_ = {"lr": 20, "schedule": "constant"}
    page.evaluate("(s) => { location.hash = encodeURIComponent(JSON.stringify(s)); }", hash_)
    wait_for_status(page, "· lr 20")
    page.get_by_role("button", name="Play").click()
    page.get_by_role("alert").filter(has_text="learning rate (lr=20)").wait_for()
    assert "Warning" in page.get_by_role("alert").text_content()
    page.get_by_role("button", name="Pause").click()

    page.get_by_role("button", name="Default").click()  # cosine over 400, stop at 100 %
    wait_for_status(page, "Epoch 0 ")
    page.get_by_role("button", name="Play").click()
    wait_for_status(page, "Done, every seed at 100 %")
    page.wait_for_function("() => document.getElementById('command').value !== ''")
    epoch = page.evaluate("() => window.__play.frame.epoch")
    line = page.get_by_label("Command").input_value()
    assert f"--epochs {epoch} --schedule-epochs 400" in line, line
    assert "not" not in page.locator("#command-note").text_content()
    assert page.errors == []


def test_generalization_controls_test_points_curves_and_discretize(page):
    """Test data, batch size, L1/L2 and the input features set the state; held-out points
    are drawn hollow (Show test data hides them), the test loss is a second curve, and
    Discretize output paints the heatmap in two colours."""
    page.get_by_label("Dataset", exact=True).select_option("circle")
    page.get_by_label("Test data (held out of training)").fill("30")
    wait_for_status(page, "test loss")
    assert state_in_url(page)["test_fraction"] == 0.3
    assert page.locator("#test-fraction").get_attribute("aria-valuetext") == "test data 30 %"
    held = page.evaluate("() => window.__play.testPoints")
    assert len(held) == 30 and len(page.evaluate("() => window.__play.points")) == 70

    # a held-out point is a ring: its colour at the rim, the heatmap's at its centre
    box = page.locator("#points").bounding_box()
    extent = page.evaluate("() => window.__play.frame.extent")
    x1, x2, _ = held[0]
    px = (x1 - extent[0]) / (extent[1] - extent[0]) * box["width"]
    py = (extent[3] - x2) / (extent[3] - extent[2]) * box["height"]
    ring = pixel_at(page, "points", px + 4.5, py)
    assert ring[3] > 200 and pixel_at(page, "points", px, py)[3] < 60, ring
    page.get_by_label("Show test data").uncheck()
    assert pixel_at(page, "points", px + 4.5, py)[3] < 60  # hidden
    page.get_by_label("Show test data").check()

    page.get_by_label("Batch size (empty: all points)").fill("10")
    page.get_by_label("Batch size (empty: all points)").press("Enter")
    page.get_by_label("L2 λ").select_option("0.01")
    page.get_by_label("L1 λ").select_option("0.001")
    page.get_by_label("x1²").check()
    page.wait_for_function("() => window.__play.frame.weights[0].w.length === 3")  # 3 inputs
    state = state_in_url(page)
    assert state["batch_size"] == 10 and state["l2"] == 0.01 and state["l1"] == 0.001
    assert state["features"] == ["x1", "x2", "x1sq"]

    page.get_by_role("button", name="Step").click()
    wait_for_status(page, "Epoch 1 ")
    curves = page.evaluate("() => window.__play.curves")
    assert len(curves["testLoss"]) == 2 and len(curves["testAccuracy"]) == 2
    page.get_by_role("button", name="Copy command").click()
    page.wait_for_function("() => document.getElementById('command').value !== ''")
    line = page.get_by_label("Command").input_value()
    for flag in ("--test-fraction 0.3", "--batch-size 10", "--l1 0.001", "--l2 0.01"):
        assert flag in line, line
    assert "--features x1 x2 x1sq" in line, line

    page.get_by_label("Discretize output").check()
    rgba = heatmap_pixels(page)
    colours = {tuple(rgba[i : i + 3]) for i in range(0, len(rgba), 4)}
    assert len(colours) <= 2, colours
    page.get_by_label("Discretize output").uncheck()
    rgba = heatmap_pixels(page)
    colours = {tuple(rgba[i : i + 3]) for i in range(0, len(rgba), 4)}
    assert len(colours) > 2
    page.get_by_label("x1", exact=True).uncheck()
    page.get_by_label("x2", exact=True).uncheck()
    page.get_by_label("x1²", exact=True).click()  # the last checked input cannot go
    assert page.get_by_label("x1²", exact=True).is_checked()
    assert "keep at least one input" in page.get_by_role("alert").text_content()
    assert state_in_url(page)["features"] == ["x1sq"]
    assert page.errors == []


def test_drawing_on_a_split_set_keeps_its_held_out_points(page):
    page.get_by_label("Dataset", exact=True).select_option("circle")
    page.get_by_label("Points", exact=True).fill("60")
    page.get_by_label("Points", exact=True).press("Enter")
    page.get_by_label("Test data (held out of training)").fill("30")
    wait_for_status(page, "test loss")
    assert page.get_by_label("Points", exact=True).input_value() == "60"
    page.locator("#points").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => window.__play.frame.points?.length + window.__play.testPoints.length === 61"
    )
    state = state_in_url(page)
    assert state["data"] == "points" and len(state["points"]) == 61
    assert page.get_by_label("Points", exact=True).input_value() == "61"
    assert page.errors == []


def test_clear_then_play_is_refused_and_shows_no_stale_points(page):
    page.get_by_label("Test data (held out of training)").fill("50")
    wait_for_status(page, "test loss")
    assert page.get_by_label("Points", exact=True).input_value() == "21"  # all, split or not
    page.get_by_role("button", name="Clear points").click()
    alert = page.get_by_role("alert").filter(has_text="give at least 2")
    alert.wait_for()
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Play").wait_for()  # refused: paused again
    alert.wait_for()
    assert page.evaluate("() => window.__play.points.length + window.__play.testPoints.length") == 0
    assert state_in_url(page)["points"] == []
    assert page.get_by_label("Points", exact=True).input_value() == "0"
    page.locator("#points").focus()
    page.keyboard.press("Enter")  # one point: still refused, the count is real
    page.get_by_role("alert").filter(has_text="only 1 point").wait_for()
    assert page.get_by_label("Points", exact=True).input_value() == "1"
    assert page.errors == []


def test_a_refused_state_stays_refused_when_play_is_pressed(page):
    page.get_by_label("Optimizer", exact=True).select_option("adam")
    wait_for_status(page, "Epoch 0 ")
    beta = page.locator("#hyper-betas-0")
    beta.fill("1.5")
    beta.press("Enter")
    alert = page.get_by_role("alert").filter(has_text="beta parameter")
    alert.wait_for()
    for _ in range(2):
        page.get_by_role("button", name="Play").click()
        page.get_by_role("button", name="Play").wait_for()
        alert.wait_for()
        assert beta.input_value() == "1.5"
        assert state_in_url(page)["optimizer_args"]["betas"][0] == 1.5
        assert page.evaluate("() => window.__play.frame.epoch") == 0
    assert page.errors == []


def test_entries_that_are_not_numbers_are_refused_by_name_never_coerced(page):
    alert = page.get_by_role("alert")
    page.get_by_label("Optimizer", exact=True).select_option("adam")
    wait_for_status(page, "Epoch 0 ")
    for field, name in (("#hyper-eps", "eps"), ("#hyper-betas-1", "betas 2")):
        page.locator(field).fill("")
        page.locator(field).press("Enter")
        alert.filter(has_text=f"{name} must be a number, got nothing").wait_for()
        assert page.locator(field).get_attribute("aria-invalid") == "true"
    assert state_in_url(page)["optimizer_args"] == {}
    batch = page.get_by_label("Batch size (empty: all points)")
    batch.fill("10")
    batch.press("Enter")
    page.wait_for_function("() => window.__play.state.batch_size === 10")
    batch.press("Control+a")
    page.keyboard.type("e")  # all a number field takes of "abc": not a number
    batch.press("Enter")
    alert.filter(has_text="batch_size must be a whole number").wait_for()
    assert state_in_url(page)["batch_size"] == 10  # not "all points"
    hidden = page.get_by_label("Hidden layers", exact=True)
    hidden.fill("1,,2")
    hidden.press("Enter")
    alert.filter(has_text='got "1,,2"').wait_for()
    assert state_in_url(page)["hidden"] == [16, 16]
    assert page.errors == []


def test_a_links_state_is_checked_as_a_reset(page, server):
    def open_link(state):
        page.goto("about:blank")  # a new load, not a hash change
        page.goto(server + "#" + json.dumps(state).replace(" ", ""))
        page.get_by_role("status").filter(has_text="Epoch 0").wait_for()

    open_link({"lr": "abc"})
    page.get_by_role("alert").filter(has_text="lr must be a number").wait_for()
    assert "refused" in page.get_by_role("alert").text_content()
    assert state_in_url(page)["lr"] != "abc"  # the default setup runs
    open_link({"lr": 1e9})
    page.get_by_role("alert").filter(has_text="lr must be between").wait_for()
    open_link({"l2": 0.5})
    assert page.get_by_label("L2 λ").input_value() == "0.5"
    assert page.errors == []


def test_keyboard_focus_stays_on_rebuilt_and_disabled_buttons(page):
    more = page.get_by_role("button", name="More units in layer 1")
    more.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__play.frame.units[0].size === 17")
    label = "() => document.activeElement.getAttribute('aria-label')"
    assert page.evaluate(label) == "More units in layer 1"
    page.keyboard.press("Space")  # on the button, not Play
    page.wait_for_function("() => window.__play.frame.units[0].size === 18")
    assert not page.evaluate("() => window.__play.playing")
    add = page.locator("#layer-add")
    for _ in range(4):
        add.focus()
        page.keyboard.press("Enter")
    page.wait_for_function("() => window.__play.frame.units.length === 6")
    assert add.is_disabled() and focused(page) == "layer-remove"
    assert page.errors == []


@pytest.mark.parametrize("width", [320, 390, 1000, 1440])
def test_unit_controls_never_overlap_and_labels_and_fields_fit(browser, server, width):
    """6 hidden layers: each layer's + n − control apart from the others and inside the
    network; the inputs' labels whole; the Hidden layers field wide enough to type in."""
    tab = open_page(browser, server, width, 900)
    try:
        features = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"]
        tab.evaluate(
            "(s) => { location.hash = encodeURIComponent(JSON.stringify(s)); }",
            {"hidden": [64] * 6, "seeds": 1, "features": features},
        )
        tab.wait_for_function("() => window.__play.frame.units.length === 6")
        tab.wait_for_function("() => document.querySelectorAll('#layer-units .units').length === 6")
        boxes = [g.bounding_box() for g in tab.locator("#layer-units .units").all()]
        net = tab.locator("#net").bounding_box()
        for a, b in zip(boxes, boxes[1:]):
            assert a["x"] + a["width"] <= b["x"], (a, b)  # left to right, apart
        assert (
            boxes[0]["x"] >= net["x"]
            and boxes[-1]["x"] + boxes[-1]["width"] <= net["x"] + net["width"]
        )
        # every input label's left edge within the canvas: its text starts at x ≥ 0
        left = tab.evaluate(
            """() => {
              const g = window.__play.geometry;
              const ctx = document.getElementById('net').getContext('2d');
              ctx.font = '11px system-ui, sans-serif';
              const starts = g.names.map((t, i) => g.nodes[0][i].x - 2 - ctx.measureText(t).width);
              return Math.min(...starts);
            }"""
        )
        assert left >= 0, left
        assert tab.locator("#hidden").bounding_box()["width"] >= 100
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= width
        assert tab.errors == []
    finally:
        tab.context.close()


def test_the_class_switch_sets_what_a_click_or_enter_adds(page):
    page.get_by_label("class 0 (blue)").check()
    box = page.locator("#points").bounding_box()
    page.locator("#points").click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.3})
    page.wait_for_function("() => window.__play.state.points?.length === 22")
    page.locator("#points").click(
        position={"x": box["width"] * 0.6, "y": box["height"] * 0.6}, modifiers=["Shift"]
    )
    page.wait_for_function("() => window.__play.state.points?.length === 23")
    page.keyboard.press("Enter")  # the plane has focus after the click
    page.wait_for_function("() => window.__play.state.points?.length === 24")
    assert [p[2] for p in state_in_url(page)["points"][-3:]] == [0, 1, 0]
    assert "class chosen above" in page.locator("fieldset.draw").text_content()
    assert page.errors == []


def test_a_new_run_or_set_clears_old_notes_and_refusals(page):
    page.locator("#points").focus()
    page.keyboard.press("Enter")
    assert "Switched to your points" in page.locator("#draw-note").text_content()
    page.get_by_label("Dataset", exact=True).select_option("circle")
    wait_for_status(page, "Epoch 0 ")
    assert page.locator("#draw-note").text_content() == ""
    hidden = page.get_by_label("Hidden layers", exact=True)
    hidden.fill("65")
    hidden.press("Enter")
    page.get_by_role("alert").filter(has_text='got "65"').wait_for()
    page.get_by_role("button", name="Reset").click()
    page.get_by_role("alert").wait_for(state="hidden")
    assert hidden.get_attribute("aria-invalid") == "false"
    assert page.errors == []
