// frame.js: a page's frame (title, a tab per view in META.views) mounted into a root element, for a
// page file (page.js) and for every trace the web app draws (server/static/mount.js), each with its
// own core (core.createCore). Views size themselves to the root's width and re-fit when it changes.
// A view's tab module (views/<name>/tab.js) exports tab(core) -> {build(pane, frame)}; build returns
// {refresh(), fit?()} and may expose more for tests. frame.open(name, state) switches tabs (the model
// view opens a map in the heatmap). core.PERF records the first draw and the views built.

import { carried } from "./units.js";

// mountPage(root, core) -> {show(name), unmount()}: builds the frame and the opening tab at once;
// core.PERF.ready (and onReady) follow at the next animation frame, when that tab is drawn
export function mountPage(root, core, onReady) {
  const { META, L, N, H, PERF, STATE, el } = core;
  const order = META.views, panes = {}, built = {}, tabs = el("nav", { class: "tabs" });
  const info = `${META.model} · ${N} ${L.tokens} · ${META.n_layers} ${META.n_layers === 1 ? L.one_layer : L.layers} × ${H} ${H === 1 ? L.one_head : L.heads}` +
    (META.temperature !== 1 ? ` · ${L.temperature} ${META.temperature}` : "");
  root.append(el("header", {}, el("h1", { text: L.page_title }), el("span", { class: "info", text: info })), tabs);
  const frame = {
    open(name, state) { Object.assign(STATE, state || {}); show(name); },
  };
  function show(name) {
    STATE.view = name;
    for (const v of order) {
      panes[v].hidden = v !== name;
      tabs.querySelector(`[data-view="${v}"]`).classList.toggle("on", v === name);
    }
    if (!built[name]) built[name] = carried(`views/${name}/tab`).tab(core).build(panes[name], frame);
    if (built[name].fit) built[name].fit();
    built[name].refresh();
  }
  for (const v of order) {
    panes[v] = el("section", { class: "pane", "data-pane": v, hidden: "" });
    tabs.append(el("button", { "data-view": v, text: L[v], onclick: () => show(v) }));
    root.append(panes[v]);
  }
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
  show(order.includes(STATE.view) ? STATE.view : order[0]);
  requestAnimationFrame(() => {
    PERF.firstDrawMs = performance.now();
    PERF.ready = true;
    if (onReady) onReady();
  });
  return { show, unmount() { window.removeEventListener("resize", resized); } };
}
