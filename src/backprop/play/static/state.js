// The page's one state object (TensorFlow Playground's state.ts idea): every control
// writes it, rendering reads it, and it lives in location.hash as
// "#" + encodeURIComponent(JSON), so a link reopens the same setup.
//
// Fields are the server's (Config's and the CLI's names, see GET /api/options);
// keys starting with "_" are the page's own and the server ignores them.

export const PAGE_DEFAULTS = {
  _speed: 3, // epochs per frame: index into SPEEDS (5)
  _draw: "add", // what a click on the heatmap does: add | remove | off
  _class: 1, // the class a click, tap or Enter adds (Shift: the other one)
  _test: true, // draw the held-out points (hollow)
  _discrete: false, // the heatmap thresholded at the loss's threshold
};

// L1 and L2 λ the page offers (TensorFlow Playground's).
export const PENALTIES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];

// Input features: backprop.nn.features' names, their labels and f(x1, x2) for the
// network's input thumbnails.
export const FEATURES = {
  x1: ["x1", (a) => a],
  x2: ["x2", (a, b) => b],
  x1sq: ["x1²", (a) => a * a],
  x2sq: ["x2²", (a, b) => b * b],
  x1x2: ["x1·x2", (a, b) => a * b],
  sinx1: ["sin x1", (a) => Math.sin(a)],
  sinx2: ["sin x2", (a, b) => Math.sin(b)],
};

// Epochs per frame, chosen by the speed slider.
export const SPEEDS = [1, 2, 3, 5, 8, 10, 20, 50, 100, 200, 500];

/** The state in the hash merged over the defaults; keys the server does not know are dropped. */
export function readHash(defaults) {
  const state = { ...defaults, ...PAGE_DEFAULTS };
  const text = location.hash.slice(1);
  if (!text) return state;
  try {
    const saved = JSON.parse(decodeURIComponent(text));
    for (const [key, value] of Object.entries(saved)) {
      if (key in state) state[key] = value;
    }
  } catch {
    // a hand-edited or truncated link: start from the defaults
  }
  return state;
}

export function writeHash(state) {
  const text = "#" + encodeURIComponent(JSON.stringify(state));
  if (text !== location.hash) history.replaceState(null, "", text);
}

/** The request body's state: the page-only keys stay on the page. */
export function serverState(state) {
  return Object.fromEntries(Object.entries(state).filter(([k]) => !k.startsWith("_")));
}
