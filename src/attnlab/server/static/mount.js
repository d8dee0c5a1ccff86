// mount.js (app): draw page data ({meta, blob}, as a page file inlines them) with the page files' own
// modules: a core of its own (createCore) and the frame (mountPage) in a fresh root, hidden until its
// first tab is built; then the new root replaces the old one in one step (no blank flash between
// edits). Mounts into one host run one at a time; data arriving meanwhile waits, and only the newest
// waiting data is drawn. window.__attnlab is the shown page's PERF, as in a page file.

import { createCore, el } from "../../html/js/core.js";
import { mountPage } from "../../html/js/frame.js";
import { APP, BOOT } from "./api.js";
import { remotePage } from "./remote.js";

const hosts = new WeakMap(); // host element -> {busy, waiting, page: {core, frame, root} | null}

// the kept state, less what the new data cannot show (a head it lacks, a view that does not apply)
function fitting(core, state) {
  const out = { ...state };
  if (!(out.li >= 0 && out.li < core.META.layers.length)) delete out.li;
  if (!(out.map >= 0 && out.map < core.M)) delete out.map;
  if (out.view && !core.META.views.includes(out.view)) delete out.view;
  if (out.view === undefined) delete out.view;
  return out;
}

async function draw(slot, host, data, state) {
  const meta = data.meta, remote = meta.remote ? remotePage(meta.live, BOOT.lang) : undefined;
  const core = await createCore(meta, data.blob, { ...(slot.env || {}), remote, heading: 2 }); // under the app's h1
  Object.assign(core.STATE, fitting(core, state || {}));
  const old = slot.page;
  host.style.minHeight = old ? `${host.offsetHeight}px` : "";
  const root = el("div", { class: "attnlab-mount building" });
  host.append(root);
  let frame;
  try {
    frame = mountPage(root, core);
  } catch (e) {
    root.remove();
    host.style.minHeight = "";
    throw e;
  }
  if (old) { old.frame.unmount(); old.root.remove(); }
  root.classList.remove("building");
  host.style.minHeight = "";
  slot.page = { core, frame, root };
  window.__attnlab = core.PERF;
  APP.mounts++;
  return core;
}

// mount(host, data, state, env) -> the core of the drawn page (its STATE, PERF); state: the view, layer,
// head, scale to keep from the page before; env: the app's hooks for every page in `host` (core.createCore's
// editX, onState). Resolves null when newer data replaced this one.
export async function mount(host, data, state, env) {
  if (!hosts.has(host)) hosts.set(host, { busy: false, waiting: null, page: null, env: null });
  const slot = hosts.get(host);
  if (env) slot.env = env;
  if (slot.busy) {
    if (slot.waiting) slot.waiting.resolve(null);
    return new Promise((resolve) => { slot.waiting = { data, state, resolve }; });
  }
  slot.busy = true;
  try {
    return await draw(slot, host, data, state);
  } finally {
    slot.busy = false;
    const next = slot.waiting;
    slot.waiting = null;
    if (next) mount(host, next.data, next.state).then(next.resolve, () => next.resolve(null));
  }
}

// what the page in `host` shows now (view, layer, head, scale), to keep across a remount
export function currentState(host) {
  const slot = hosts.get(host);
  if (!slot || !slot.page) return {};
  const { STATE } = slot.page.core;
  return { view: STATE.view, li: STATE.li, map: STATE.map, scale: STATE.scale };
}
