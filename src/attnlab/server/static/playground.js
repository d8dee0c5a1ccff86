// playground.js (app): the toy lab, live. Tokens, x (editable cells), seed, d_model, heads,
// temperature and the causal mask; every change is sent to the server, which computes the trace with
// the same toy source as `attnlab toy` (POST /api/toy/page), and the page views (pipeline, heatmap,
// head view, model view) are drawn again from its answer, with the computed explanation.
// Presets: the tutorial's listing 2 and its next steps 1-4 (step 4 opens the text explorer).
// Each repaint records the time from the edit's input event to the frame that shows it (APP.edits).

import { el } from "../../html/js/core.js";
import * as api from "./api.js";
import * as mnt from "./mount.js";

const { L, post, APP, BOOT } = api;
const DEFAULTS = { tokens: "Tokyo is beautiful", d_model: 4, heads: 1, seed: 42, temperature: 1, causal: false };
const CITY = "Tokyo is a beautiful city with many old temples";
const PRESETS = [
  ["tutorial", L.preset_tutorial, { ...DEFAULTS }],
  ["step1", L.preset_step1, { ...DEFAULTS, tokens: CITY }],
  ["step2", L.preset_step2, { ...DEFAULTS, tokens: CITY, d_model: 16 }],
  ["step3", L.preset_step3, { ...DEFAULTS, tokens: CITY, d_model: 16, heads: 4 }],
];
const MAX_X_CELLS = 2048; // beyond this x is not shown as editable cells (the pipeline still draws it)

export function build(host, options) {
  const opts = { ...DEFAULTS, ...(options || {}) };
  if (Array.isArray(opts.tokens)) opts.tokens = opts.tokens.join(" ");
  let x = opts.x || null; // null: the server's x (the tutorial's, or drawn from the seed); else explicit rows
  delete opts.x;
  let seq = 0, shown = 0, lastX = null;

  const err = el("div", { class: "error", "data-testid": "toy-error", role: "alert" });
  const explanation = el("pre", { class: "explanation", "data-testid": "toy-explanation" });
  const views = el("div", { class: "views", "data-testid": "toy-views" });
  const links = el("span", { class: "links" });
  const xBox = el("div", { class: "xgrid", "data-testid": "toy-x" });

  const field = (name, attrs) => {
    const input = el("input", { name, "data-testid": `toy-${name}`, ...attrs });
    input.value = String(opts[name]);
    return input;
  };
  const tokens = field("tokens", { type: "text", size: 48, spellcheck: "false" });
  const dModel = field("d_model", { type: "number", min: 1, max: 512, step: 1 });
  const heads = field("heads", { type: "number", min: 1, max: 16, step: 1 });
  const seed = field("seed", { type: "number", step: 1 });
  const temp = field("temperature", { type: "number", min: 0.05, max: 20, step: 0.05 });
  const tempRange = el("input", { type: "range", min: -3, max: 3, step: 0.05, "data-testid": "toy-temperature-range" });
  tempRange.value = String(Math.log2(opts.temperature));
  const causal = el("input", { type: "checkbox", name: "causal", "data-testid": "toy-causal" });
  causal.checked = !!opts.causal;

  // any edit: read the controls, send, draw the answer (older answers than the one drawn are dropped)
  function edited(ev, change) {
    change();
    send(ev ? ev.timeStamp : performance.now());
  }
  tokens.addEventListener("input", (ev) => edited(ev, () => { opts.tokens = tokens.value; x = null; }));
  dModel.addEventListener("input", (ev) => { if (dModel.value !== "") edited(ev, () => { opts.d_model = Number(dModel.value); x = null; }); });
  heads.addEventListener("input", (ev) => { if (heads.value !== "") edited(ev, () => { opts.heads = Number(heads.value); }); });
  seed.addEventListener("input", (ev) => { if (seed.value !== "") edited(ev, () => { opts.seed = Number(seed.value); }); });
  temp.addEventListener("input", (ev) => {
    if (temp.value !== "" && Number(temp.value) > 0) {
      edited(ev, () => { opts.temperature = Number(temp.value); tempRange.value = String(Math.log2(opts.temperature)); });
    }
  });
  tempRange.addEventListener("input", (ev) => edited(ev, () => {
    opts.temperature = Number((2 ** Number(tempRange.value)).toPrecision(3)); temp.value = String(opts.temperature);
  }));
  causal.addEventListener("change", (ev) => edited(ev, () => { opts.causal = causal.checked; }));

  function body() {
    const out = { tokens: opts.tokens, d_model: opts.d_model, heads: opts.heads, seed: opts.seed,
      temperature: opts.temperature, causal: opts.causal };
    if (x) out.x = x;
    return out;
  }

  async function send(t0) {
    const mine = ++seq;
    let data;
    const t1 = performance.now();
    try {
      data = await post(`/api/toy/page?lang=${BOOT.lang}`, body());
    } catch (e) {
      if (mine === seq) { err.textContent = e.message; err.hidden = false; }
      return;
    }
    if (mine < shown) return; // a newer answer is already on screen
    shown = mine;
    const t2 = performance.now();
    const core = await mnt.mount(views, data, mnt.currentState(views));
    if (!core) return; // replaced by a newer answer before it was drawn
    const t3 = performance.now();
    if (mine === seq) { err.textContent = ""; err.hidden = true; }
    showX(data.x);
    links.replaceChildren(
      el("a", { href: `/t/${data.trace_id}?lang=${BOOT.lang}`, "data-testid": "toy-link", text: L.share_link }),
      el("a", { href: `/api/traces/${data.trace_id}/page?lang=${BOOT.lang}`, download: "", "data-testid": "toy-download",
        text: L.download_page }));
    requestAnimationFrame(() => APP.edits.push({ ms: performance.now() - t0, seq: mine, fetch: t2 - t1, mount: t3 - t2 }));
    // the explanation came with the page (its 読み取れること tab carries it): shown below the views too
    const explained = (data.meta.view_meta || {}).explain;
    explanation.textContent = explained && explained.text ? explained.text : "";
    explanation.dataset.seq = mine;
  }

  // x as a grid of inputs, rebuilt when its shape changes; editing a cell makes x explicit
  function showX(rows) {
    const shape = `${rows.length}x${rows[0].length}`, labels = opts.tokens.trim().split(/\s+/);
    if (rows.length * rows[0].length > MAX_X_CELLS) { xBox.replaceChildren(el("p", { class: "hint", text: L.x_too_big })); lastX = null; return; }
    if (lastX !== shape) {
      lastX = shape;
      const table = el("table", {}, el("tr", {}, el("th"), ...rows[0].map((_, j) => el("th", { text: `d${j + 1}` }))));
      rows.forEach((row, i) => {
        table.append(el("tr", {}, el("th", { text: labels[i] || String(i) }), ...row.map((v, j) => {
          const cell = el("input", { type: "number", step: 0.1, class: "xcell", "data-i": i, "data-j": j });
          cell.addEventListener("input", (ev) => {
            if (cell.value === "" || !Number.isFinite(Number(cell.value))) return;
            edited(ev, () => { x = currentX(); });
          });
          return el("td", {}, cell);
        })));
      });
      xBox.replaceChildren(table);
    }
    xBox.querySelectorAll("tr").forEach((tr, i) => { const th = tr.querySelector("th"); if (i > 0 && th) th.textContent = labels[i - 1] || String(i - 1); });
    for (const cell of xBox.querySelectorAll("input.xcell")) {
      if (document.activeElement !== cell) cell.value = String(rows[+cell.dataset.i][+cell.dataset.j]);
    }
  }
  function currentX() {
    const rows = [];
    for (const cell of xBox.querySelectorAll("input.xcell")) {
      (rows[+cell.dataset.i] ||= [])[+cell.dataset.j] = Number(cell.value);
    }
    return rows;
  }

  function preset(values) {
    Object.assign(opts, values); x = null;
    tokens.value = opts.tokens; dModel.value = String(opts.d_model); heads.value = String(opts.heads);
    seed.value = String(opts.seed); temp.value = String(opts.temperature); causal.checked = opts.causal;
    tempRange.value = String(Math.log2(opts.temperature));
    send(performance.now());
  }
  const presets = el("div", { class: "presets" }, el("span", { class: "hint", text: L.presets + ": " }),
    ...PRESETS.map(([id, label, values]) => el("button", { "data-preset": id, text: label, onclick: () => preset(values) })),
    el("a", { class: "button", "data-preset": "step4", href: `/?screen=text&lang=${BOOT.lang}&text=Tokyo%20is%20beautiful`,
      text: L.preset_step4 }));
  const row = (label, ...inputs) => el("label", { class: "ctl" }, el("span", { text: label }), ...inputs);
  host.append(
    el("section", { class: "controls", "data-testid": "toy-controls" }, presets,
      el("div", { class: "ctl-row" }, row(L.tokens_input, tokens)),
      el("div", { class: "ctl-row" }, row("d_model", dModel), row(L.heads_input, heads), row("seed", seed),
        row(L.temperature, temp, tempRange), row(L.causal_mask, causal), links),
      el("details", { class: "x-edit", open: true }, el("summary", { text: L.x_cells }), xBox), err),
    views, explanation);
  err.hidden = true;
  send(performance.now());
  return { state: () => ({ ...body() }) };
}
