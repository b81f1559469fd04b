// backprop play: the page. It only draws; training runs on the server (/api/*, see
// the server's docstring). Controls write `page.state` (state.js), rendering reads it.

import { SPEEDS, readHash, serverState, writeHash } from "./state.js";
import {
  decode,
  drawChart,
  drawNetwork,
  drawPoints,
  fmt,
  gradientSeries,
  layerColour,
  LIGHT,
  median,
  networkHit,
  paintGrid,
  seedSeries,
  toPlane,
  toPixel,
} from "./draw.js";

const $ = (id) => document.getElementById(id);
const MAX_ROWS = 1500; // curve points kept; older ones are thinned to every other
const MAX_LOG = 400; // printout lines kept

// Everything the page knows. Exposed as window.__play for the browser test and benchmark.
const page = {
  options: null,
  state: null,
  id: null,
  frame: null,
  points: [], // the run's training points, [[x1, x2, label], ...]
  curves: { loss: [], accuracy: [], grad: [] }, // rows [epoch, [per seed]] / [epoch, [[per seed] per layer]]
  playing: false,
  dirty: false, // state changed since the server last saw it
  queue: Promise.resolve(),
  frames: 0, // frames drawn
  playFrames: 0, // frames drawn while playing
  playMs: 0, // time spent playing, for frames per second
  geometry: null,
  speeds: SPEEDS,
};
window.__play = page;

// ------------------------------------------------------------------------ server calls

async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  let data;
  try {
    data = await response.json();
  } catch {
    data = { error: `${path}: ${response.status} ${response.statusText}` };
  }
  if (!response.ok) {
    const error = new Error(data.error || `${path}: HTTP ${response.status}`);
    Object.assign(error, { status: response.status, data });
    throw error;
  }
  return data;
}

/** Run `task` after every earlier call: one request in flight, in order. */
function enqueue(task) {
  page.queue = page.queue.then(task, task);
  return page.queue;
}

function showError(message) {
  const line = $("error");
  line.textContent = message || "";
  line.hidden = !message;
}

async function guarded(call) {
  try {
    await call();
  } catch (error) {
    if (error.status === 404 && page.id && !error.data?.retried) {
      // the server restarted or dropped the session: start it again from the state
      page.id = null;
      return guarded(reset);
    }
    if (error.data?.diverged) page.diverged = true; // its weights are gone: the next step resets
    pause(false);
    showError(error.message);
  }
}

async function reset() {
  const body = { state: serverState(page.state) };
  if (page.id) body.id = page.id;
  page.dirty = false;
  const reply = await api("/api/reset", body);
  page.id = reply.id;
  page.diverged = false;
  accept(reply);
  updateLinks();
}

async function step(epochs) {
  if (!page.id || page.diverged) return reset();
  const body = { id: page.id, epochs };
  if (page.dirty) {
    body.state = serverState(page.state);
    page.dirty = false;
  }
  const t0 = performance.now();
  const reply = await api("/api/step", body);
  const t1 = performance.now();
  accept(reply);
  page.timing = { request: t1 - t0, draw: performance.now() - t1 }; // ms, for the benchmark
}

function accept(reply) {
  if (!page.dirty && reply.state) {
    page.state = { ...page.state, ...reply.state };
    writeHash(page.state);
    renderControls();
  }
  showError("");
  onFrame(reply.frame);
}

// ----------------------------------------------------------------------------- frames

function onFrame(frame) {
  if (frame.reset) {
    page.curves = { loss: [], accuracy: [], grad: [] };
    page.points = frame.points || [];
    $("printout").value = "";
    $("command").value = ""; // the last run's command no longer reproduces this one
    $("command-note").textContent = "";
  }
  page.frame = frame;
  const { curves } = page;
  const last = curves.loss.length ? curves.loss[curves.loss.length - 1][0] : -1;
  if (frame.epoch !== last) {
    curves.loss.push([frame.epoch, frame.loss]);
    curves.accuracy.push([frame.epoch, frame.accuracy]);
    curves.grad.push([frame.epoch, frame.grad_norm]);
    if (curves.loss.length > MAX_ROWS) {
      for (const key of Object.keys(curves)) curves[key] = curves[key].filter((_, i) => i % 2 === 0 || i === curves[key].length - 1);
    }
  }
  if (frame.log?.length) appendPrintout(frame.log);
  draw();
  page.frames += 1;
  if (frame.done && page.playing) pause();
}

function draw() {
  const { frame, state } = page;
  if (!frame) return;
  paintGrid($("heatmap"), decode(frame.prob), frame.grid, 0, LIGHT);
  paintGrid($("agreement"), decode(frame.agree), frame.grid, 0, LIGHT);
  drawPoints($("points"), frame.extent, page.points);
  page.geometry = drawNetwork($("net"), frame, $("heatmap"));
  renderUnitButtons(page.geometry.centres.slice(1, -1));
  drawChart($("loss-chart"), seedSeries(page.curves.loss, "#333333"), { log: true });
  drawChart($("acc-chart"), seedSeries(page.curves.accuracy, "#333333"), { yMin: 0, yMax: 1, percent: true });
  drawChart($("grad-chart"), gradientSeries(page.curves.grad), { log: true });
  renderGradLegend(frame.grad_norm.length);

  const k = frame.accuracy.length;
  const s = Math.min(state.selected ?? 0, k - 1);
  const perfect = frame.accuracy.filter((a) => a >= 1).length;
  const pct = (a) => (a >= 1 ? "100 %" : `${(a * 100).toFixed(1)} %`);
  const why = frame.done ? (frame.reason === "100 %" ? "Done, every seed at 100 %. " : "Done, the epoch budget is spent. ") : "";
  $("status").textContent =
    `${why}Epoch ${frame.epoch} · loss ${fmt(frame.loss[s])} · accuracy ${pct(frame.accuracy[s])}` +
    ` (seed ${state.seed + s}; ${perfect} of ${k} seeds at 100 %, median loss ${fmt(median(frame.loss))}) · lr ${fmt(frame.lr)}`;
  $("epoch").textContent = String(frame.epoch);
  $("heatmap").setAttribute(
    "aria-label",
    `Decision boundary of seed ${state.seed + s} at epoch ${frame.epoch}: its prediction over the plane, ` +
      "blue class 0, orange class 1, with the training points on top",
  );
  const options = $("selected").options;
  for (let m = 0; m < options.length && m < k; m++) {
    options[m].textContent = `seed ${state.seed + m} · ${pct(frame.accuracy[m])}`;
  }
}

/** Above each hidden column, TensorFlow Playground's − n units + for that layer. */
function renderUnitButtons(centres) {
  const box = $("layer-units");
  const hidden = page.state.hidden;
  const signature = JSON.stringify([hidden, centres.map(Math.round)]);
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  box.replaceChildren(
    ...centres.map((x, l) => {
      const group = document.createElement("div");
      group.className = "units";
      group.style.left = `${x}px`;
      const button = (text, delta, what) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = text;
        b.setAttribute("aria-label", `${what} units in layer ${l + 1}`);
        const size = (hidden[l] ?? 1) + delta;
        b.disabled = size < 1 || size > page.options.limits.units;
        b.addEventListener("click", () => set({ hidden: page.state.hidden.map((h, i) => (i === l ? size : h)) }));
        return b;
      };
      const count = document.createElement("span");
      count.textContent = `${hidden[l]} unit${hidden[l] === 1 ? "" : "s"}`;
      group.append(button("−", -1, "Fewer"), count, button("+", 1, "More"));
      return group;
    }),
  );
}

function renderGradLegend(layers) {
  const parts = [];
  for (let l = 0; l < layers; l++) {
    const name = l === 0 ? "input → h1" : l === layers - 1 ? `h${l} → output` : `h${l} → h${l + 1}`;
    parts.push(`<span class="key"><span style="color:${layerColour(l)}">■</span> ${name}</span>`);
  }
  const html = parts.join(" ");
  const legend = $("grad-legend");
  if (legend.innerHTML !== html) legend.innerHTML = html;
}

function appendPrintout(lines) {
  const box = $("printout");
  const all = (box.value ? box.value.split("\n") : []).concat(lines);
  box.value = all.slice(-MAX_LOG).join("\n");
  box.scrollTop = box.scrollHeight;
}

// ------------------------------------------------------------------------ play / pause

async function play() {
  if (page.playing) return;
  page.playing = true;
  renderPlayButton();
  const loop = (page.loop = {}); // a Pause then Play while a step is out: the old loop ends
  if (page.frame?.done && !page.dirty) await enqueue(() => guarded(reset)); // again from epoch 0
  let t = performance.now();
  while (page.playing && page.loop === loop) {
    await enqueue(() => guarded(() => step(SPEEDS[page.state._speed] ?? 5)));
    const now = performance.now();
    page.playMs += now - t;
    page.playFrames += 1;
    t = now;
    await new Promise(requestAnimationFrame);
  }
}

function pause(printout = true) {
  const was = page.playing;
  page.playing = false;
  renderPlayButton();
  if (was && printout) enqueue(() => guarded(afterPause));
}

/** On pause: the handout's test printout and the command that reproduces the run. */
async function afterPause() {
  if (!page.id) return;
  const reply = await api("/api/evaluate", { id: page.id });
  appendPrintout(["", ...reply.lines]);
  await fetchCommand();
}

async function fetchCommand() {
  if (!page.id) return;
  const reply = await api("/api/command", { id: page.id });
  $("command").value = reply.command;
  $("command-note").textContent =
    capitalise(reply.note || "") + (reply.csv ? " The command reads points.csv: use Download CSV." : "");
  page.csv = reply.csv;
  return reply.command;
}

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function renderPlayButton() {
  const button = $("play");
  button.textContent = page.playing ? "Pause" : "Play";
  button.setAttribute("aria-pressed", String(page.playing));
  button.classList.toggle("playing", page.playing);
  // A screen reader hears the status when training pauses, not every frame.
  $("status").setAttribute("aria-live", page.playing ? "off" : "polite");
}

// ---------------------------------------------------------------------------- controls

/** Change the state; the server sees it with the next step (now, when paused). */
function set(changes) {
  page.state = pair({ ...page.state, ...changes }, changes);
  writeHash(page.state);
  renderControls();
  page.dirty = true;
  if (!page.playing) sync();
}

let syncing = false;
function sync() {
  if (syncing) return; // one redraw is already queued; it sends the latest state
  syncing = true;
  enqueue(async () => {
    syncing = false;
    if (page.dirty) await guarded(() => step(0));
  });
}

/** Keep output and loss a pair the server accepts (bce: sigmoid; bce-logits: identity). */
function pair(state, changes) {
  if ("loss" in changes) {
    if (state.loss === "bce") state.output = "sigmoid";
    if (state.loss === "bce-logits") state.output = "identity";
  } else if ("output" in changes) {
    if (state.loss === "bce" && state.output !== "sigmoid") state.loss = state.output === "identity" ? "bce-logits" : "mse";
    if (state.loss === "bce-logits" && state.output !== "identity") state.loss = state.output === "sigmoid" ? "bce" : "mse";
  }
  if ("optimizer" in changes && !("lr" in changes) && page.options.optimizers[state.optimizer]) {
    state.lr = page.options.optimizers[state.optimizer].lr ?? state.lr;
    state.optimizer_args = changes.optimizer_args ?? {};
  }
  state.selected = Math.max(0, Math.min(state.selected ?? 0, state.seeds - 1));
  return state;
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
  $("seeds").max = o.limits.seeds;
  $("n").max = o.limits.points;

  const on = (id, event, f) => $(id).addEventListener(event, f);
  on("dataset", "change", (e) => {
    const changes = { data: e.target.value };
    if (e.target.value === "points" && !page.state.points) changes.points = page.points;
    set(changes);
  });
  on("n", "change", (e) => set({ n: clampInt(e.target.value, 2, o.limits.points, page.state.n) }));
  on("noise", "input", (e) => set({ noise: Number(e.target.value) }));
  on("data-seed", "change", (e) => set({ data_seed: clampInt(e.target.value, 0, 2 ** 32 - 1, page.state.data_seed) }));
  on("regenerate", "click", () => set({ data_seed: (page.state.data_seed + 1) % 2 ** 32 }));
  for (const key of ["activation", "output", "loss", "init", "optimizer", "schedule"]) {
    on(key, "change", (e) => set({ [key]: e.target.value }));
  }
  on("bias", "change", (e) => set({ bias: e.target.checked }));
  on("normalize", "change", (e) => set({ normalize: e.target.checked }));
  on("stop100", "change", (e) => set({ stop: e.target.checked }));
  on("lr", "input", (e) => set({ lr: Number((10 ** Number(e.target.value)).toPrecision(2)) }));
  on("speed", "input", (e) => set({ _speed: Number(e.target.value) }));
  on("epochs", "change", (e) => set({ epochs: clampInt(e.target.value, 1, o.limits.epochs, page.state.epochs) }));
  on("seeds", "change", (e) => set({ seeds: clampInt(e.target.value, 1, o.limits.seeds, page.state.seeds) }));
  on("seed", "change", (e) => set({ seed: clampInt(e.target.value, 0, 2 ** 32 - 1, page.state.seed) }));
  on("selected", "change", (e) => set({ selected: Number(e.target.value) }));
  on("hidden", "change", (e) => {
    const sizes = parseHidden(e.target.value, o.limits);
    e.target.setAttribute("aria-invalid", String(!sizes));
    if (sizes) set({ hidden: sizes });
    else showError(`Hidden layers: 1 to ${o.limits.layers} sizes of 1 to ${o.limits.units} units, e.g. 16, 16`);
  });
  on("layer-add", "click", () => {
    const h = page.state.hidden;
    if (h.length < o.limits.layers) set({ hidden: [...h, h[h.length - 1]] });
  });
  on("layer-remove", "click", () => {
    const h = page.state.hidden;
    if (h.length > 1) set({ hidden: h.slice(0, -1) });
  });
  for (const name of ["handout", "default"]) {
    $(`preset-${name}`).disabled = !o.presets[name];
    on(`preset-${name}`, "click", () => set({ ...o.presets[name] }));
  }
  on("reset", "click", () => {
    page.dirty = false;
    enqueue(() => guarded(reset));
  });
  on("play", "click", () => (page.playing ? pause() : play()));
  on("step", "click", () => {
    pause();
    enqueue(() => guarded(() => step(1)));
  });
  on("copy-command", "click", () =>
    enqueue(() =>
      guarded(async () => {
        const command = await fetchCommand();
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
    await enqueue(() => guarded(async () => set({ data: "points", points: (await api("/api/csv", { csv })).points })));
  });
  for (const radio of document.querySelectorAll('input[name="draw"]')) {
    radio.addEventListener("change", () => set({ _draw: radio.value }));
  }
  // A field being typed in is not overwritten by a frame; its change (Enter, blur) ends that.
  document.addEventListener("input", (e) => {
    if (e.target.type === "number" || e.target.type === "text") e.target.dataset.editing = "1";
  });
  document.addEventListener("change", (e) => delete e.target.dataset.editing, true);
  bindHeatmap();
  bindNetworkHover();
  document.addEventListener("keydown", (e) => {
    if (e.code !== "Space" || e.repeat || typing(e.target)) return;
    e.preventDefault();
    page.playing ? pause() : play();
  });
  window.addEventListener("hashchange", () => {
    const state = readHash(page.options.state);
    if (JSON.stringify(state) !== JSON.stringify(page.state)) set(state);
  });
  window.addEventListener("resize", draw);
}

function typing(target) {
  const tag = target.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && !["checkbox", "radio", "range", "button"].includes(target.type));
}

function clampInt(text, lo, hi, fallback) {
  const v = Math.round(Number(text));
  return Number.isFinite(v) ? Math.max(lo, Math.min(hi, v)) : fallback;
}

function parseHidden(text, limits) {
  const sizes = text.split(/[\s,\-]+/).filter(Boolean).map(Number);
  const ok = sizes.length >= 1 && sizes.length <= limits.layers && sizes.every((h) => Number.isInteger(h) && h >= 1 && h <= limits.units);
  return ok ? sizes : null;
}

/** Every control shows the state (after a preset, a link, or the server's normalising). */
function renderControls() {
  const s = page.state;
  const o = page.options;
  const setValue = (id, v) => {
    const el = $(id);
    if (!el.dataset.editing) el.value = v;
  };
  setValue("dataset", s.data);
  setValue("n", s.n);
  setValue("noise", s.noise);
  $("noise-value").textContent = Number(s.noise).toFixed(2);
  setValue("data-seed", s.data_seed);
  const generated = !["xor", "points"].includes(s.data);
  $("n").disabled = !generated;
  $("noise").disabled = !["circle", "gaussians", "spiral"].includes(s.data);
  $("regenerate").disabled = s.data === "points" || s.data === "xor";
  for (const key of ["activation", "output", "loss", "init", "optimizer", "schedule"]) setValue(key, s[key]);
  $("bias").checked = s.bias;
  $("normalize").checked = s.normalize;
  // A server without the "stop" field always stops at 100 %: the box says so, fixed.
  $("stop100").checked = s.stop ?? true;
  $("stop100").disabled = !("stop" in o.state);
  setValue("lr", Math.log10(s.lr));
  $("lr-value").textContent = fmt(s.lr);
  setValue("speed", s._speed);
  $("speed-value").textContent = String(SPEEDS[s._speed] ?? "");
  setValue("epochs", s.epochs);
  setValue("seeds", s.seeds);
  setValue("seed", s.seed);
  setValue("hidden", s.hidden.join(", "));
  $("layer-count").textContent = `${s.hidden.length}`;
  $("layer-add").disabled = s.hidden.length >= o.limits.layers;
  $("layer-remove").disabled = s.hidden.length <= 1;
  for (const radio of document.querySelectorAll('input[name="draw"]')) radio.checked = radio.value === s._draw;
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
          let value = typeof fallback === "boolean" ? input.checked : Number(input.value);
          if (typeof value === "number" && !Number.isFinite(value)) return;
          if (i !== null) {
            value = [...(s.optimizer_args[name] ?? fallback)];
            value[i] = Number(input.value);
          }
          set({ optimizer_args: { ...page.state.optimizer_args, [name]: value } });
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

function updateLinks() {
  const q = `?id=${encodeURIComponent(page.id)}`;
  $("download-model").href = `/api/model.npz${q}`;
  $("download-history").href = `/api/history.json${q}`;
  $("csv-download").href = `/api/points.csv${q}`;
}

// ----------------------------------------------------------------- pointer: draw, hover

function bindHeatmap() {
  const canvas = $("points");
  canvas.addEventListener("click", (e) => {
    const mode = page.state._draw;
    if (mode === "off" || !page.frame) return;
    const rect = canvas.getBoundingClientRect();
    const [px, py] = [e.clientX - rect.left, e.clientY - rect.top];
    const points = page.state.data === "points" && page.state.points ? [...page.state.points] : page.points.map((p) => [...p]);
    if (mode === "add") {
      const [x, y] = toPlane(page.frame.extent, rect.width, rect.height, px, py);
      const limit = page.options.limits;
      if (points.length >= limit.points) return showError(`at most ${limit.points} points`);
      const round = (v) => Math.round(Math.max(-limit.coordinate, Math.min(limit.coordinate, v)) * 1000) / 1000;
      points.push([round(x), round(y), e.shiftKey ? 0 : 1]);
    } else {
      let best = -1;
      let bestDist = 10; // pixels
      points.forEach(([x, y], i) => {
        const [qx, qy] = toPixel(page.frame.extent, rect.width, rect.height, x, y);
        const d = Math.hypot(qx - px, qy - py);
        if (d < bestDist) [best, bestDist] = [i, d];
      });
      if (best < 0) return;
      points.splice(best, 1);
    }
    page.points = points;
    drawPoints($("points"), page.frame.extent, points); // at once; the new run's frame follows
    set({ data: "points", points });
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

// -------------------------------------------------------------------------------- start

// What the page assumes when the server's /api/options leaves something out (an older
// or newer server): the limits of play_api.md, no presets, no hyperparameter fields.
const FALLBACK_LIMITS = { points: 2000, layers: 6, units: 64, seeds: 32, epochs: 1000000, coordinate: 10 };

function withFallbacks(o) {
  const optimizers = o.optimizers ?? { [o.state.optimizer]: { lr: o.state.lr, args: {} } };
  return {
    datasets: [o.state.data],
    activations: [o.state.activation],
    losses: [o.state.loss],
    inits: [o.state.init],
    schedules: [o.state.schedule],
    presets: {},
    ...o,
    optimizers: Array.isArray(optimizers) ? Object.fromEntries(optimizers.map((n) => [n, { args: {} }])) : optimizers,
    limits: { ...FALLBACK_LIMITS, ...o.limits },
  };
}

async function start() {
  try {
    page.options = await api("/api/options");
  } catch (error) {
    $("status").textContent = "No server: start it with `backprop play`.";
    showError(error.message);
    return;
  }
  page.options = withFallbacks(page.options);
  page.state = readHash(page.options.state);
  page.state = pair(page.state, {});
  buildControls();
  renderControls();
  writeHash(page.state);
  await enqueue(() => guarded(reset));
}

start();
