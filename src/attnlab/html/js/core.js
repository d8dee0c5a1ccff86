// core.js: a page's data (decoded from its blob) and every way of indexing it, its state, colours,
// DOM helpers and downloads. Views reach the data only through the core of their page:
// `createCore(meta, blob)` makes one per page (a page file makes one; the web app one per trace it
// draws), so nothing here reads the document. Its DOM helper `el` is also exported on its own (the
// web app's modules build their screens with it). Every token text reaches the page through
// textContent, canvas fillText or escXml: never as markup.

const FONT = '"IPAexGothic", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif';

function b64bytes(b64) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(b64);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// {name: typed array} of the arrays meta.arrays describes in the blob (base64 of deflate, encode.py)
async function inflate(arrays, blob) {
  const stream = new Blob([b64bytes(blob.trim())]).stream().pipeThrough(new DecompressionStream("deflate"));
  const buf = await new Response(stream).arrayBuffer(), data = {};
  for (const [name, info] of Object.entries(arrays)) {
    const count = info.shape.reduce((a, b) => a * b, 1);
    data[name] = info.dtype === "u8" ? new Uint8Array(buf, info.offset, count) : new Float32Array(buf, info.offset, count);
  }
  return data;
}

// colours: the colour language of plot/_style.py, one for pages and figures: weights (and every share
// on 0..1) on viridis, signed numbers on RdBu_r centred on 0; each map as 17 stops sampled from
// matplotlib's, linearly between: within 8 of 255 of matplotlib's everywhere (tests/plot/test_colours.py)
const VIRIDIS = [[68, 1, 84], [72, 24, 106], [71, 45, 123], [66, 64, 134], [59, 82, 139], [51, 99, 141],
  [44, 114, 142], [38, 130, 142], [33, 145, 140], [31, 160, 136], [40, 174, 128], [63, 188, 115], [94, 201, 98],
  [132, 212, 75], [173, 220, 48], [216, 226, 25], [253, 231, 37]];
const RDBU = [[5, 48, 97], [23, 82, 144], [42, 113, 178], [63, 142, 192], [107, 172, 209], [155, 201, 224],
  [194, 221, 236], [224, 236, 243], [247, 246, 246], [251, 229, 216], [251, 204, 180], [245, 170, 137],
  [228, 128, 102], [208, 85, 72], [186, 40, 50], [147, 14, 38], [103, 0, 31]];
const MASKED_RGB = [226, 226, 226];
function rgba32(r, g, b) { return (255 << 24) | (b << 16) | (g << 8) | r; } // little-endian ImageData
function along(stops, t) { // t in 0..1 along the stops
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(x)), f = x - i;
  const a = stops[i], b = stops[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f));
}
function viridis(t) { return along(VIRIDIS, t); }
const LUT = new Uint32Array(256).map((_, i) => rgba32(...viridis(i / 255)));
const MASKED32 = rgba32(...MASKED_RGB);
function cssColor(rgb) { return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`; }
// the text colour readable on rgb: white on dark cells (WCAG relative luminance, as plot/matrix.py)
function inkOn(rgb) {
  const lin = (c) => (c <= 10.03 ? c / 3294.6 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]) > 0.408 ? "#111" : "white";
}
// per scale, the colour position (0..1) of a weight v whose row max is rm
const LOG_DECADES = 4;
function scalePos(v, rm, mode) {
  if (mode === "row") return rm > 0 ? v / rm : 0;
  if (mode === "log") return v > 0 ? Math.max(0, (Math.log10(v) + LOG_DECADES) / LOG_DECADES) : 0;
  return v;
}
// signed values (scores, x, Q, K, V, outputs) t in -1..1: blue < 0 < red, white at 0
function diverging(t) { return along(RDBU, (Math.max(-1, Math.min(1, t)) + 1) / 2); }

// numbers and text -------------------------------------------------------------------------------
function fmtW(v) { return v.toFixed(4); }
function fmtNum(v) {
  if (v === null || v === undefined) return "–";
  if (v === -Infinity) return "−∞";
  return Math.abs(v) >= 1000 ? v.toExponential(3) : v.toFixed(4);
}
function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }
function escXml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// DOM ----------------------------------------------------------------------------------------------
// el(tag, attrs, ...children): attrs class, text (textContent), on<event> (a listener), else an
// attribute (true: present and empty; null, undefined, false: left out); children null, undefined,
// false and "" are left out
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false && c !== "") e.append(c);
  return e;
}
// svgEl(tag, attrs, text): an SVG element (attrs set as they are; text its textContent)
function svgEl(tag, attrs, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function select(options, value, onchange) {
  const s = el("select", { onchange: () => onchange(s.value) });
  for (const [v, label] of options) s.append(el("option", { value: String(v), text: label }));
  s.value = String(value);
  return s;
}
function hiDpi(canvas, w, h) {
  const r = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * r); canvas.height = Math.round(h * r);
  canvas.style.width = `${w}px`; canvas.style.height = `${h}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(r, 0, 0, r, 0, 0);
  return ctx;
}

// exports ------------------------------------------------------------------------------------------
function download(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
function svgDoc(w, h, body) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" ` +
    `xmlns:xlink="http://www.w3.org/1999/xlink" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ` +
    `font-family='${FONT.replace(/'/g, "")}'>\n<rect width="100%" height="100%" fill="white"/>\n${body}</svg>\n`;
}

// the core of one page: meta as encode.py writes it (labels included: meta.labels), blob its base64
// arrays; resolves once the arrays are inflated. env: what the web app adds (a page file gives none):
// - remote(core) -> what a remote page (meta.remote: a trace too long for one page, no weights here)
//   reads from the server instead (server/static/remote.js): {mapData, has, need, remote}, replacing the
//   page file's own below (every map here; `remote` null) before any view is built;
// - editX(i, j): the playground's own control for cell (i, j) of x (one state: views edit through it);
// - onState(STATE, key): told of every change of the page's state (tab, layer, head: the app's address);
// - heading: the level of the page's title (1 in a page file; 2 in the app, under its own title)
// Paired axes: a map's rows are META.tokens (N queries) and its columns META.k_tokens (K keys) where the
// page has them (an encoder-decoder's cross-attention part: target rows, source columns; html/parts.py),
// else the same tokens (K === N). Views that declare View.paired label columns with keyText / keyLabel.
// A remote page (the app) is never paired: its maps are N x N.
export async function createCore(meta, blob, env = {}) {
  const META = meta, L = meta.labels || {}; // the page's words: the keys its views declare (attnlab.views)
  const N = META.tokens.length;
  const KEYS = META.k_tokens || META.tokens, K = KEYS.length; // the columns' tokens
  const H = META.n_heads;
  const M = H + (META.has_mean ? 1 : 0); // maps per layer: the heads, then their mean
  // timings and errors for tests and benchmarks (the page file shows them as window.__attnlab)
  const PERF = { hover: [], switchMs: [], errors: [], ready: false };
  // long rows wash out on a fixed 0..1 scale: beyond 256 tokens the heatmap opens on per-row scaling;
  // the page opens on its focus (layer, head): the one the command line chose
  const STATE = new Proxy({ li: Math.max(0, META.layers.indexOf(META.focus[0])), map: META.focus[1],
    scale: N > 256 ? "row" : "linear", view: META.view }, {
    set(target, key, value) {
      const changed = target[key] !== value;
      target[key] = value;
      if (changed && env.onState) env.onState(target, key);
      return true;
    },
  });
  const DATA = await inflate(META.arrays, blob); // name -> typed array

  // weights: one map is (layer index li, map m: a head, or the mean when m === H) ------------------
  // where map (li, m) lies: its codes, steps and scores (null: none) and their offsets; a remote page's
  // (env.remote) come from the server once core.need() brought them
  function mapData(li, m) {
    return { codes: DATA.weights, step: DATA.step, scores: META.has_scores && m < H ? DATA.scores : null,
      base: (li * M + m) * N * K, rbase: (li * M + m) * N, sbase: (li * H + m) * N * K };
  }
  // a weight is its 8-bit code times its row's step (see encode.py): within ±0.002; a map is N x K
  function weightMap(li, m) {
    const { codes, step: steps, scores, base, rbase, sbase } = core.mapData(li, m);
    const rowMaxCode = (q) => {
      let mx = 0;
      for (let k = 0, off = base + q * K; k < K; k++) if (codes[off + k] > mx) mx = codes[off + k];
      return mx;
    };
    return {
      at: (q, k) => codes[base + q * K + k] * steps[rbase + q],
      code: (q, k) => codes[base + q * K + k],
      step: (q) => steps[rbase + q],
      rowMax: (q) => rowMaxCode(q) * steps[rbase + q],
      hasScores: scores !== null,
      // pre-softmax score (null: the mean, or a page without scores)
      score: (q, k) => (scores === null ? null : scores[sbase + q * K + k]),
    };
  }
  function weightAt(li, m, q, k) { return weightMap(li, m).at(q, k); }
  function isMasked(q, k) { return META.causal && k > q; }

  // a stage array of the toy (pipeline): stage(name).at(i, j) or .at(h, i, j), by its shape
  function stage(name) {
    const info = META.arrays[`stage_${name}`], a = DATA[`stage_${name}`];
    if (!info) return null;
    const s = info.shape;
    return {
      shape: s,
      at: s.length === 2 ? (i, j) => a[i * s[1] + j] : (h, i, j) => a[(h * s[1] + i) * s[2] + j],
    };
  }

  // names ----------------------------------------------------------------------------------------
  function layerName(li) { return `${L.layer} ${META.layers[li]}`; }
  function mapName(m) { return m >= H ? `${L.head} ${L.mean}` : `${L.head} ${m}`; }
  function shownText(tok) {
    const t = tok.text.replace(/\n/g, "⏎").replace(/\t/g, "⇥");
    return t === "" ? "∅" : t;
  }
  function tokText(i) { return shownText(META.tokens[i]); }
  function tokLabel(i) { return `${i} ${tokText(i)}`; }
  // the columns' tokens (paired axes: another list; else the rows' own)
  function keyToken(k) { return KEYS[k]; }
  function keyText(k) { return shownText(KEYS[k]); }
  function keyLabel(k) { return `${k} ${keyText(k)}`; }

  // the map of (layer, map) as ImageData K x N in the given scale (one row LUT per query row)
  function mapImage(li, m, mode) {
    const img = new ImageData(K, N), px = new Uint32Array(img.data.buffer), w = weightMap(li, m);
    const rowLut = new Uint32Array(256);
    for (let q = 0; q < N; q++) {
      const poff = q * K, st = w.step(q), rm = w.rowMax(q);
      for (let c = 0; c < 256; c++) rowLut[c] = LUT[Math.round(255 * scalePos(c * st, rm, mode))];
      for (let k = 0; k < K; k++) px[poff + k] = rowLut[w.code(q, k)];
      if (META.causal) for (let k = q + 1; k < K; k++) px[poff + k] = MASKED32;
    }
    return img;
  }

  function layerSelect(onchange) {
    return select(META.layers.map((l, i) => [i, layerName(i)]), STATE.li, (v) => onchange(+v));
  }
  function headSelect(onchange) {
    const opts = [];
    for (let m = 0; m < M; m++) opts.push([m, mapName(m)]);
    return select(opts, STATE.map, (v) => onchange(+v));
  }
  const SCALES = [["linear", L.scale_linear], ["row", L.scale_row], ["log", L.scale_log]];
  function scaleSelect(onchange) {
    return select(SCALES, STATE.scale, onchange);
  }
  function exportButtons(name, toCanvas, toSvg) {
    const png = el("button", { class: "export", "data-export": "png", text: L.export_png, onclick: () =>
      toCanvas().toBlob((b) => download(b, `attnlab-${name}.png`), "image/png") });
    const svg = el("button", { class: "export", "data-export": "svg", text: L.export_svg, onclick: () =>
      download(new Blob([toSvg()], { type: "image/svg+xml" }), `attnlab-${name}.svg`) });
    return [png, svg];
  }

  const core = {
    META, L, N, K, H, M, FONT, PERF, STATE, DATA, editX: env.editX || null, LEVEL: env.heading || 1,
    // a page file holds every map: has(li, m) true; need(li, maps, root, name) resolves at once; no server
    mapData, has: () => true, need: () => Promise.resolve(), remote: null,
    weightMap, weightAt,
    isMasked, stage,
    layerName, mapName, tokText, tokLabel, keyToken, keyText, keyLabel,
    fmtW, fmtNum, clip, viridis, LUT, MASKED_RGB, MASKED32,
    cssColor, inkOn, scalePos, diverging, mapImage, el, svgEl, select, layerSelect, headSelect, scaleSelect, hiDpi,
    escXml, download, exportButtons, svgDoc,
  };
  return env.remote ? Object.assign(core, env.remote(core)) : core;
}
