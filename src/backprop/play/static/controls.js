// The controls: each one writes the state through `act.set` (app.js), and
// renderControls makes every control show the state; clicks on the heatmap add or
// remove points, hovering shows values.

import { FEATURES, PENALTIES, SPEEDS, readHash } from "./state.js";
import { decode, drawPoints, fmt, networkHit, toPixel, toPlane } from "./draw.js";

const $ = (id) => document.getElementById(id);
let page; // app.js's page object
let act; // app.js's actions: set, play, pause, step, reset, api, …

/** Wire every control to `actions`; called once, after GET /api/options. */
export function bindControls(pageObject, actions) {
  page = pageObject;
  act = actions;
  buildControls();
}

function fillSelect(id, values, labels = {}) {
  $(id).replaceChildren(
    ...values.map((v) => {
      const option = document.createElement("option");
      option.value = v;
      option.textContent = labels[v] ?? v;
      return option;
    }),
  );
}

const DATASET_LABELS = { linear: "linear", xor: "XOR", circle: "circle", gaussians: "two Gaussians", spiral: "spiral", points: "drawn / uploaded points" };

function buildControls() {
  const o = page.options;
  fillSelect("dataset", o.datasets, DATASET_LABELS);
  fillSelect("activation", o.activations);
  fillSelect("output", o.activations);
  fillSelect("loss", o.losses);
  fillSelect("init", o.inits);
  fillSelect("optimizer", Object.keys(o.optimizers));
  fillSelect("schedule", o.schedules);
  fillSelect("l1", PENALTIES);
  fillSelect("l2", PENALTIES);
  $("features").replaceChildren(
    $("features").firstElementChild,
    ...Object.entries(FEATURES).map(([name, [text]]) => {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `feature-${name}`;
      box.dataset.feature = name;
      label.append(box, ` ${text}`);
      return label;
    }),
  );
  // A server without the generalization fields: their controls go.
  for (const [key, ids] of Object.entries({ test_fraction: ["test-fraction"], batch_size: ["batch-size"], l1: ["l1"], l2: ["l2"], features: ["features"] })) {
    if (!(key in o.state)) for (const id of ids) $(id).closest(".field, fieldset").hidden = true;
  }
  $("seeds").max = o.limits.seeds;
  $("n").min = o.limits.points_min;
  $("n").max = o.limits.points;
  $("epochs").max = o.limits.epochs;
  $("data-seed").max = o.limits.seed_end - 1;
  if (o.limits.lr) [$("lr").min, $("lr").max] = o.limits.lr.map(Math.log10);

  const on = (id, event, f) => $(id).addEventListener(event, f);
  on("dataset", "change", (e) => {
    const changes = { data: e.target.value };
    if (e.target.value === "points" && !page.state.points) changes.points = [...page.points, ...page.testPoints];
    if (e.target.value !== "points") note(""); // "Switched to your points…" is about them
    act.set(changes);
  });
  on("n", "change", (e) => whole(e.target, "n", o.limits.points_min, o.limits.points));
  on("noise", "input", (e) => act.set({ noise: Number(e.target.value) }));
  on("data-seed", "change", (e) => whole(e.target, "data_seed", 0, o.limits.seed_end - 1));
  on("regenerate", "click", () => act.set({ data_seed: (page.state.data_seed + 1) % o.limits.seed_end }));
  for (const key of ["activation", "output", "loss", "init", "optimizer", "schedule"]) {
    on(key, "change", (e) => act.set({ [key]: e.target.value }));
  }
  on("bias", "change", (e) => act.set({ bias: e.target.checked }));
  on("test-fraction", "input", (e) => act.set({ test_fraction: Number(e.target.value) / 100 }));
  on("batch-size", "change", (e) => {
    if (e.target.value.trim() === "" && !e.target.validity.badInput) return act.set({ batch_size: null });
    whole(e.target, "batch_size", 1, o.limits.points);
  });
  on("l1", "change", (e) => act.set({ l1: Number(e.target.value) }));
  on("l2", "change", (e) => act.set({ l2: Number(e.target.value) }));
  on("features", "change", (e) => {
    const names = [...document.querySelectorAll("#features input:checked")].map((b) => b.dataset.feature);
    if (names.length) return act.set({ features: names });
    e.target.checked = true;
    act.refuse("features: keep at least one input");
  });
  on("show-test", "change", (e) => act.set({ _test: e.target.checked }));
  on("discretize", "change", (e) => act.set({ _discrete: e.target.checked }));
  on("normalize", "change", (e) => act.set({ normalize: e.target.checked }));
  on("stop100", "change", (e) => act.set({ stop: e.target.checked }));
  on("lr", "input", (e) => act.set({ lr: Number((10 ** Number(e.target.value)).toPrecision(2)) }));
  on("speed", "input", (e) => act.set({ _speed: Number(e.target.value) }));
  on("epochs", "change", (e) => whole(e.target, "epochs", 1, o.limits.epochs));
  on("seeds", "change", (e) => whole(e.target, "seeds", 1, o.limits.seeds));
  on("seed", "change", (e) => whole(e.target, "seed", 0, o.limits.seed_end - page.state.seeds));
  on("selected", "change", (e) => act.set({ selected: Number(e.target.value) }));
  on("hidden", "change", (e) => {
    const sizes = parseHidden(e.target.value, o.limits);
    e.target.setAttribute("aria-invalid", String(!sizes));
    if (sizes) act.set({ hidden: sizes });
    else act.refuse(`Hidden layers must be 1 to ${o.limits.layers} sizes of 1 to ${o.limits.units} units, e.g. 16, 16; got ${JSON.stringify(e.target.value)}`);
  });
  on("layer-add", "click", () => {
    const h = page.state.hidden;
    if (h.length < o.limits.layers) act.set({ hidden: [...h, h[h.length - 1]] });
  });
  on("layer-remove", "click", () => {
    const h = page.state.hidden;
    if (h.length > 1) act.set({ hidden: h.slice(0, -1) });
  });
  for (const name of ["handout", "default"]) {
    $(`preset-${name}`).disabled = !o.presets[name];
    on(`preset-${name}`, "click", () => act.set({ ...o.presets[name] }));
  }
  on("reset", "click", () => {
    page.dirty = false;
    act.enqueue(() => act.guarded(act.reset));
  });
  on("play", "click", () => (page.playing ? act.pause() : act.play()));
  on("step", "click", () => {
    act.pause();
    act.enqueue(() => act.guarded(() => act.step(1)));
  });
  on("copy-command", "click", () =>
    act.enqueue(() =>
      act.guarded(async () => {
        const command = await act.fetchCommand();
        try {
          await navigator.clipboard.writeText(command);
          $("command-note").textContent = `Copied to the clipboard. ${$("command-note").textContent}`;
        } catch {
          $("command").select(); // no clipboard permission: the text is selected for Ctrl-C
        }
      }),
    ),
  );
  on("csv-upload", "change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const csv = await file.text();
    e.target.value = "";
    await act.enqueue(() => act.guarded(async () => act.set({ data: "points", points: (await act.api("/api/csv", { csv })).points })));
  });
  for (const radio of document.querySelectorAll('input[name="draw"]')) {
    radio.addEventListener("change", () => act.set({ _draw: radio.value }));
  }
  for (const radio of document.querySelectorAll('input[name="draw-class"]')) {
    radio.addEventListener("change", () => act.set({ _class: Number(radio.value) }));
  }
  // A field being typed in is not overwritten by a frame; its change (Enter, blur) ends that.
  document.addEventListener("input", (e) => {
    if (e.target.type === "number" || e.target.type === "text") e.target.dataset.editing = "1";
  });
  document.addEventListener("change", (e) => delete e.target.dataset.editing, true);
  on("clear-points", "click", () => {
    act.pause();
    page.points = [];
    page.testPoints = [];
    // the state holds no points: the server refuses it until there are enough to train on
    act.set({ data: "points", points: [] });
    note(`Cleared. Add at least ${o.limits.points_min} points of each class: click the plane, or focus it and use the arrow keys and Enter.`);
  });
  // On a phone the training options start folded, so that the output follows the data.
  if (matchMedia("(max-width: 760px)").matches) $("training-fold").open = false;
  bindHeatmap();
  bindNetworkHover();
  // Space plays or pauses with nothing focused; a focused control (the Play button too)
  // does what Space does to it.
  document.addEventListener("keydown", (e) => {
    if (e.code !== "Space" || e.repeat) return;
    const focused = document.activeElement;
    if (focused && focused !== document.body) return;
    e.preventDefault();
    page.playing ? act.pause() : act.play();
  });
  window.addEventListener("hashchange", () => {
    const state = readHash(page.options.state);
    if (JSON.stringify(state) !== JSON.stringify(page.state)) act.set(state);
  });
  window.addEventListener("resize", act.draw);
}

/** A whole number from `input` within [lo, hi] sets state `key`; anything else is
 * refused with the server's words for it, and the state keeps its value. */
function whole(input, key, lo, hi) {
  const text = input.value.trim();
  const v = Number(text);
  const ok = text !== "" && Number.isInteger(v) && v >= lo && v <= hi;
  input.setAttribute("aria-invalid", String(!ok));
  if (ok) return act.set({ [key]: v });
  const range = (x) => x.toLocaleString("en");
  const got = input.validity?.badInput ? "text" : text || "nothing";
  act.refuse(`${key} must be a whole number between ${range(lo)} and ${range(hi)}, got ${got}`);
}

function parseHidden(text, limits) {
  // "16, 16" or "16 16"; an empty size ("1,,2", "16,") is refused, not dropped
  const sizes = text.trim().split(/\s*,\s*|\s+/).map((t) => (t === "" ? NaN : Number(t)));
  const ok = sizes.length >= 1 && sizes.length <= limits.layers && sizes.every((h) => Number.isInteger(h) && h >= 1 && h <= limits.units);
  return ok ? sizes : null;
}

/** The Points field: every point of the set, the held-out ones too (the learner's n;
 * XOR's and drawn sets' own count). */
export function pointCount() {
  const s = page.state;
  if (s.data === "points") return s.points?.length ?? 0;
  return s.data === "xor" ? page.points.length + page.testPoints.length : s.n;
}

/** Every control shows the state (after a preset, a link, or the server's normalising). */
export function renderControls() {
  const s = page.state;
  const o = page.options;
  const setValue = (id, v) => {
    const el = $(id);
    if (!el.dataset.editing) el.value = v;
  };
  setValue("dataset", s.data);
  setValue("n", pointCount());
  setValue("noise", s.noise);
  $("noise-value").textContent = Number(s.noise).toFixed(2);
  $("noise").setAttribute("aria-valuetext", `noise ${Number(s.noise).toFixed(2)}`);
  setValue("data-seed", s.data_seed);
  const generated = !["xor", "points"].includes(s.data);
  $("n").disabled = !generated;
  $("noise").disabled = !["circle", "gaussians", "spiral"].includes(s.data);
  $("regenerate").disabled = s.data === "points" || s.data === "xor";
  for (const key of ["activation", "output", "loss", "init", "optimizer", "schedule"]) setValue(key, s[key]);
  $("bias").checked = s.bias;
  if ("test_fraction" in s) {
    const pct = Math.round(s.test_fraction * 100);
    setValue("test-fraction", pct);
    $("test-fraction-value").textContent = `${pct} %`;
    $("test-fraction").setAttribute("aria-valuetext", `test data ${pct} %`);
    setValue("batch-size", s.batch_size ?? "");
    for (const key of ["l1", "l2"]) {
      // a λ from a link that the menu lacks joins it, so the menu shows what trains
      if (![...$(key).options].some((op) => Number(op.value) === s[key])) fillSelect(key, [...new Set([...PENALTIES, s[key]])].sort((a, b) => a - b));
      setValue(key, s[key]);
    }
    for (const box of document.querySelectorAll("#features input")) box.checked = s.features.includes(box.dataset.feature);
  }
  $("show-test").checked = s._test;
  $("discretize").checked = s._discrete;
  $("normalize").checked = s.normalize;
  // A server without the "stop" field always stops at 100 %: the box says so, fixed.
  $("stop100").checked = s.stop ?? true;
  $("stop100").disabled = !("stop" in o.state);
  setValue("lr", Math.log10(s.lr));
  $("lr-value").textContent = fmt(s.lr);
  $("lr").setAttribute("aria-valuetext", `learning rate ${fmt(s.lr)}`);
  setValue("speed", s._speed);
  $("speed-value").textContent = String(SPEEDS[s._speed] ?? "");
  $("speed").setAttribute("aria-valuetext", `${SPEEDS[s._speed]} epochs per frame`);
  setValue("epochs", s.epochs);
  setValue("seeds", s.seeds);
  setValue("seed", s.seed);
  setValue("hidden", s.hidden.join(", "));
  $("layer-count").textContent = `${s.hidden.length}`;
  // a button disabled under the keyboard would drop focus to the body (then Space plays)
  const was = document.activeElement;
  $("layer-add").disabled = s.hidden.length >= o.limits.layers;
  $("layer-remove").disabled = s.hidden.length <= 1;
  for (const [id, other] of [["layer-add", "layer-remove"], ["layer-remove", "layer-add"]]) {
    if ($(id).disabled && was === $(id)) $(other).focus();
  }
  for (const radio of document.querySelectorAll('input[name="draw"]')) radio.checked = radio.value === s._draw;
  for (const radio of document.querySelectorAll('input[name="draw-class"]')) radio.checked = Number(radio.value) === (s._class ?? 1);
  if ($("selected").options.length !== s.seeds) {
    fillSelect("selected", Array.from({ length: s.seeds }, (_, m) => m), Object.fromEntries(Array.from({ length: s.seeds }, (_, m) => [m, `seed ${s.seed + m}`])));
  }
  setValue("selected", s.selected);
  renderHyper();
}

/** The optimizer's hyperparameters, from GET /api/options: numbers, switches, pairs. */
function renderHyper() {
  const s = page.state;
  const spec = page.options.optimizers[s.optimizer]?.args || {};
  const box = $("hyper");
  const signature = s.optimizer + JSON.stringify(Object.keys(spec));
  if (box.dataset.signature !== signature) {
    box.dataset.signature = signature;
    box.replaceChildren();
    for (const [name, fallback] of Object.entries(spec)) {
      const parts = Array.isArray(fallback) ? fallback.map((_, i) => i) : [null];
      for (const i of parts) {
        const field = document.createElement("div");
        field.className = typeof fallback === "boolean" ? "field check" : "field";
        const input = document.createElement("input");
        input.id = `hyper-${name}${i === null ? "" : `-${i}`}`;
        input.dataset.name = name;
        const label = document.createElement("label");
        label.htmlFor = input.id;
        label.textContent = i === null ? name.replace("_", " ") : `${name} ${i + 1}`;
        if (typeof fallback === "boolean") {
          input.type = "checkbox";
          field.append(input, label);
        } else {
          input.type = "number";
          input.step = "any";
          field.append(label, input);
        }
        input.addEventListener("change", () => {
          let value = input.checked;
          if (typeof fallback !== "boolean") {
            // an emptied or non-numeric field is refused by name, never sent as 0
            const text = input.value.trim();
            const ok = text !== "" && !input.validity.badInput && Number.isFinite(Number(text));
            input.setAttribute("aria-invalid", String(!ok));
            if (!ok) return act.refuse(`${label.textContent} must be a number, got ${input.validity.badInput ? "text" : "nothing"}`);
            value = Number(text);
          }
          if (i !== null) {
            const number = value;
            value = [...(page.state.optimizer_args[name] ?? fallback)];
            value[i] = number;
          }
          act.set({ optimizer_args: { ...page.state.optimizer_args, [name]: value } });
        });
        box.append(field);
      }
    }
  }
  for (const input of box.querySelectorAll("input")) {
    const name = input.dataset.name;
    const value = s.optimizer_args[name] ?? spec[name];
    if (input.type === "checkbox") input.checked = value;
    else if (!input.dataset.editing) {
      const i = input.id.match(/-(\d+)$/);
      input.value = Array.isArray(value) ? value[Number(i[1])] : value;
    }
  }
}

export function updateLinks() {
  const q = `?id=${encodeURIComponent(page.id)}`;
  $("download-model").href = `/api/model.npz${q}`;
  $("download-history").href = `/api/history.json${q}`;
  $("csv-download").href = `/api/points.csv${q}`;
}

// ----------------------------------------------------------------- pointer: draw, hover

function note(text) {
  $("draw-note").textContent = text;
}

/** Add a point of class `label` at plane (x, y), or remove the one within 10 pixels of
 * pixel (px, py), as the draw mode says; then train on the points (once there are enough). */
function edit(x, y, px, py, label) {
  const mode = page.state._draw;
  const rect = $("points").getBoundingClientRect();
  const limit = page.options.limits;
  const mine = page.state.data === "points" && page.state.points;
  // a named set's every point: the held-out ones too (the split applies to the drawn set)
  let points = mine ? [...page.state.points] : [...page.points, ...page.testPoints].map((p) => [...p]);
  if (mode === "add") {
    if (points.length >= limit.points) return act.refuse(`at most ${limit.points} points`);
    const round = (v) => Math.round(Math.max(-limit.coordinate, Math.min(limit.coordinate, v)) * 1000) / 1000;
    points.push([round(x), round(y), label]);
  } else {
    let best = -1;
    let bestDist = 10; // pixels
    points.forEach(([qx, qy], i) => {
      const [ux, uy] = toPixel(page.frame.extent, rect.width, rect.height, qx, qy);
      const d = Math.hypot(ux - px, uy - py);
      if (d < bestDist) [best, bestDist] = [i, d];
    });
    if (best < 0) return;
    points = points.filter((_, i) => i !== best);
  }
  page.points = points;
  page.testPoints = []; // the new run's frame splits them again
  drawPoints($("points"), page.frame.extent, points, page.cursor); // at once; the new run's frame follows
  const classes = new Set(points.map((p) => p[2])).size;
  if (points.length < limit.points_min || classes < 2) {
    note(`${points.length} point${points.length === 1 ? "" : "s"}: add at least ${limit.points_min} points of each class to train.`);
  } else if (!mine) {
    const name = $("dataset").selectedOptions[0]?.textContent ?? page.state.data;
    note(`Switched to your points: the ${name} points with your change (data set: drawn / uploaded points). Clear starts from none.`);
  } else note(`${points.length} points.`);
  act.set({ data: "points", points }); // too few, or one class: the server says so
}

/** The class an added point gets: the chosen one, the other with Shift. */
const drawClass = (shift) => ((page.state._class ?? 1) + (shift ? 1 : 0)) % 2;

function bindHeatmap() {
  const canvas = $("points");
  canvas.addEventListener("click", (e) => {
    if (page.state._draw === "off" || !page.frame) return;
    const rect = canvas.getBoundingClientRect();
    const [px, py] = [e.clientX - rect.left, e.clientY - rect.top];
    const [x, y] = toPlane(page.frame.extent, rect.width, rect.height, px, py);
    edit(x, y, px, py, drawClass(e.shiftKey));
  });
  // The keyboard's way: arrows move a cursor over the plane, Enter or Space adds a
  // point of the chosen class there (with Shift: the other), or removes the one under it.
  const cursorText = () => {
    const [x, y] = page.cursor;
    canvas.setAttribute("aria-valuetext", `cursor at (${x.toFixed(2)}, ${y.toFixed(2)})`);
  };
  canvas.addEventListener("focus", () => {
    if (!page.frame) return;
    const [x0, x1, y0, y1] = page.frame.extent;
    page.cursor ??= [(x0 + x1) / 2, (y0 + y1) / 2];
    cursorText();
    drawPoints(canvas, page.frame.extent, page.points, page.cursor);
  });
  canvas.addEventListener("blur", () => {
    if (page.frame) drawPoints(canvas, page.frame.extent, page.points);
  });
  canvas.addEventListener("keydown", (e) => {
    if (!page.frame || !page.cursor) return;
    const [x0, x1, y0, y1] = page.frame.extent;
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (e.key in moves) {
      const step = (e.shiftKey ? 0.1 : 0.025) * (x1 - x0);
      const [dx, dy] = moves[e.key];
      page.cursor = [Math.max(x0, Math.min(x1, page.cursor[0] + dx * step)), Math.max(y0, Math.min(y1, page.cursor[1] + dy * step))];
      cursorText();
      drawPoints(canvas, page.frame.extent, page.points, page.cursor);
    } else if (e.key === "Enter" || e.key === " ") {
      if (page.state._draw === "off") return;
      const rect = canvas.getBoundingClientRect();
      const [px, py] = toPixel(page.frame.extent, rect.width, rect.height, ...page.cursor);
      edit(...page.cursor, px, py, drawClass(e.shiftKey));
    } else return;
    e.preventDefault();
  });
  canvas.addEventListener("mousemove", (e) => {
    const frame = page.frame;
    if (!frame) return;
    const rect = canvas.getBoundingClientRect();
    const [px, py] = [e.clientX - rect.left, e.clientY - rect.top];
    const [x, y] = toPlane(frame.extent, rect.width, rect.height, px, py);
    const i = Math.min(frame.grid - 1, Math.floor((py / rect.height) * frame.grid));
    const j = Math.min(frame.grid - 1, Math.floor((px / rect.width) * frame.grid));
    const p = decode(frame.prob)[i * frame.grid + j] / 255;
    const a = decode(frame.agree)[i * frame.grid + j] / 255;
    tooltip(e, `x = (${x.toFixed(2)}, ${y.toFixed(2)}) · P(class 1) ${p.toFixed(2)} · seeds for 1: ${Math.round(a * 100)} %`);
  });
  canvas.addEventListener("mouseleave", () => tooltip(null));
}

function bindNetworkHover() {
  const canvas = $("net");
  canvas.addEventListener("mousemove", (e) => {
    const rect = canvas.getBoundingClientRect();
    const text = page.frame && networkHit(page.geometry, page.frame, e.clientX - rect.left, e.clientY - rect.top);
    tooltip(text ? e : null, text);
  });
  canvas.addEventListener("mouseleave", () => tooltip(null));
}

function tooltip(e, text) {
  const tip = $("tooltip");
  tip.hidden = !e;
  if (!e) return;
  tip.textContent = text;
  tip.style.left = `${e.clientX + 12}px`;
  tip.style.top = `${e.clientY + 12}px`;
}

