// remote.js (app): what a remote page's views read from this server (core.createCore's env.remote): a
// trace too long for one page carries no weight map, and each view asks for what it shows, when it
// shows it (server/routes_traces.py: /map, /pooled, /view-meta, /rollout-row; html/remote.py computes).
// Page files never carry this: a view reaches it through core.need (maps), core.remote (the rest) and
// core.mapData, whose page-file versions read the page's own arrays. While a view waits, a note says
// so in its pane (data-testid "<view>-loading"); a failure shows there. A busy server (503) is asked
// again after its Retry-After.

import { el } from "../../html/js/core.js";
import { ApiError, L } from "./api.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MAX_CELLS = 2 ** 25; // maps kept, the newest first (a page file's own limit: two heads at 4,096 tokens)
const THUMB = 64; // the model view's thumbnails: maps max-pooled to at most this many cells a side

async function fetchOk(url) {
  for (let tries = 0; ; tries++) {
    const r = await fetch(url, { credentials: "same-origin" });
    if (r.ok) return r;
    if (r.status === 503 && tries < 30) { await sleep(1000 * Number(r.headers.get("retry-after") || 1)); continue; }
    const body = await r.json().catch(() => ({}));
    throw new ApiError(r.status, body.error || `HTTP ${r.status}`, body);
  }
}

// one map: {codes: Uint8Array [N*N], step: Float32Array [N], scores: Float32Array [N*N] | null}
async function oneMap(api, layer, m) {
  const r = await fetchOk(`${api}/map?layer=${layer}&map=${m}`);
  const n = Number(r.headers.get("x-attnlab-shape")), buf = await r.arrayBuffer();
  const at = n * n + ((4 - ((n * n) % 4)) % 4);
  const scores = r.headers.get("x-attnlab-scores") === "1" ? new Float32Array(buf, at + 4 * n, n * n) : null;
  return { codes: new Uint8Array(buf, 0, n * n), step: new Float32Array(buf, at, n), scores };
}

// every head of a layer and their mean pooled: {cell, g, at(m, i, j)}
async function pooledMaps(api, layer, cell, mode) {
  const r = await fetchOk(`${api}/pooled?layer=${layer}&cell=${cell}&mode=${mode}`);
  const g = Number(r.headers.get("x-attnlab-shape").split(",")[1]), data = new Float32Array(await r.arrayBuffer());
  return { cell: Number(r.headers.get("x-attnlab-cell")), g, at: (m, i, j) => data[(m * g + i) * g + j] };
}

// `promise`, said in `root` while it runs (after its toolbar, its first child): the note "<name>-loading"
// shows `text` (default "loading…") until no wait of that view is left. A failure stays there as text and
// in PERF.errors; the promise returned then never settles (the view has nothing to draw).
function waiting(core, root, name, promise, text) {
  let note = root.querySelector(`[data-testid="${name}-loading"]`);
  if (!note) {
    note = el("p", { class: "note", "data-testid": `${name}-loading` });
    if (root.firstChild) root.firstChild.after(note); else root.append(note);
  }
  note.textContent = text || L.loading;
  note.hidden = false;
  note.waits = (note.waits || 0) + 1;
  return promise.then((v) => {
    if (--note.waits === 0) note.hidden = true;
    return v;
  }, (e) => {
    note.textContent = String(e.message || e);
    core.PERF.errors.push(String(e));
    return new Promise(() => {});
  });
}

// a pooled map (p.at(m, i, j): block maxima) as ImageData g x g in the scale `mode` (per row: the row's
// largest block); causal blocks above the diagonal are masked
function pooledImage(core, p, m, mode) {
  const { META, LUT, MASKED32, scalePos } = core;
  const g = p.g, img = new ImageData(g, g), px = new Uint32Array(img.data.buffer);
  for (let i = 0; i < g; i++) {
    let rm = 0;
    for (let j = 0; j < g; j++) rm = Math.max(rm, p.at(m, i, j));
    for (let j = 0; j < g; j++) {
      px[i * g + j] = META.causal && j > i ? MASKED32 : LUT[Math.round(255 * Math.max(0, Math.min(1, scalePos(p.at(m, i, j), rm, mode))))];
    }
  }
  return img;
}

// live: {api: "/api/traces/<id>", ...} (the page data's `live`); lang: the texts' language. Returns
// env.remote: (core) -> what replaces the page file's ways of reading its data (see core.createCore)
export function remotePage(live, lang) {
  const api = live.api;
  return (core) => {
    const { META, N } = core, layer = (li) => META.layers[li];
    const kept = new Map(), loading = new Map(); // "layer/m" -> a map; -> its fetch
    function keep(key, e) { // the oldest maps go when the kept ones pass MAX_CELLS (never the newest)
      kept.set(key, e);
      let cells = 0;
      for (const v of kept.values()) cells += v.codes.length;
      for (const k of [...kept.keys()]) {
        if (cells <= MAX_CELLS || k === key) break;
        cells -= kept.get(k).codes.length; kept.delete(k);
      }
    }
    function fetchMaps(li, maps) { // every map of `maps` of layer index li kept (fetched once, however often asked)
      return Promise.all(maps.map((m) => {
        const key = `${layer(li)}/${m}`;
        if (kept.has(key)) { const e = kept.get(key); kept.delete(key); kept.set(key, e); return null; }
        if (!loading.has(key)) {
          loading.set(key, oneMap(api, layer(li), m).then((e) => { loading.delete(key); keep(key, e); },
            (err) => { loading.delete(key); throw err; }));
        }
        return loading.get(key);
      }));
    }
    const metas = new Map(), asked = new Set(); // "view/layer" -> its JSON's fetch; views whose JSON was asked for
    function viewMeta(name, l) {
      const key = `${name}/${l}`, q = l === null ? "" : `&layer=${l}`;
      if (!metas.has(key)) { // kept once fetched; a failure is asked again next time
        metas.set(key, fetchOk(`${api}/view-meta?view=${name}&lang=${lang}${q}`).then((r) => r.json())
          .catch((e) => { metas.delete(key); asked.delete(name); throw e; }));
      }
      return metas.get(key);
    }
    // the model view's thumbnails: each layer's maps max-pooled, a layer at a time, top to bottom
    const CELL = 2 ** Math.max(0, Math.ceil(Math.log2(N / THUMB))), thumbs = new Map();
    let fetching = false;
    async function fetchThumbs(root, painted) {
      if (fetching || thumbs.size === META.layers.length) return;
      fetching = true;
      for (let li = 0; li < META.layers.length; li++) {
        if (thumbs.has(li)) continue;
        const text = `${L.loading} ${li}/${META.layers.length}`;
        thumbs.set(li, await waiting(core, root, "modelview", pooledMaps(api, layer(li), CELL, "max"), text));
        painted(li);
      }
      fetching = false;
    }
    fetchThumbs.loaded = () => thumbs.size;
    return {
      mapData(li, m) { // a kept map (core.need brought it), read as the page's arrays are
        const e = kept.get(`${layer(li)}/${m}`);
        if (!e) throw new Error(`attnlab: map ${m} of layer ${layer(li)} was read before core.need()`);
        return { codes: e.codes, step: e.step, scores: e.scores, base: 0, rbase: 0, sbase: 0 };
      },
      has: (li, m) => kept.has(`${layer(li)}/${m}`),
      need: (li, maps, root, name) => waiting(core, root, name, fetchMaps(li, maps)),
      remote: {
        pooled: (li, cell, mode, root, name) => waiting(core, root, name, pooledMaps(api, layer(li), cell, mode)),
        viewMeta: (name, li, root) => waiting(core, root, name, viewMeta(name, layer(li))),
        rolloutRow: (q, root) => waiting(core, root, "rollout",
          fetchOk(`${api}/rollout-row?row=${q}`).then(async (r) => new Float32Array(await r.arrayBuffer()))),
        thumb: (li, m, mode) => (thumbs.has(li) ? pooledImage(core, thumbs.get(li), m, mode) : null),
        thumbs: fetchThumbs,
        // a view whose JSON the server computes when its tab first opens (the census): true while it comes
        pending(name, pane, again) {
          if (((META.view_meta || {})[name] || {}).deferred !== "all") return false;
          if (!asked.has(name)) {
            asked.add(name);
            waiting(core, pane, "view", viewMeta(name, null)).then((m) => {
              META.view_meta[name] = m; pane.replaceChildren(); again();
            });
          }
          return true;
        },
      },
    };
  };
}
