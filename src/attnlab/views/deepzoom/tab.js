// views/deepzoom/tab.js (web app only): one head of a long input browsed like a map viewer.
// The whole head first, pooled on the server to at most 512 x 512 cells (max-pooling by default: a
// thin diagonal stays visible), then, as the reader zooms in, tiles of 256 x 256 positions at the
// level that matches the screen: level z pools 2^z x 2^z weights per cell, level 0 is every weight
// with its score. The server computes each from q, k and the row's log-sum-exp (never N x N).
// Hover: query, key, weight and score (level 0), or the pooled value of the cell under the pointer.
// A click on a cell (not a drag, which pans), or Enter on the keyboard's cursor, opens the heatmap's "why
// this score" panel (views/heatmap/whypanel.js) for that cell of the head shown: the server computes it.

import * as matrix from "../../html/js/matrix.js";
import { whyPanel } from "../heatmap/whypanel.js";

export function tab(core) {
  const { META, L, N, H, PERF, STATE, tokLabel, layerName, LUT, MASKED32, scalePos, el, select, exportButtons,
    svgDoc, escXml } = core;
  const TILE = 256, OVERVIEW = 512, PARALLEL = 4, KEEP = 192; // tile side, overview cells, fetches, tiles kept
  const ZSCALES = [["linear", L.scale_linear], ["log", L.scale_log]];

  // a float32 map from the server: planes x rows x cols, shape in X-Attnlab-Shape
  async function fetchMap(url, signal) {
    const r = await fetch(url, { signal, credentials: "same-origin" });
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || `HTTP ${r.status}`);
    const [planes, rows, cols] = r.headers.get("x-attnlab-shape").split(",").map(Number);
    const data = new Float32Array(await r.arrayBuffer());
    return { planes, rows, cols, cell: Number(r.headers.get("x-attnlab-cell") || 1), data };
  }

  function build(root) {
    const api = META.live.api;
    const st = { li: Math.min(STATE.li, META.n_layers - 1), head: Math.min(STATE.map, H - 1), mode: "max",
      scale: N > 256 ? "log" : "linear", gen: 0 };
    const tiles = new Map(); // key -> {canvas, map, z, ty, tx}; insertion order = recency
    let overview = null, ctrl = new AbortController(), inflight = 0;
    const queue = [];
    PERF.zoom = { overviewMs: [], tileMs: [], errors: [] };
    const VM = META.view_meta.heatmap, why = VM ? whyPanel(core, VM) : null; // null: a trace keeping no q and k

    function colour(v, masked) {
      return masked ? MASKED32 : LUT[Math.round(255 * Math.min(1, Math.max(0, scalePos(v, 0, st.scale))))];
    }
    // a map's first plane (weights) as a canvas; causal cells above the diagonal drawn as masked
    function toCanvas(m, r0, c0) {
      const c = document.createElement("canvas");
      c.width = m.cols; c.height = m.rows;
      const img = new ImageData(m.cols, m.rows), px = new Uint32Array(img.data.buffer);
      for (let i = 0; i < m.rows; i++) {
        for (let j = 0; j < m.cols; j++) {
          const hidden = META.causal && (c0 + j) * m.cell > (r0 + i + 1) * m.cell - 1;
          px[i * m.cols + j] = colour(m.data[i * m.cols + j], hidden);
        }
      }
      c.getContext("2d").putImageData(img, 0, 0);
      return c;
    }
    const q = () => `layer=${META.layers[st.li]}&head=${st.head}&mode=${st.mode}`;

    async function loadOverview() {
      const gen = st.gen, t0 = performance.now();
      status.textContent = L.loading;
      try {
        const m = await fetchMap(`${api}/overview?${q()}&size=${OVERVIEW}`, ctrl.signal);
        if (gen !== st.gen) return;
        overview = { map: m, canvas: toCanvas(m, 0, 0) };
        PERF.zoom.overviewMs.push(performance.now() - t0);
        status.textContent = `${L.zoom_overview} ${m.cell} × ${m.cell}`;
        map.draw();
      } catch (e) { if (gen === st.gen && e.name !== "AbortError") fail(e); }
    }
    function fail(e) { status.textContent = String(e.message || e); PERF.zoom.errors.push(String(e.message || e)); }

    // the tile level for the current zoom: the finest whose cells are still >= one screen pixel
    function level(view, size) {
      const perPx = view.span / size;
      return perPx <= 1 ? 0 : Math.ceil(Math.log2(perPx));
    }
    // tiles are worth fetching once the overview's cells are more than 2 screen pixels wide
    function want(z, ty, tx) {
      const key = `${st.gen}/${z}/${ty}/${tx}`;
      if (tiles.has(key)) { const t = tiles.get(key); tiles.delete(key); tiles.set(key, t); return t; }
      if (!queue.some((w) => w.key === key)) queue.push({ key, z, ty, tx, gen: st.gen });
      return null;
    }
    function pump() {
      while (inflight < PARALLEL && queue.length) {
        const w = queue.pop(); // newest first: what the reader looks at now
        if (w.gen !== st.gen) continue;
        inflight++;
        const t0 = performance.now();
        fetchMap(`${api}/tile?${q()}&z=${w.z}&ty=${w.ty}&tx=${w.tx}`, ctrl.signal).then((m) => {
          if (w.gen !== st.gen) return;
          const span = TILE << w.z, r0 = (w.ty * span) >> w.z, c0 = (w.tx * span) >> w.z;
          tiles.set(w.key, { map: m, z: w.z, ty: w.ty, tx: w.tx, canvas: toCanvas(m, r0, c0) });
          while (tiles.size > KEEP) tiles.delete(tiles.keys().next().value);
          PERF.zoom.tileMs.push(performance.now() - t0);
          map.draw();
        }).catch((e) => { if (e.name !== "AbortError") fail(e); }).finally(() => { inflight--; pump(); });
      }
      queue.length = Math.min(queue.length, 64);
    }

    function paint(ctx, view, box) {
      const p = box.size / view.span;
      if (overview) {
        const c = overview.map.cell;
        ctx.drawImage(overview.canvas, view.x0 / c, view.y0 / c, view.span / c, view.span / c, box.x, box.y, box.size, box.size);
      }
      if (!overview) return;
      const z = level(view, box.size);
      // the overview is nearly as fine: enough, unless cells are big enough to read (then level 0 brings scores)
      if (overview.map.cell <= 2 * (1 << z) && !(z === 0 && p >= 4)) return;
      const span = TILE << z;
      const ty0 = Math.floor(view.y0 / span), ty1 = Math.floor(Math.min(N - 1, view.y0 + view.span) / span);
      const tx0 = Math.floor(view.x0 / span), tx1 = Math.floor(Math.min(N - 1, view.x0 + view.span) / span);
      ctx.imageSmoothingEnabled = false;
      for (let ty = ty0; ty <= ty1; ty++) {
        for (let tx = tx0; tx <= tx1; tx++) {
          if (META.causal && tx * span > (ty + 1) * span - 1) continue; // wholly masked: the overview shows it
          const t = want(z, ty, tx);
          if (!t) continue;
          const x = box.x + (tx * span - view.x0) * p, y = box.y + (ty * span - view.y0) * p;
          ctx.drawImage(t.canvas, x, y, t.map.cols * (1 << z) * p, t.map.rows * (1 << z) * p);
        }
      }
      pump();
    }

    // the finest loaded value at (q, k): a level-0 tile's weight and score, else a pooled cell's value
    function valueAt(qp, kp) {
      let best = null;
      for (const t of tiles.values()) {
        const span = TILE << t.z, r0 = t.ty * span, c0 = t.tx * span;
        if (qp < r0 || kp < c0 || qp >= r0 + span || kp >= c0 + span) continue;
        if (best && best.z <= t.z) continue;
        const i = (qp - r0) >> t.z, j = (kp - c0) >> t.z, m = t.map;
        if (i >= m.rows || j >= m.cols) continue;
        best = { z: t.z, cell: 1 << t.z, w: m.data[i * m.cols + j], s: t.z === 0 ? m.data[m.rows * m.cols + i * m.cols + j] : null,
          r0: r0 + (i << t.z), c0: c0 + (j << t.z) };
      }
      if (!best && overview) {
        const m = overview.map, i = Math.floor(qp / m.cell), j = Math.floor(kp / m.cell);
        best = { z: null, cell: m.cell, w: m.data[i * m.cols + j], s: null, r0: i * m.cell, c0: j * m.cell };
      }
      return best;
    }

    const map = matrix.createMatrix(core, {
      rows: N, cols: N, testid: "deepzoom", paint,
      rowLabel: tokLabel, colLabel: tokLabel,
      title: () => `${layerName(st.li)} · ${L.head} ${st.head}`,
      number: (qp, kp) => {
        const v = valueAt(qp, kp);
        if (!v || v.cell !== 1 || (META.causal && kp > qp)) return null;
        return { text: v.w.toFixed(2), light: scalePos(v.w, 0, st.scale) < 0.6 };
      },
      hover: (qp, kp) => {
        const v = valueAt(qp, kp), lines = [`${L.query}: ${tokLabel(qp)}`, `${L.key}: ${tokLabel(kp)}`];
        if (!v) return { lines: [...lines, L.loading], data: {} };
        if (v.cell === 1) {
          const s = v.s === -Infinity ? "−∞" : Number.isNaN(v.s) ? "–" : v.s.toPrecision(6);
          lines.push(`${L.weight}: ${v.w.toPrecision(6)} (${L.zoom_precision})`, `${L.score}: ${s}`);
          if (META.causal && kp > qp) lines.push(L.masked);
          return { lines, data: { weight: v.w, score: v.s, level: 0 } };
        }
        const what = st.mode === "max" ? L.pool_max : L.pool_mean;
        lines.push(`${what} (${v.r0}–${Math.min(N, v.r0 + v.cell) - 1} × ${v.c0}–${Math.min(N, v.c0 + v.cell) - 1}): ${v.w.toPrecision(4)}`);
        return { lines, data: { weight: v.w, cell: v.cell } };
      },
      legend: () => ({ ticks: st.scale === "log" ? [["1", 0], ["1e-2", 0.5], ["≤1e-4", 1]] : [["1", 0], ["0.5", 0.5], ["0", 1]],
        masked: META.causal }),
      select: why ? (qp, kp) => why.open(META.layers[st.li], st.head, qp, kp) : undefined,
    });

    function reset() {
      ctrl.abort(); ctrl = new AbortController(); st.gen++; queue.length = 0; tiles.clear(); overview = null;
      map.draw(); loadOverview();
    }
    function recolour() {
      if (overview) overview.canvas = toCanvas(overview.map, 0, 0);
      for (const t of tiles.values()) {
        const span = TILE << t.z;
        t.canvas = toCanvas(t.map, (t.ty * span) >> t.z, (t.tx * span) >> t.z);
      }
      map.draw();
    }
    const heads = Array.from({ length: H }, (_, h) => [h, `${L.head} ${h}`]);
    const layerSel = select(META.layers.map((l, i) => [i, layerName(i)]), st.li, (v) => { st.li = +v; STATE.li = st.li; reset(); });
    const headSel = select(heads, st.head, (v) => { st.head = +v; STATE.map = st.head; reset(); });
    const poolSel = select([["max", L.pool_max], ["mean", L.pool_mean]], st.mode, (v) => { st.mode = v; reset(); });
    const scaleSel = select(ZSCALES, st.scale, (v) => { st.scale = v; recolour(); });
    const status = el("span", { class: "hint", "data-testid": "deepzoom-status" });
    root.append(el("div", { class: "toolbar" },
      el("label", { text: L.layer + " " }, layerSel), el("label", { text: L.head + " " }, headSel),
      el("label", { text: L.pool + " " }, poolSel), el("label", { text: L.scale + " " }, scaleSel),
      el("button", { text: L.zoom_in, onclick: () => map.zoomBy(2) }),
      el("button", { text: L.zoom_out, onclick: () => map.zoomBy(0.5) }),
      el("button", { text: L.reset, onclick: () => map.fit() }),
      ...exportButtons("deepzoom", () => map.canvas, toSvg), status),
    el("p", { class: "hint", text: `${L.hover_hint} ${L.zoom_hint}${why ? ` ${why.hint}` : ""}` }), map.element,
    map.readout, ...(why ? [why.element] : [])); // (append(null) would show the text "null")

    function toSvg() {
      const title = `${META.model} · ${layerName(st.li)} · ${L.head} ${st.head}`;
      return svgDoc(map.width, map.height + 20, `<title>${escXml(title)}</title>\n` +
        `<image x="0" y="0" width="${map.width}" height="${map.height}" href="${map.canvas.toDataURL("image/png")}"/>\n` +
        `<text x="4" y="${map.height + 14}" font-size="12">${escXml(title)}</text>\n`);
    }
    let shown = null;
    function refresh() {
      // another view may have chosen a head (the atlas, the heatmap): follow it
      const li = Math.min(STATE.li, META.n_layers - 1), head = Math.min(STATE.map, H - 1);
      if (shown === null || li !== st.li || head !== st.head) {
        st.li = li; st.head = head; layerSel.value = String(li); headSel.value = String(head); shown = 1; reset();
      } else map.draw();
    }
    return { refresh, view: map.view, zoomAt: map.zoomAt, cellXY: map.cellXY, valueAt, state: st, why,
      pending: () => inflight + queue.length + (overview ? 0 : 1) };
  }

  return { build };
}
