// frame.js: a page's frame (title, a tab per view in META.views) mounted into a root element, for a
// page file (page.js) and for every trace the web app draws (server/static/mount.js), each with its
// own core (core.createCore). Views size themselves to the root's width and re-fit when it changes.
// A view's tab module (views/<name>/tab.js) exports tab(core) -> {build(pane, frame)}; build returns
// {refresh(), fit?()} and may expose more for tests. frame.open(name, state) switches tabs (the model
// view opens a map in the heatmap). core.PERF records the first draw and the views built. A remote page
// of the web app may first fetch a view's JSON (core.remote.pending: the census, when its tab opens).
// The tabs follow the WAI-ARIA tabs pattern: a tablist of tabs (aria-selected, aria-controls), one of them
// in the tab order, the arrow keys, Home and End moving between them and opening each (automatic
// activation); each pane a tabpanel labelled by its tab.

import { carried } from "./units.js";

// "0-2,5,7-8" for layers 0, 1, 2, 5, 7, 8 (the form --layers reads)
export function spanText(layers) {
  const runs = [];
  for (const l of [...layers].sort((a, b) => a - b)) {
    if (runs.length && runs[runs.length - 1][1] === l - 1) runs[runs.length - 1][1] = l;
    else runs.push([l, l]);
  }
  return runs.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(",");
}
// a page that holds some of the trace's layers says which it left out (null when it holds them all)
function leftOut(core) {
  const { META, L, el } = core;
  if (META.layers.length >= META.n_layers) return null;
  const left = [];
  for (let l = 0; l < META.n_layers; l++) if (!META.layers.includes(l)) left.push(l);
  const text = L.page_left_out.replace("{held}", spanText(META.layers)).replace("{n}", META.n_layers)
    .replace("{left}", spanText(left));
  return el("p", { class: "note", "data-testid": "left-out", text });
}

// the arrow keys, Home and End on a tablist: the previous, next, first, last tab (of `order`, each tab's
// `attr`), focused and opened with open(name); current() is the name shown (also parts.js's part switch)
export function tabKeys(list, order, current, open, attr) {
  list.addEventListener("keydown", (ev) => {
    const i = order.indexOf(current()), n = order.length;
    const to = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: n - 1 }[ev.key];
    if (to === undefined || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    ev.preventDefault();
    const v = order[(to + n) % n];
    open(v);
    list.querySelector(`[${attr}="${v}"]`).focus();
  });
}

// mountPage(root, core) -> {show(name), unmount()}: builds the frame and the opening tab at once;
// core.PERF.ready (and onReady) follow at the next animation frame, when that tab is drawn
let mounted = 0; // pages mounted in this document: ids stay unique when the app swaps pages

export function mountPage(root, core, onReady) {
  const { META, L, N, K, H, PERF, STATE, el } = core;
  const id = `attnlab-${++mounted}`, at = (v) => `${id}-${v}`;
  const order = META.views, panes = {}, built = {};
  const tabs = el("nav", { class: "tabs", role: "tablist", "aria-label": L.page_title }); // (ARIA allows nav a tablist)
  const size = META.k_tokens ? `${N} × ${K}` : `${N}`; // paired axes: rows x columns (cross-attention)
  const info = `${META.model} · ${size} ${L.tokens} · ${META.n_layers} ${META.n_layers === 1 ? L.one_layer : L.layers} × ${H} ${H === 1 ? L.one_head : L.heads}` +
    (META.temperature !== 1 ? ` · ${L.temperature} ${META.temperature}` : "");
  root.append(el("header", {}, el(`h${core.LEVEL}`, { text: L.page_title }), el("span", { class: "info", text: info })),
    ...[leftOut(core)].filter(Boolean), tabs); // (append(null) would show the text "null")
  const frame = {
    open(name, state) { Object.assign(STATE, state || {}); show(name); },
  };
  function show(name) {
    STATE.view = name;
    for (const v of order) {
      panes[v].hidden = v !== name;
      const tab = tabs.querySelector(`[data-view="${v}"]`);
      tab.classList.toggle("on", v === name);
      tab.setAttribute("aria-selected", String(v === name));
      tab.tabIndex = v === name ? 0 : -1;
    }
    if (!built[name] && core.remote && core.remote.pending(name, panes[name], () => STATE.view === name && show(name))) return;
    if (!built[name]) built[name] = carried(`views/${name}/tab`).tab(core).build(panes[name], frame);
    if (built[name].fit) built[name].fit();
    built[name].refresh();
  }
  for (const v of order) {
    panes[v] = el("section", { class: "pane", "data-pane": v, hidden: "", role: "tabpanel", id: at(`pane-${v}`),
      "aria-labelledby": at(`tab-${v}`), tabindex: "0" });
    tabs.append(el("button", { "data-view": v, text: L[v], role: "tab", id: at(`tab-${v}`), "aria-controls": at(`pane-${v}`),
      "aria-selected": "false", tabindex: "-1", onclick: () => show(v) }));
    root.append(panes[v]);
  }
  tabKeys(tabs, order, () => STATE.view, show, "data-view");
  // the width changed (a resized window or notebook panel): the shown view fits itself again
  let pending = false;
  function resized() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const v = built[STATE.view];
      if (v && v.fit) v.fit();
    });
  }
  window.addEventListener("resize", resized);
  PERF.show = show;
  PERF.views = built;
  PERF.state = STATE;
  show(order.includes(STATE.view) ? STATE.view : order[0]);
  requestAnimationFrame(() => {
    PERF.firstDrawMs = performance.now();
    PERF.ready = true;
    if (onReady) onReady();
  });
  return { show, unmount() { window.removeEventListener("resize", resized); } };
}
