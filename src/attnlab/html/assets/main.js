// main.js: the page frame (title, a tab per view in META.views), loading the data, the first draw,
// and fitting: views size themselves to the page's width and re-fit when it changes.
// A view module returns {build(pane, frame)}; build returns {refresh(), fit?()} and may expose more
// for tests. frame.open(name, state) switches tabs (the model view opens a map in the heatmap).
// In a frame (a notebook output) the page reports its height to the host with postMessage
// ({attnlab: "size", height}), so the host can give the frame that height (attnlab.notebook does);
// a host that does not listen keeps its own height and the page scrolls inside the frame.
// window.__attnlab records timings (first draw, head switches, hovers) for tests and benchmarks.

define("main", ["core"], (core) => {
  const { META, L, N, H, PERF, STATE, loadData, el } = core;
  const EMBEDDED = window.parent !== window;
  window.addEventListener("error", (e) => PERF.errors.push(String(e.message)));
  document.documentElement.classList.toggle("embedded", EMBEDDED);

  let reported = 0;
  function reportSize() {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (!EMBEDDED || height === reported) return;
    reported = height;
    PERF.reportedHeight = height;
    window.parent.postMessage({ attnlab: "size", height }, "*");
  }

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
    window.addEventListener("resize", () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        const v = built[STATE.view];
        if (v && v.fit) v.fit();
      });
    });
    PERF.show = show;
    PERF.views = built;
    show(order.includes(STATE.view) ? STATE.view : order[0]);
  }

  new ResizeObserver(reportSize).observe(document.body);
  loadData().then(() => {
    PERF.dataMs = performance.now();
    buildFrame();
    requestAnimationFrame(() => {
      PERF.firstDrawMs = performance.now();
      PERF.ready = true;
      document.body.dataset.ready = "1";
      reportSize();
    });
  }).catch((e) => {
    PERF.errors.push(String(e));
    document.getElementById("attnlab-root").textContent = `attnlab: ${e}`;
    console.error(e);
  });
  return {};
});
