// playground.js (app): the toy lab, live. One state (`opts`: tokens, d_model, heads, seed, temperature,
// the causal mask and x) edited by one set of controls: the form here. Every edit is sent to the server,
// which computes the trace with the same toy source as `attnlab toy` (POST /api/toy/page); every tab
// (pipeline, heatmap, head view, model view, explanation) and the explanation below are drawn again from
// its answer. The pipeline tab has no controls of its own here: a click on a cell of x comes to its input
// in the form (core's editX). The address holds the state (the toy's options, x, the tab, layer and head:
// api.setAddress), so reloading, switching language and going back keep it, and the link to share is
// that address: it reopens the playground, editable.
// Presets: the tutorial's listing 2 and its next steps 1-4 (step 4 opens the text explorer).
// Each repaint records the time from the edit's input event to the frame that shows it (APP.edits); APP.sent
// is the newest edit sent, so a caller knows when the screen shows the last edit (not an earlier keystroke's).

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

// the playground's address for toy options (and the view state: view, layer, head), as app.js reads it
export function playgroundSearch(o, view) {
  const q = new URLSearchParams({ lang: BOOT.lang });
  for (const k of ["tokens", "d_model", "heads", "seed", "temperature"]) q.set(k, String(o[k]));
  q.set("causal", String(!!o.causal));
  if (o.x) q.set("x", JSON.stringify(o.x));
  for (const [k, v] of Object.entries(view || {})) if (v !== undefined && v !== null) q.set(k, String(v));
  return q.toString();
}

export function build(host, options, view) {
  const opts = { ...DEFAULTS, ...(options || {}) };
  if (Array.isArray(opts.tokens)) opts.tokens = opts.tokens.join(" ");
  const shown = { ...(view || {}) }; // the tab, layer and head on screen (the address's view, layer, head)
  let seq = 0, drawn = 0, lastX = null;

  const err = el("div", { class: "error", "data-testid": "toy-error", role: "alert" });
  const explanation = el("pre", { class: "explanation", "data-testid": "toy-explanation", "aria-live": "polite" });
  const views = el("div", { class: "views", "data-testid": "toy-views" });
  const links = el("span", { class: "links" });
  const xBox = el("div", { class: "xgrid", "data-testid": "toy-x" });
  const xEdit = el("details", { class: "x-edit", open: true }, el("summary", { text: L.x_cells }), xBox);

  const field = (name, attrs) => {
    const input = el("input", { name, id: `toy-${name}`, "data-testid": `toy-${name}`, ...attrs });
    input.value = String(opts[name]);
    return input;
  };
  const tokens = field("tokens", { type: "text", size: 48, spellcheck: "false" });
  const dModel = field("d_model", { type: "number", min: 1, max: 512, step: 1 });
  const heads = field("heads", { type: "number", min: 1, max: 16, step: 1 });
  const seed = field("seed", { type: "number", step: 1 });
  const temp = field("temperature", { type: "number", min: 0.05, max: 20, step: 0.05 });
  const tempRange = el("input", { type: "range", min: -3, max: 3, step: 0.05, "data-testid": "toy-temperature-range",
    "aria-label": `${L.temperature} (log2)` });
  const causal = el("input", { type: "checkbox", name: "causal", id: "toy-causal", "data-testid": "toy-causal" });
  function showControls() { // the form shows the one state (after a preset, or an edit elsewhere)
    tokens.value = opts.tokens; dModel.value = String(opts.d_model); heads.value = String(opts.heads);
    seed.value = String(opts.seed); temp.value = String(opts.temperature); causal.checked = !!opts.causal;
    tempRange.value = String(Math.log2(opts.temperature));
  }
  showControls();

  // any edit: change the state, send it, draw the answer (older answers than the one drawn are dropped)
  function edited(ev, change) {
    change();
    send(ev ? ev.timeStamp : performance.now());
  }
  const numeric = (input, name, then) => input.addEventListener("input", (ev) => {
    if (input.value !== "" && Number.isFinite(Number(input.value))) {
      edited(ev, () => { opts[name] = Number(input.value); if (then) then(); });
    }
  });
  tokens.addEventListener("input", (ev) => edited(ev, () => { opts.tokens = tokens.value; opts.x = null; }));
  numeric(dModel, "d_model", () => { opts.x = null; });
  numeric(heads, "heads");
  numeric(seed, "seed");
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
    if (opts.x) out.x = opts.x;
    return out;
  }
  // the address: this state and the tab, layer and head shown (also the link to share)
  function address() {
    const search = playgroundSearch(body(), shown);
    api.setAddress(search);
    const link = links.querySelector("[data-testid=toy-link]");
    if (link) link.href = `/?${search}`;
  }
  // a page's state changed (a tab, a layer or head chosen): into the address
  function onState(state) {
    Object.assign(shown, { view: state.view, layer: 0, head: state.map >= opts.heads ? "mean" : state.map });
    address();
  }
  // the pipeline tab's click on a cell of x: its input here; and the tab's words for it (the server
  // recomputes every tab: views/pipeline/toy.js shows these instead of a page file's own)
  function editX(i, j) {
    xEdit.open = true;
    const cell = xBox.querySelector(`input.xcell[data-i="${i}"][data-j="${j}"]`);
    if (cell) { cell.scrollIntoView({ block: "nearest" }); cell.focus(); cell.select(); }
  }
  Object.assign(editX, { hint: L.pipe_app_hint, cell: L.pipe_app_x });
  const env = { editX, onState };
  const first = () => {
    const map = shown.head === "mean" ? opts.heads : shown.head === undefined ? undefined : Number(shown.head);
    return { view: shown.view, li: 0, map };
  };

  async function send(t0) {
    const mine = ++seq;
    APP.sent = mine; // the newest edit sent: drawn once APP.edits.at(-1).seq reaches it
    let data;
    const t1 = performance.now();
    address();
    try {
      data = await post(`/api/toy/page?lang=${BOOT.lang}`, body());
    } catch (e) {
      if (mine === seq) { err.textContent = e.message; err.hidden = false; }
      return;
    }
    if (mine < drawn) return; // a newer answer is already on screen
    drawn = mine;
    const t2 = performance.now();
    const core = await mnt.mount(views, data, mine === 1 ? first() : mnt.currentState(views), env);
    if (!core) return; // replaced by a newer answer before it was drawn
    const t3 = performance.now();
    if (mine === seq) { err.textContent = ""; err.hidden = true; }
    showX(data.x);
    links.replaceChildren(
      el("a", { href: `/?${playgroundSearch(body(), shown)}`, "data-testid": "toy-link", text: L.share_link }),
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
      const table = el("table", {}, el("tr", {}, el("td"), ...rows[0].map((_, j) => el("th", { text: `d${j + 1}` }))));
      rows.forEach((row, i) => {
        table.append(el("tr", {}, el("th", { text: labels[i] || String(i) }), ...row.map((v, j) => {
          const cell = el("input", { type: "text", inputmode: "decimal", size: 6, class: "xcell", "data-i": i, "data-j": j,
            "aria-label": `x[${labels[i] || i}, d${j + 1}]` });
          cell.addEventListener("input", (ev) => {
            if (cell.value.trim() === "" || !Number.isFinite(Number(cell.value))) return;
            edited(ev, () => { opts.x = currentX(); });
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
    Object.assign(opts, values); opts.x = null;
    showControls();
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
      xEdit, err),
    views, explanation);
  err.hidden = true;
  send(performance.now());
  return { state: () => ({ ...body() }), shown: () => ({ ...shown }) };
}
