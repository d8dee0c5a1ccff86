// remote.js (app): where a remote page's views get their data (core.createCore's `source`): a trace too
// long for one page carries no weight map, and each view asks this server for what it shows, when it
// shows it (server/routes_traces.py: /map, /pooled, /view-meta, /rollout-row; html/remote.py computes).
// A busy server (503) is asked again after its Retry-After.

import { ApiError } from "./api.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

// live: {api: "/api/traces/<id>", ...} (the page data's `live`); lang: the texts' language. The maps
// fetched are kept, the newest first, up to MAX_CELLS (a page file's own limit: two heads at 4,096 tokens)
export function remoteSource(live, lang) {
  const api = live.api, kept = new Map(), loading = new Map(), MAX_CELLS = 2 ** 25;
  function keep(key, e) { // the oldest maps go when the kept ones pass MAX_CELLS (never the newest)
    kept.set(key, e);
    let cells = 0;
    for (const v of kept.values()) cells += v.codes.length;
    for (const k of [...kept.keys()]) {
      if (cells <= MAX_CELLS || k === key) break;
      cells -= kept.get(k).codes.length; kept.delete(k);
    }
  }
  return {
    has: (layer, m) => kept.has(`${layer}/${m}`),
    peek(layer, m) {
      const e = kept.get(`${layer}/${m}`);
      if (!e) throw new Error(`attnlab: map ${m} of layer ${layer} was read before core.need()`);
      return e;
    },
    need(layer, maps) { // every map of `maps` of `layer` kept (fetched once, however often asked)
      return Promise.all(maps.map((m) => {
        const key = `${layer}/${m}`;
        if (kept.has(key)) { const e = kept.get(key); kept.delete(key); kept.set(key, e); return null; }
        if (!loading.has(key)) {
          loading.set(key, oneMap(api, layer, m).then((e) => { loading.delete(key); keep(key, e); },
            (err) => { loading.delete(key); throw err; }));
        }
        return loading.get(key);
      }));
    },
    async pooled(layer, cell, mode) { // every head and the mean pooled: {cell, g, at(m, i, j)}
      const r = await fetchOk(`${api}/pooled?layer=${layer}&cell=${cell}&mode=${mode}`);
      const g = Number(r.headers.get("x-attnlab-shape").split(",")[1]), data = new Float32Array(await r.arrayBuffer());
      return { cell: Number(r.headers.get("x-attnlab-cell")), g, at: (m, i, j) => data[(m * g + i) * g + j] };
    },
    async viewMeta(view, layer) {
      const q = layer === null ? "" : `&layer=${layer}`;
      return (await fetchOk(`${api}/view-meta?view=${view}&lang=${lang}${q}`)).json();
    },
    async rolloutRow(q) { return new Float32Array(await (await fetchOk(`${api}/rollout-row?row=${q}`)).arrayBuffer()); },
  };
}
