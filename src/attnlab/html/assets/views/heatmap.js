// views/heatmap.js: one head (or the head mean) as a zoomable map (matrix.js), with the layer, head
// and colour-scale selectors, a hover readout of query, key, weight and score, and exports.

define("heatmap", ["core", "matrix"], (core, matrix) => {
  const { META, L, N, H, PERF, STATE, weightMap, isMasked, layerName, mapName, tokLabel, fmtW, fmtNum,
    scalePos, mapImage, el, layerSelect, headSelect, scaleSelect, exportButtons, svgDoc, escXml } = core;

  function build(root) {
    let w = weightMap(STATE.li, STATE.map);
    const legends = {
      log: [["1", 0], ["1e-2", 0.5], ["≤1e-4", 1]],
      row: [[L.legend_max, 0], ["0", 1]],
      linear: [["1", 0], ["0.5", 0.5], ["0", 1]],
    };
    const map = matrix.createMatrix({
      rows: N, cols: N, testid: "heatmap", avail: () => root.clientWidth,
      image: () => mapImage(STATE.li, STATE.map, STATE.scale),
      rowLabel: tokLabel, colLabel: tokLabel,
      title: () => `${layerName(STATE.li)} · ${mapName(STATE.map)}`,
      number: (q, k) => {
        if (isMasked(q, k)) return null;
        const v = w.at(q, k);
        return { text: v.toFixed(2), light: scalePos(v, w.rowMax(q), STATE.scale) < 0.6 }; // dark cells: white ink
      },
      hover: (q, k) => {
        const v = w.at(q, k), s = w.score(q, k);
        const lines = [`${L.query}: ${tokLabel(q)}`, `${L.key}: ${tokLabel(k)}`,
          `${L.weight}: ${isMasked(q, k) ? "—" : `${fmtW(v)} (±${META.precision})`}`,
          `${L.score}: ${STATE.map >= H ? "–" : META.has_scores ? fmtNum(s) : "– (" + L.no_scores + ")"}`];
        if (isMasked(q, k)) lines.push(L.masked);
        return { lines, data: { weight: v, score: s === null ? "" : s } };
      },
      legend: () => ({ ticks: legends[STATE.scale], masked: META.causal }),
    });
    const layerSel = layerSelect((v) => { STATE.li = v; redraw(); });
    const headSel = headSelect((v) => { STATE.map = v; redraw(); });
    const scaleSel = scaleSelect((v) => { STATE.scale = v; redraw(); });
    const bar = el("div", { class: "toolbar" },
      el("label", { text: L.layer + " " }, layerSel), el("label", { text: L.head + " " }, headSel),
      el("label", { text: L.scale + " " }, scaleSel),
      el("button", { text: L.zoom_in, onclick: () => map.zoomBy(2) }),
      el("button", { text: L.zoom_out, onclick: () => map.zoomBy(0.5) }),
      el("button", { text: L.reset, onclick: () => map.fit() }),
      ...exportButtons("heatmap", () => map.canvas, toSvg));
    root.append(bar, el("p", { class: "hint", text: `${L.hover_hint} ${L.precision}` }), map.element, map.readout);

    let shown = "";
    function redraw() {
      const t0 = performance.now(), key = `${STATE.li}/${STATE.map}/${STATE.scale}`;
      if (key !== shown) { w = weightMap(STATE.li, STATE.map); map.invalidate(); shown = key; }
      layerSel.value = String(STATE.li); headSel.value = String(STATE.map); scaleSel.value = STATE.scale;
      map.draw();
      PERF.switchMs.push(performance.now() - t0);
    }
    function toSvg() {
      const title = `${META.model} · ${layerName(STATE.li)} · ${mapName(STATE.map)}`;
      return svgDoc(map.width, map.height + 20, `<title>${escXml(title)}</title>\n` +
        `<image x="0" y="0" width="${map.width}" height="${map.height}" href="${map.canvas.toDataURL("image/png")}"/>\n` +
        `<text x="4" y="${map.height + 14}" font-size="12">${escXml(title)}</text>\n`);
    }
    return { refresh: redraw, fit: map.resize, cellXY: map.cellXY, view: map.view, zoomAt: map.zoomAt };
  }

  return { build };
});
