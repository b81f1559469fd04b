// Drawing: everything here reads a frame (or the curves) and paints; nothing writes state.

import { FEATURES } from "./state.js";
//
// Heatmaps are painted at the grid's resolution (one canvas pixel per grid cell) and
// stretched by CSS, as TensorFlow Playground's heatmap.ts does; the server sends the
// grid as base64 uint8, row 0 at the top.

export const BLUE = [8, 119, 189]; // class 0
export const ORANGE = [245, 147, 34]; // class 1
const WHITE = [232, 234, 235];

/** 256 RGBA colours from blue (0) through light grey (0.5) to orange (1), mixed
 * `light` of the way to white (the heatmaps are lighter, so the points stand out). */
function ramp(light = 0) {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const [a, b, s] = t < 0.5 ? [BLUE, WHITE, t * 2] : [WHITE, ORANGE, (t - 0.5) * 2];
    for (let c = 0; c < 3; c++) {
      const v = a[c] + (b[c] - a[c]) * s;
      lut[i * 4 + c] = Math.round(v + (255 - v) * light);
    }
    lut[i * 4 + 3] = 255;
  }
  return lut;
}
export const LUT = ramp();
export const LIGHT = ramp(0.3);

export function decode(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Paint `bytes` (side × side uint8, 0 = class 0) on `canvas`, resized to side × side. */
export function paintGrid(canvas, bytes, side, offset = 0, lut = LUT) {
  if (canvas.width !== side) canvas.width = canvas.height = side;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(side, side);
  const px = image.data;
  for (let i = 0; i < side * side; i++) {
    px.set(lut.subarray(bytes[offset + i] * 4, bytes[offset + i] * 4 + 4), i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

/** Fit a canvas's backing store to its CSS size × devicePixelRatio; return its 2-D context in CSS pixels. */
export function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

/** Plane coordinates (x, y) → canvas pixels, for the frame's extent [x0, x1, y0, y1]. */
export function toPixel(extent, w, h, x, y) {
  const [x0, x1, y0, y1] = extent;
  return [((x - x0) / (x1 - x0)) * w, ((y1 - y) / (y1 - y0)) * h];
}

export function toPlane(extent, w, h, px, py) {
  const [x0, x1, y0, y1] = extent;
  return [x0 + (px / w) * (x1 - x0), y1 - (py / h) * (y1 - y0)];
}

/** The training points over the heatmap: filled by class, outlined white; axes ticks;
 * the keyboard's `cursor` [x, y] (when the plane has focus) as a ringed cross. */
export function drawPoints(canvas, extent, points, cursor = null, held = []) {
  const { ctx, w, h } = fitCanvas(canvas);
  const r = points.length + held.length > 400 ? 3 : 4.5;
  // The held-out (test) points: hollow rings of their class's colour.
  for (const [x, y, label] of held) {
    const [px, py] = toPixel(extent, w, h, x, y);
    ctx.beginPath();
    ctx.arc(px, py, r, 0, 2 * Math.PI);
    ctx.lineWidth = 3.5;
    ctx.strokeStyle = "white";
    ctx.stroke();
    ctx.lineWidth = 2;
    ctx.strokeStyle = `rgb(${(label ? ORANGE : BLUE).join(",")})`;
    ctx.stroke();
  }
  for (const [x, y, label] of points) {
    const [px, py] = toPixel(extent, w, h, x, y);
    ctx.beginPath();
    ctx.arc(px, py, r, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${(label ? ORANGE : BLUE).join(",")})`;
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = "white";
    ctx.stroke();
  }
  // The unit square's corners, so the plane's scale is readable.
  ctx.fillStyle = "rgba(0,0,0,0.55)";
  ctx.font = "10px system-ui, sans-serif";
  for (const [x, y, text, align] of [
    [0, 0, "0", "left"],
    [1, 0, "1", "right"],
  ]) {
    const [px, py] = toPixel(extent, w, h, x, y);
    ctx.textAlign = align;
    ctx.fillText(text, px + (align === "left" ? 2 : -2), Math.min(h - 2, py + 12));
  }
  if (cursor) {
    const [px, py] = toPixel(extent, w, h, ...cursor);
    for (const [colour, width] of [["white", 4], ["#111", 1.5]]) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.arc(px, py, 8, 0, 2 * Math.PI);
      ctx.moveTo(px - 13, py);
      ctx.lineTo(px + 13, py);
      ctx.moveTo(px, py - 13);
      ctx.lineTo(px, py + 13);
      ctx.stroke();
    }
  }
}

// ---------------------------------------------------------------------------- network

/**
 * The network on one canvas: inputs x1, x2, each hidden unit's thumbnail, the output
 * (the selected seed's heatmap), and between them every weight as a line, orange
 * positive and blue negative, width by |w|. Returns the geometry for hover look-ups.
 */
export function drawNetwork(canvas, frame, probCanvas, features = ["x1", "x2"]) {
  const { ctx, w, h } = fitCanvas(canvas);
  const sizes = [frame.weights[0].w.length, ...frame.units.map((u) => u.size), 1];
  const columns = sizes.length;
  const pad = 26;
  const head = 60; // room at the top for each layer's unit buttons (stacked when narrow)
  const slot = 30; // the biggest node; a column of many units gets smaller ones
  const names = features.map((f) => FEATURES[f]?.[0] ?? f);
  ctx.font = "11px system-ui, sans-serif";
  // the inputs' labels sit left of their nodes: room for the widest, whole
  const left = Math.max(pad, Math.ceil(Math.max(...names.map((t) => ctx.measureText(t).width))) + 6);
  const colX = (c) => left + (c * (w - left - pad - slot)) / (columns - 1);
  const room = h - head - pad;
  const nodes = sizes.map((n, c) => {
    const node = Math.max(4, Math.min(slot, room / n - 4));
    const gap = Math.min(12, Math.max(1, (room - n * node) / Math.max(1, n - 1)));
    const top = head + (room - (n * node + (n - 1) * gap)) / 2;
    const x = colX(c) + (slot - node) / 2;
    return Array.from({ length: n }, (_, u) => ({ x, y: top + u * (node + gap), size: node, c, u }));
  });

  // Weights first, under the nodes: one path per sign and size bucket (thousands of
  // lines in a 6 × 64 network draw in a few strokes), fainter the more lines there are.
  let wmax = 1e-12;
  for (const layer of frame.weights) for (const row of layer.w) for (const v of row) wmax = Math.max(wmax, Math.abs(v));
  const lines = [];
  const BUCKETS = 8;
  const paths = [0, 1].map(() => Array.from({ length: BUCKETS + 1 }, () => new Path2D()));
  frame.weights.forEach((layer, l) => {
    layer.w.forEach((row, i) => {
      row.forEach((v, j) => {
        const a = nodes[l][i];
        const b = nodes[l + 1][j];
        const line = { x0: a.x + a.size, y0: a.y + a.size / 2, x1: b.x, y1: b.y + b.size / 2, v, l, i, j };
        lines.push(line);
        const path = paths[v >= 0 ? 1 : 0][Math.round((Math.abs(v) / wmax) * BUCKETS)];
        path.moveTo(line.x0, line.y0);
        path.lineTo(line.x1, line.y1);
      });
    });
  });
  const dense = Math.min(1, Math.sqrt(400 / Math.max(1, lines.length)));
  for (let k = 0; k <= BUCKETS; k++) {
    const m = k / BUCKETS; // the big weights last, on top, whatever their sign
    ctx.lineWidth = 0.4 + 4 * dense * Math.sqrt(m);
    for (const sign of [0, 1]) {
      ctx.strokeStyle = `rgba(${(sign ? ORANGE : BLUE).join(",")},${(0.2 + 0.8 * m) * (0.3 + 0.7 * dense)})`;
      ctx.stroke(paths[sign][k]);
    }
  }

  // Inputs: each feature over the plane, scaled from its least to its largest value.
  ctx.imageSmoothingEnabled = false;
  const scratch = document.createElement("canvas");
  nodes[0].forEach((n, i) => {
    paintGrid(scratch, featureBytes(features[i], frame.extent), FEATURE_SIDE);
    ctx.drawImage(scratch, n.x, n.y, n.size, n.size);
  });
  // Hidden units: each one's thumbnail.
  frame.units.forEach((layer, l) => {
    const bytes = decode(layer.data);
    const t = layer.thumb;
    for (let u = 0; u < layer.size; u++) {
      paintGrid(scratch, bytes, t, u * t * t);
      const n = nodes[l + 1][u];
      ctx.drawImage(scratch, n.x, n.y, n.size, n.size);
    }
  });
  // Output: the selected seed's heatmap.
  const out = nodes[columns - 1][0];
  ctx.drawImage(probCanvas, out.x, out.y, out.size, out.size);
  ctx.strokeStyle = "rgba(0,0,0,0.35)";
  ctx.lineWidth = 1;
  for (const column of nodes) for (const n of column) ctx.strokeRect(n.x + 0.5, n.y + 0.5, n.size - 1, n.size - 1);

  // Column captions.
  ctx.fillStyle = "#555";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  sizes.forEach((n, c) => {
    // hidden columns are captioned by their unit buttons (app.js), over the canvas
    if (c === 0 || c === columns - 1) ctx.fillText(c ? "output" : "input", colX(c) + slot / 2, 11);
  });
  ctx.fillStyle = "#333";
  ctx.textAlign = "right";
  nodes[0].forEach((n, i) => ctx.fillText(names[i], n.x - 2, n.y + n.size / 2 + 4));
  return { nodes, lines, names, centres: sizes.map((_, c) => colX(c) + slot / 2) };
}

const FEATURE_SIDE = 24;

/** Feature `name` over the plane `extent` as FEATURE_SIDE² bytes, row 0 at the top. */
// An input's picture depends on its name and the plane only (a new run), not the frame.
const featureCache = new Map();

function featureBytes(name, extent) {
  const key = `${name} ${extent.join(" ")}`;
  if (!featureCache.has(key)) {
    if (featureCache.size > 32) featureCache.clear();
    featureCache.set(key, featurePicture(name, extent));
  }
  return featureCache.get(key);
}

function featurePicture(name, extent) {
  const f = FEATURES[name]?.[1] ?? (() => 0);
  const side = FEATURE_SIDE;
  const values = new Float64Array(side * side);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      values[r * side + c] = f(...toPlane(extent, side, side, c + 0.5, r + 0.5));
    }
  }
  let [lo, hi] = [Math.min(...values), Math.max(...values)];
  if (hi - lo < 1e-12) [lo, hi] = [lo - 1, hi + 1];
  return Uint8Array.from(values, (v) => Math.round((255 * (v - lo)) / (hi - lo)));
}

/** What is under the mouse in the network: a unit (with its bias) or the nearest weight line. */
export function networkHit(geometry, frame, x, y) {
  if (!geometry) return null;
  const { nodes, lines } = geometry;
  for (const column of nodes) {
    for (const n of column) {
      if (x >= n.x && x <= n.x + n.size && y >= n.y && y <= n.y + n.size) {
        if (n.c === 0) return `input ${geometry.names[n.u]}`;
        const layer = frame.weights[n.c - 1];
        const bias = layer.b ? `, bias ${fmt(layer.b[n.u])}` : "";
        const what = n.c === nodes.length - 1 ? "output" : `layer ${n.c}, unit ${n.u + 1}`;
        return `${what}${bias}`;
      }
    }
  }
  let best = null;
  let bestDist = 5; // pixels
  for (const l of lines) {
    const dx = l.x1 - l.x0;
    const dy = l.y1 - l.y0;
    const t = Math.max(0, Math.min(1, ((x - l.x0) * dx + (y - l.y0) * dy) / (dx * dx + dy * dy)));
    const d = Math.hypot(x - (l.x0 + t * dx), y - (l.y0 + t * dy));
    if (d < bestDist) [best, bestDist] = [l, d];
  }
  if (!best) return null;
  const from = best.l === 0 ? geometry.names[best.i] : `unit ${best.l}.${best.i + 1}`;
  const to = best.l === frame.weights.length - 1 ? "output" : `unit ${best.l + 1}.${best.j + 1}`;
  return `weight ${from} → ${to}: ${fmt(best.v)}`;
}

export function fmt(v) {
  if (typeof v !== "number" || Number.isNaN(v)) return v === null || v === undefined ? "–" : String(v); // a link's "abc"
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

// ----------------------------------------------------------------------------- charts

const LAYER_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"];
export function layerColour(l) {
  return LAYER_COLOURS[l % LAYER_COLOURS.length];
}

function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * A line chart over epochs. `series` is [{values: [[epoch, y]...], colour, width}];
 * `log` plots log10(y). Axis labels: the y range at the left, the epochs along the bottom.
 */
export function drawChart(canvas, series, { log = false, yMin = null, yMax = null, percent = false } = {}) {
  const { ctx, w, h } = fitCanvas(canvas);
  const left = 44;
  const bottom = 14;
  const top = 8;
  const right = 6;
  const f = (y) => (log ? Math.log10(y) : y);
  let lo = Infinity;
  let hi = -Infinity;
  let e1 = 1;
  for (const s of series) {
    for (const [e, y] of s.values) {
      e1 = Math.max(e1, e);
      const v = f(y);
      if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    }
  }
  if (yMin !== null) lo = f(yMin);
  if (yMax !== null) hi = f(yMax);
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (log) [lo, hi] = [Math.floor(lo), Math.max(Math.ceil(hi), Math.floor(lo) + 1)];
  if (hi - lo < 1e-12) hi = lo + 1;
  const X = (e) => left + (e / e1) * (w - left - right);
  const Y = (v) => top + (1 - (v - lo) / (hi - lo)) * (h - top - bottom);

  ctx.strokeStyle = "#ddd";
  ctx.fillStyle = "#666";
  ctx.font = "10px system-ui, sans-serif";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  const ticks = log ? Array.from({ length: hi - lo + 1 }, (_, i) => lo + i) : [lo, (lo + hi) / 2, hi];
  const every = Math.ceil(ticks.length / 5);
  ticks.forEach((t, i) => {
    const y = Y(t);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(w - right, y);
    ctx.stroke();
    if ((ticks.length - 1 - i) % every === 0) {
      const label = log ? `1e${t}` : percent ? `${Math.round(t * 100)} %` : fmt(t);
      ctx.fillText(label, left - 4, y + 3);
    }
  });
  ctx.textAlign = "left";
  ctx.fillText("0", left, h - 2);
  ctx.textAlign = "right";
  ctx.fillText(`epoch ${e1}`, w - right, h - 2);

  for (const s of series) {
    ctx.beginPath();
    let pen = false;
    for (const [e, y] of s.values) {
      const v = f(y);
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const [px, py] = [X(e), Y(Math.max(lo, Math.min(hi, v)))];
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
    }
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = s.width;
    ctx.stroke();
  }
}

/** The curves as chart series: each seed thin, the median bold. */
export function seedSeries(rows, colour) {
  if (!rows.length) return [];
  const k = rows[0][1].length;
  const series = [];
  for (let m = 0; m < k; m++) {
    series.push({ values: rows.map(([e, v]) => [e, v[m]]), colour: colour + "55", width: 1 });
  }
  series.push({ values: rows.map(([e, v]) => [e, median(v)]), colour, width: 2.5 });
  return series;
}

export function gradientSeries(rows) {
  if (!rows.length) return [];
  return rows[0][1].map((_, l) => ({
    values: rows.map(([e, layers]) => [e, median(layers[l])]),
    colour: layerColour(l),
    width: 2,
  }));
}

export { median };
