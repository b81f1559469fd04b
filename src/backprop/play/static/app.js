// backprop play: the page. It only draws; training runs on the server (/api/*, see
// the server's docstring). Controls (controls.js) write `page.state` (state.js) through
// `set`; this module sends it, plays, and draws each frame (draw.js).

import { bindControls, pointCount, renderControls, updateLinks } from "./controls.js";
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
  paintGrid,
  seedSeries,
} from "./draw.js";

const $ = (id) => document.getElementById(id);
const MAX_ROWS = 1500; // curve points kept; older ones are thinned to every other
const MAX_LOG = 400; // printout lines kept
const TEST_COLOUR = "#c0392b"; // the test set's curves (the training set's are dark grey)

// Everything the page knows. Exposed as window.__play for the browser test and benchmark.
const page = {
  options: null,
  state: null,
  id: null,
  frame: null,
  points: [], // the run's training points, [[x1, x2, label], ...]
  curves: { loss: [], accuracy: [], grad: [], testLoss: [], testAccuracy: [] }, // rows [epoch, [per seed]] / [epoch, [[per seed] per layer]]
  testPoints: [], // the held-out points, [[x1, x2, label], ...]
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

/** The alert line: an entry refused (until the next accepted change), else the server's
 * refusal (until its next answer), else the frame's warning. */
function renderMessage() {
  const warning = page.frame?.warning ? `Warning: ${capitalise(page.frame.warning)}.` : "";
  const message = page.inputError || page.serverError || warning;
  const line = $("error");
  if (line.textContent !== message) line.textContent = message;
  line.hidden = !message;
}

function showError(message) {
  page.serverError = message || null;
  renderMessage();
}

function refuse(message) {
  page.inputError = message;
  renderMessage();
}

async function guarded(call) {
  try {
    await call();
  } catch (error) {
    if ((error.status === 404 || error.status === 410) && page.id && !page.recovered) {
      // the server restarted (404) or dropped the run to free memory (410): start it
      // again from the state, once; until a step succeeds, a second loss shows the error
      page.id = null;
      page.recovered = true;
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
  const reply = await refusable(api("/api/reset", body));
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
  const reply = await (body.state ? refusable(api("/api/step", body)) : api("/api/step", body));
  page.recovered = false;
  const t1 = performance.now();
  accept(reply);
  page.timing = { request: t1 - t0, draw: performance.now() - t1 }; // ms, for the benchmark
}

/** A request that sent the state: when the server refuses it (400), the state stays the
 * learner's and unsent, so Play sends it again and is refused again, never quietly
 * going back to the last state the server took. */
async function refusable(request) {
  try {
    return await request;
  } catch (error) {
    if (error.status === 400) page.dirty = true;
    throw error;
  }
}

/** An entry's refusal ends with an accepted change or a new run. */
function clearRefusal() {
  page.inputError = null;
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) el.setAttribute("aria-invalid", "false");
}

function accept(reply) {
  if (reply.frame.reset) clearRefusal();
  if (!page.dirty && reply.state) {
    page.state = { ...page.state, ...reply.state };
    writeHash(page.state);
    renderControls();
  }
  page.serverError = null;
  onFrame(reply.frame);
}

// ----------------------------------------------------------------------------- frames

function onFrame(frame) {
  if (frame.reset) {
    page.curves = { loss: [], accuracy: [], grad: [], testLoss: [], testAccuracy: [] };
    page.points = frame.points || [];
    page.testPoints = frame.test_points || [];
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
    if (frame.test_loss) {
      curves.testLoss.push([frame.epoch, frame.test_loss]);
      curves.testAccuracy.push([frame.epoch, frame.test_accuracy]);
    }
    if (curves.loss.length > MAX_ROWS) {
      for (const key of Object.keys(curves)) curves[key] = curves[key].filter((_, i) => i % 2 === 0 || i === curves[key].length - 1);
    }
  }
  if (frame.log?.length) appendPrintout(frame.log);
  draw();
  renderMessage();
  page.frames += 1;
  if (frame.done && page.playing) pause();
}

function draw() {
  const { frame, state } = page;
  if (!frame) return;
  const prob = decode(frame.prob);
  if (state._discrete) for (let i = 0; i < prob.length; i++) prob[i] = prob[i] >= 128 ? 255 : 0;
  paintGrid($("heatmap"), prob, frame.grid, 0, LIGHT);
  paintGrid($("agreement"), decode(frame.agree), frame.grid, 0, LIGHT);
  const focused = document.activeElement === $("points");
  const held = state._test ? page.testPoints : [];
  drawPoints($("points"), frame.extent, page.points, focused ? page.cursor : null, held);
  if (!$("n").dataset.editing) $("n").value = pointCount();
  page.geometry = drawNetwork($("net"), frame, $("heatmap"), state.features ?? ["x1", "x2"]);
  const centres = page.geometry.centres;
  renderUnitButtons(centres.slice(1, -1), centres[1] - centres[0]);
  const { curves } = page;
  const lossSeries = [...seedSeries(curves.loss, "#333333"), ...seedSeries(curves.testLoss, TEST_COLOUR)];
  drawChart($("loss-chart"), lossSeries, { log: true });
  const accSeries = [...seedSeries(curves.accuracy, "#333333"), ...seedSeries(curves.testAccuracy, TEST_COLOUR)];
  drawChart($("acc-chart"), accSeries, { yMin: 0, yMax: 1, percent: true });
  drawChart($("grad-chart"), gradientSeries(page.curves.grad), { log: true });
  renderGradLegend(frame.grad_norm.length);

  const k = frame.accuracy.length;
  const s = Math.min(state.selected ?? 0, k - 1);
  const perfect = frame.accuracy.filter((a) => a >= 1).length;
  const pct = (a) => (a >= 1 ? "100 %" : `${(a * 100).toFixed(1)} %`);
  const why = frame.done ? (frame.reason === "100 %" ? "Done, every seed at 100 %. " : "Done, the epoch budget is spent. ") : "";
  $("status").textContent =
    `${why}Epoch ${frame.epoch} · loss ${fmt(frame.loss[s])} · accuracy ${pct(frame.accuracy[s])}` +
    (frame.test_loss ? ` · test loss ${fmt(frame.test_loss[s])} · test accuracy ${pct(frame.test_accuracy[s])}` : "") +
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

/** Above each hidden column, TensorFlow Playground's − n units + for that layer; with
 * columns closer than its width (`spacing` px apart), + n − stacked, so none overlap. */
function renderUnitButtons(centres, spacing) {
  const box = $("layer-units");
  const hidden = page.state.hidden;
  const narrow = spacing < 100;
  const signature = JSON.stringify([hidden, centres.map(Math.round), narrow]);
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  box.classList.toggle("narrow", narrow);
  const focused = box.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") : null;
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
      const units = `${hidden[l]} unit${hidden[l] === 1 ? "" : "s"}`;
      count.textContent = narrow ? String(hidden[l]) : units;
      count.title = `${units} in layer ${l + 1}`;
      if (narrow) group.append(button("+", 1, "More"), count, button("−", -1, "Fewer"));
      else group.append(button("−", -1, "Fewer"), count, button("+", 1, "More"));
      return group;
    }),
  );
  // the keyboard stays on the rebuilt button (or its group's other one, once disabled)
  const again = focused && [...box.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === focused);
  if (again) (again.disabled ? [...again.parentElement.querySelectorAll("button")].find((b) => b !== again) : again).focus();
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
  clearRefusal();
  page.state = pair({ ...page.state, ...changes }, changes);
  writeHash(page.state);
  renderControls();
  if (Object.keys(changes).every((k) => k.startsWith("_"))) return draw(); // the page's view only
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

/** Keep output and loss a pair the server accepts: options.loss_output maps each loss
 * to the output it needs (null: any). A new loss sets its output; a new output the
 * old loss cannot take picks the loss that needs it, or else one that needs none. */
function pair(state, changes) {
  const needs = page.options.loss_output;
  const losses = Object.keys(needs);
  if ("loss" in changes) {
    if (needs[state.loss]) state.output = needs[state.loss];
  } else if ("output" in changes && needs[state.loss] && needs[state.loss] !== state.output) {
    state.loss = losses.find((l) => needs[l] === state.output) ?? losses.find((l) => !needs[l]) ?? state.loss;
  }
  if ("optimizer" in changes && !("lr" in changes) && page.options.optimizers[state.optimizer]) {
    state.lr = page.options.optimizers[state.optimizer].lr ?? state.lr;
    state.optimizer_args = changes.optimizer_args ?? {};
  }
  state.selected = Math.max(0, Math.min(state.selected ?? 0, state.seeds - 1));
  return state;
}

// -------------------------------------------------------------------------------- start

// What the page assumes when the server's /api/options leaves something out (an older
// or newer server): no presets, no hyperparameter fields, no loss/output rule. The
// limits are the server's only: the page keeps no copy of them.
function withFallbacks(o) {
  const optimizers = o.optimizers ?? { [o.state.optimizer]: { lr: o.state.lr, args: {} } };
  return {
    datasets: [o.state.data],
    activations: [o.state.activation],
    losses: [o.state.loss],
    inits: [o.state.init],
    schedules: [o.state.schedule],
    presets: {},
    loss_output: {},
    ...o,
    optimizers: Array.isArray(optimizers) ? Object.fromEntries(optimizers.map((n) => [n, { args: {} }])) : optimizers,
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
  bindControls(page, { set, play, pause, step, reset, api, enqueue, guarded, fetchCommand, showError, refuse, draw });
  renderControls();
  writeHash(page.state);
  await enqueue(() => guarded(opening));
}

/** The first run: the link's state, checked by the server as any reset; refused, the
 * defaults instead (so the page has a run to show) and the refusal as the message. */
async function opening() {
  try {
    await reset();
  } catch (error) {
    if (error.status !== 400) throw error;
    page.state = pair({ ...readHash({}), ...page.options.state }, {}); // the link's view keys stay
    await reset();
    showError(`The link's setup was refused (${error.message}); this is the default setup.`);
  }
}

start();
