// mount.js (app): draw page data with the page files' own modules (core, matrix, the views, main).
// Those modules read their data from the document (#attnlab-meta, #attnlab-blob) when first
// required, as in a page file; mounting new data writes it there, makes the loader forget them and
// requires "main" again, which builds a fresh frame in a hidden root. When its first frame is drawn
// the new root replaces the old one in one step (no blank flash between edits). Mounts run one at
// a time; data arriving meanwhile waits, and only the newest waiting data is drawn.

define("mount", ["modules", "api"], (modules, api) => {
  const { el, APP } = api;
  let busy = false, waiting = null;

  // the kept state, less what the new data cannot show (a head it lacks, a view that does not apply)
  function fitting(core, state) {
    const out = { ...state };
    if (!(out.li < core.META.layers.length)) delete out.li;
    if (!(out.map < core.M)) delete out.map;
    if (out.view && !core.META.views.includes(out.view)) delete out.view;
    if (out.view === undefined) delete out.view;
    return out;
  }

  // yield to the event loop without the 4 ms clamp of nested setTimeout (a message is a new task)
  const channel = new MessageChannel(), resolvers = [];
  channel.port1.onmessage = () => resolvers.shift()();
  function yieldTask() { return new Promise((ok) => { resolvers.push(ok); channel.port2.postMessage(0); }); }

  async function draw(host, data, state) {
    document.getElementById("attnlab-meta").textContent = JSON.stringify(data.meta);
    document.getElementById("attnlab-blob").textContent = data.blob;
    const old = host.querySelector(".attnlab-mount");
    if (old) old.id = "";
    host.style.minHeight = old ? `${host.offsetHeight}px` : "";
    const root = el("div", { class: "attnlab-mount building", id: "attnlab-root" });
    host.append(root);
    modules.forget(modules.page);
    const core = require("core");
    Object.assign(core.STATE, fitting(core, state || {}));
    require("main");
    // main builds the frame (and the open tab) in one task once the data is inflated: swap right after
    // it, so the next paint shows the new page (its own "ready" comes a frame later, in an rAF)
    const perf = core.PERF;
    while (!(perf.views && perf.views[core.STATE.view]) && !perf.errors.length) await yieldTask();
    if (old) old.remove();
    root.classList.remove("building");
    host.style.minHeight = "";
    APP.mounts++;
    if (perf.errors.length) throw new Error(perf.errors.join("; "));
    return core;
  }

  // mount(host, data, state) -> the core module of the drawn page (its STATE, PERF); state: the view,
  // layer, head, scale to keep from the page before. Resolves null when newer data replaced this one.
  async function mount(host, data, state) {
    if (busy) {
      if (waiting) waiting.resolve(null);
      return new Promise((resolve) => { waiting = { host, data, state, resolve }; });
    }
    busy = true;
    try {
      return await draw(host, data, state);
    } finally {
      busy = false;
      const next = waiting;
      waiting = null;
      if (next) mount(next.host, next.data, next.state).then(next.resolve, () => next.resolve(null));
    }
  }

  // what a page shows now (view, layer, head, scale), to keep across a remount
  function currentState() {
    if (!modules.has("core")) return {};
    const { STATE } = require("core");
    return { view: STATE.view, li: STATE.li, map: STATE.map, scale: STATE.scale };
  }

  return { mount, currentState };
});
