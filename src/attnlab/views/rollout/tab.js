// views/rollout/tab.js: attention rollout (Abnar & Zuidema 2020; views/rollout) as a zoomable matrix
// (matrix.js) on a log colour scale, a hover with query, key and value (the fp32 numbers of
// analysis.rollout.rollout), and the top sources of one query row: the last token, or one the reader picks.

import * as matrix from "../../html/js/matrix.js";

export function tab(core) {
  const { META, L, N, PERF, DATA, LUT, MASKED32, isMasked, tokLabel, el, select, exportButtons, svgDoc,
    escXml, remote, hiDpi } = core;
  const TOP = 10;
  const VM = (META.view_meta || {}).rollout || { full: true, row: N - 1 };
  const fmtV = (v) => (v >= 1e-3 ? v.toPrecision(4) : v.toExponential(3));

  // beyond views/rollout's MAX_TOKENS: rows only (no N x N): a page file's last token, a remote page's any
  function buildRows(root) {
    const rows = new Map(); // q -> Float32Array [k_pos]
    if (DATA.rollout_rows) rows.set(VM.row, DATA.rollout_rows);
    const st = { row: VM.row };
    const choices = remote ? [...Array(N).keys()].map((q) => [q, tokLabel(q)]) : [[VM.row, tokLabel(VM.row)]];
    const rowSel = select(choices, st.row, (v) => { st.row = +v; refresh(); });
    const heading = el(`h${core.LEVEL + 1}`, { class: "rollout-top-title" });
    const list = el("ol", { class: "rollout-top", "data-testid": "rollout-top" });
    const W = Math.min(N, 960), strip = el("canvas", { class: "rollout-strip", "data-testid": "rollout-strip" });
    const sctx = hiDpi(strip, W, 18);
    root.append(el("div", { class: "toolbar" }, el("label", { text: L.rollout_row + " " }, rowSel)),
      el("p", { class: "hint", text: `${L.rollout_hint} ${L.rollout_precision}` }), strip, heading, list);
    function refresh() {
      const q = st.row, r = rows.get(q);
      if (!r) return remote.rolloutRow(q, root).then((got) => { rows.set(q, got); if (st.row === q) refresh(); });
      const order = [...Array(N).keys()].sort((a, b) => r[b] - r[a]).slice(0, TOP);
      heading.textContent = L.rollout_top_row.replace("{tok}", tokLabel(q)).replace("{n}", order.length);
      list.replaceChildren(...order.map((k) => el("li", { "data-k": k, "data-value": r[k], text: `${tokLabel(k)}: ${fmtV(r[k])}` })));
      for (let x = 0; x < W; x++) { // the row, max over the keys each pixel covers, on 4 decades
        let v = 0;
        for (let k = Math.floor((x * N) / W); k < Math.floor(((x + 1) * N) / W); k++) v = Math.max(v, r[k]);
        const t = v > 0 ? Math.max(0, (Math.log10(v) + 4) / 4) : 0, c = LUT[Math.round(255 * t)];
        sctx.fillStyle = `rgb(${c & 255},${(c >> 8) & 255},${(c >> 16) & 255})`; sctx.fillRect(x, 0, 1, 18);
      }
    }
    return { refresh, top: () => st.row };
  }

  function build(root) {
    if (!VM.full) return buildRows(root);
    const R = DATA.rollout; // [q_pos, k_pos] fp32, rows sum to 1
    const at = (q, k) => R[q * N + k];
    // the log scale: from 1 down to the smallest positive value (at least 1e-8), in whole decades
    let least = 1;
    for (let i = 0; i < R.length; i++) if (R[i] > 0 && R[i] < least) least = R[i];
    const D = Math.max(1, Math.min(8, Math.ceil(-Math.log10(Math.max(least, 1e-8)))));
    const pos = (v) => (v > 0 ? Math.max(0, (Math.log10(v) + D) / D) : 0);
    const ticks = [];
    for (let i = 0; i <= D; i += D > 4 ? 2 : 1) ticks.push([i === 0 ? "1" : `${i === D ? "≤" : ""}1e-${i}`, i / D]);

    function image() {
      const img = new ImageData(N, N), px = new Uint32Array(img.data.buffer);
      for (let q = 0; q < N; q++) {
        for (let k = 0; k < N; k++) px[q * N + k] = isMasked(q, k) ? MASKED32 : LUT[Math.round(255 * pos(at(q, k)))];
      }
      return img;
    }
    const map = matrix.createMatrix(core, {
      rows: N, cols: N, testid: "rollout", image, avail: () => root.clientWidth,
      rowLabel: tokLabel, colLabel: tokLabel,
      title: () => L.rollout,
      number: (q, k) => {
        if (isMasked(q, k)) return null;
        const v = at(q, k);
        return { text: v >= 0.01 ? v.toFixed(2) : v > 0 ? v.toExponential(0) : "0", light: pos(v) < 0.6 };
      },
      hover: (q, k) => {
        const v = at(q, k);
        const lines = [`${L.query}: ${tokLabel(q)}`, `${L.key}: ${tokLabel(k)}`,
          `${L.rollout}: ${isMasked(q, k) ? "—" : fmtV(v)}`];
        if (isMasked(q, k)) lines.push(L.masked);
        return { lines, data: { value: v } };
      },
      legend: () => ({ ticks, masked: META.causal }),
    });

    const rows = [];
    for (let q = 0; q < N; q++) rows.push([q, tokLabel(q)]);
    const st = { row: N - 1 };
    const rowSel = select(rows, st.row, (v) => { st.row = +v; listTop(); });
    const heading = el(`h${core.LEVEL + 1}`, { class: "rollout-top-title" });
    const list = el("ol", { class: "rollout-top", "data-testid": "rollout-top" });
    function listTop() {
      const order = [...Array(N).keys()].sort((a, b) => at(st.row, b) - at(st.row, a)).slice(0, TOP);
      heading.textContent = L.rollout_top_row.replace("{tok}", tokLabel(st.row)).replace("{n}", order.length);
      list.replaceChildren(...order.map((k) => el("li", { "data-k": k, "data-value": at(st.row, k),
        text: `${tokLabel(k)}: ${fmtV(at(st.row, k))}` })));
    }
    const bar = el("div", { class: "toolbar" },
      el("label", { text: L.rollout_row + " " }, rowSel),
      el("button", { text: L.zoom_in, onclick: () => map.zoomBy(2) }),
      el("button", { text: L.zoom_out, onclick: () => map.zoomBy(0.5) }),
      el("button", { text: L.reset, onclick: () => map.fit() }),
      ...exportButtons("rollout", () => map.canvas, toSvg));
    root.append(bar, el("p", { class: "hint", text: `${L.rollout_hint} ${L.rollout_precision}` }),
      el("div", { class: "rollout-body", style: "display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start" },
        el("div", {}, map.element, map.readout), el("div", {}, heading, list)));
    listTop();

    function toSvg() {
      return svgDoc(map.width, map.height + 20, `<title>${escXml(`${META.model} · ${L.rollout}`)}</title>\n` +
        `<image x="0" y="0" width="${map.width}" height="${map.height}" ` +
        `href="${map.canvas.toDataURL("image/png")}"/>\n` +
        `<text x="4" y="${map.height + 14}" font-size="12">${escXml(`${META.model} · ${L.rollout}`)}</text>\n`);
    }
    function refresh() {
      const t0 = performance.now();
      map.draw();
      PERF.rolloutMs = performance.now() - t0;
    }
    return { refresh, fit: map.resize, cellXY: map.cellXY, view: map.view, decades: D, top: () => st.row };
  }

  return { build };
}
