// main.js: the page frame (title, tabs), loading the data, and the first draw.
// window.__attnlab records timings (first draw, head switches, hovers) for tests and benchmarks.

window.addEventListener("error", (e) => PERF.errors.push(String(e.message)));

function buildFrame() {
  const root = document.getElementById("attnlab-root");
  const views = { heatmap: buildHeatmap, headview: buildHeadView, modelview: buildModelView };
  if (META.has_stages) views.pipeline = buildPipeline;
  const order = ["pipeline", "heatmap", "headview", "modelview"].filter((v) => views[v]);
  const panes = {}, built = {}, tabs = el("nav", { class: "tabs" });
  const info = `${META.model} · ${N} ${L.tokens} · ${META.n_layers} ${META.n_layers === 1 ? L.one_layer : L.layers} × ${H} ${H === 1 ? L.one_head : L.heads}` +
    (META.temperature !== 1 ? ` · ${L.temperature} ${META.temperature}` : "");
  root.append(el("header", {}, el("h1", { text: L.title }), el("span", { class: "info", text: info })), tabs);
  function show(name) {
    STATE.view = name;
    for (const v of order) {
      panes[v].hidden = v !== name;
      tabs.querySelector(`[data-view="${v}"]`).classList.toggle("on", v === name);
    }
    if (!built[name]) {
      built[name] = name === "modelview" ? views[name](panes[name], openInHeatmap) : views[name](panes[name]);
    }
    built[name].refresh();
  }
  function openInHeatmap(li, m) { STATE.li = li; STATE.map = m; show("heatmap"); }
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
