// main.js: the page frame (title, a tab per view in META.views), loading the data, the first draw.
// A view module returns {build(pane, frame)}; build returns {refresh()} and may expose more for
// tests. frame.open(name, state) switches tabs (the model view opens a map in the heatmap).
// window.__attnlab records timings (first draw, head switches, hovers) for tests and benchmarks.

define("main", ["core"], (core) => {
  const { META, L, N, H, PERF, STATE, loadData, el } = core;
  window.addEventListener("error", (e) => PERF.errors.push(String(e.message)));

  function buildFrame() {
    const root = document.getElementById("attnlab-root");
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
      if (!built[name]) built[name] = require(name).build(panes[name], frame);
      built[name].refresh();
    }
    for (const v of order) {
      panes[v] = el("section", { class: "pane", "data-pane": v, hidden: "" });
      tabs.append(el("button", { "data-view": v, text: L[v], onclick: () => show(v) }));
      root.append(panes[v]);
    }
    PERF.show = show;
    PERF.views = built;
    show(order.includes(STATE.view) ? STATE.view : order[0]);
  }

  loadData().then(() => {
    PERF.dataMs = performance.now();
    buildFrame();
    requestAnimationFrame(() => {
      PERF.firstDrawMs = performance.now();
      PERF.ready = true;
      document.body.dataset.ready = "1";
    });
  }).catch((e) => {
    PERF.errors.push(String(e));
    document.getElementById("attnlab-root").textContent = `attnlab: ${e}`;
    console.error(e);
  });
  return {};
});
