// views/heatmap/tab.js: one head (or the head mean) as a zoomable map (matrix.js), with the layer, head
// and colour-scale selectors, a hover readout of query, key, weight and score, and exports. Where the
// page carries the value norms it also holds valueweighted.js, whose switch recolours the map by
// value-weighted shares (a page without them, a toy's, carries neither that code nor its words).
// Clicking a cell, or Enter on the keyboard's cursor, opens the "why this score" panel (whypanel.js)
// where the page has its code and data (views/heatmap/why.py; none on a cross-attention part).

import * as matrix from "../../html/js/matrix.js";
import { carried } from "../../html/js/units.js";

export function tab(core) {
  const { META, L, N, K, H, PERF, STATE, weightMap, isMasked, layerName, mapName, tokLabel, keyLabel, fmtW, fmtNum,
    scalePos, mapImage, el, layerSelect, headSelect, scaleSelect, exportButtons, svgDoc, escXml, has, need } = core;
  const helper = carried("views/heatmap/valueweighted"); // null on pages without value norms
  const vw = helper && helper.valueWeighted(core);
  const VW = () => vw !== null && vw.available && STATE.weighting === "vw";
  const whyCode = carried("views/heatmap/whypanel"); // null on pages without the why panel's cells
  const VM = META.k_tokens || !whyCode ? null : META.view_meta.heatmap; // the why panel's data (null: no panel)

  function build(root) {
    let w = null; // the map shown (a remote page's arrives from the server first: core.need)
    const why = VM ? whyCode.whyPanel(core, VM) : null;
    const legends = {
      log: [["1", 0], ["1e-2", 0.5], ["≤1e-4", 1]],
      row: [[L.legend_max, 0], ["0", 1]],
      linear: [["1", 0], ["0.5", 0.5], ["0", 1]],
    };
    const map = matrix.createMatrix(core, {
      rows: N, cols: K, testid: "heatmap", avail: () => root.clientWidth, // K: the columns' tokens (core.js)
      image: () => (VW() ? vw.image(STATE.li, STATE.map, STATE.scale) : mapImage(STATE.li, STATE.map, STATE.scale)),
      rowLabel: tokLabel, colLabel: keyLabel,
      title: () => `${layerName(STATE.li)} · ${mapName(STATE.map)}`, // the mode is said above the map (vwNote)
      number: (q, k) => {
        if (isMasked(q, k)) return null;
        const v = VW() ? vw.at(STATE.li, STATE.map, q, k) : w.at(q, k);
        const rm = VW() ? vw.rowMax(STATE.li, STATE.map, q) : w.rowMax(q);
        return { text: v.toFixed(2), light: scalePos(v, rm, STATE.scale) < 0.6 }; // dark cells: white ink
      },
      hover: (q, k) => {
        if (w === null) return { lines: ["…"] }; // a remote page's map still on its way
        const v = w.at(q, k), s = w.score(q, k);
        const lines = [`${L.query}: ${tokLabel(q)}`, `${L.key}: ${keyLabel(k)}`,
          `${L.weight}: ${isMasked(q, k) ? "—" : `${fmtW(v)} (±${META.precision})`}`,
          `${L.score}: ${STATE.map >= H ? "–" : w.hasScores ? fmtNum(s) : "– (" + L.no_scores + ")"}`];
        const data = { weight: v, score: s === null ? "" : s };
        if (VW()) vw.hover(STATE.li, STATE.map, q, k, lines, data);
        if (isMasked(q, k)) lines.push(L.masked);
        return { lines, data };
      },
      legend: () => ({ ticks: legends[STATE.scale], masked: META.causal }),
      select: why ? (q, k) => why.open(META.layers[STATE.li], STATE.map, q, k) : undefined,
    });
    const layerSel = layerSelect((v) => { STATE.li = v; redraw(); });
    const headSel = headSelect((v) => { STATE.map = v; redraw(); });
    const scaleSel = scaleSelect((v) => { STATE.scale = v; redraw(); });
    STATE.weighting = STATE.weighting || "weight";
    const vwUi = vw !== null && vw.available ? vw.controls(() => redraw()) : null; // {label, note, update}
    const bar = el("div", { class: "toolbar" },
      el("label", { text: L.layer + " " }, layerSel), el("label", { text: L.head + " " }, headSel),
      vwUi && vwUi.label,
      el("label", { text: L.scale + " " }, scaleSel),
      el("button", { text: L.zoom_in, onclick: () => map.zoomBy(2) }),
      el("button", { text: L.zoom_out, onclick: () => map.zoomBy(0.5) }),
      el("button", { text: L.reset, onclick: () => map.fit() }),
      ...exportButtons("heatmap", () => map.canvas, toSvg));
    const hint = `${L.hover_hint} ${L.precision}${why ? ` ${why.hint}` : ""}`;
    root.append(bar, el("p", { class: "hint", text: hint }), ...(vwUi ? [vwUi.note] : []),
      map.element, map.readout, ...(why ? [why.element] : [])); // (append(null) would show the text "null")

    let shown = "";
    function redraw() {
      layerSel.value = String(STATE.li); headSel.value = String(STATE.map); scaleSel.value = STATE.scale;
      if (!has(STATE.li, STATE.map)) return need(STATE.li, [STATE.map], root, "heatmap").then(redraw); // a remote page's
      const t0 = performance.now(), key = `${STATE.li}/${STATE.map}/${STATE.scale}/${VW()}`;
      if (key !== shown || w === null) { w = weightMap(STATE.li, STATE.map); map.invalidate(); shown = key; }
      if (vwUi) vwUi.update(STATE.li, STATE.map, VW());
      map.draw();
      PERF.switchMs.push(performance.now() - t0);
      if (Number.isInteger(STATE.row)) { // opened at a row (the steps tab): the cursor on its largest weight
        const q = STATE.row, k = STATE.col;
        STATE.row = null;
        map.element.focus();
        map.moveCursor(0, 0, { q, k: Number.isInteger(k) ? k : q });
      }
    }
    function toSvg() {
      const mode = VW() ? ` · ${vw.name}` : "";
      const title = `${META.model} · ${layerName(STATE.li)} · ${mapName(STATE.map)}${mode}`;
      return svgDoc(map.width, map.height + 20, `<title>${escXml(title)}</title>\n` +
        `<image x="0" y="0" width="${map.width}" height="${map.height}" href="${map.canvas.toDataURL("image/png")}"/>\n` +
        `<text x="4" y="${map.height + 14}" font-size="12">${escXml(title)}</text>\n`);
    }
    // the value-weighted shares and bounds of the map shown ([q_pos * N + k_pos]), for tests; null: no switch
    const valueWeighted = () => {
      if (!vwUi) return null;
      const s = vw.shares(STATE.li, STATE.map);
      return { share: Array.from(s.share), bound: Array.from(s.bound), maxBound: s.maxBound };
    };
    return { refresh: redraw, fit: map.resize, cellXY: map.cellXY, view: map.view, zoomAt: map.zoomAt,
      valueWeighted, labelText: map.labelText, why, cursor: map.cursor };
  }

  return { build };
}
