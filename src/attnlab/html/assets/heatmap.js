// heatmap.js: one head (or the head mean) on a canvas, zoom and pan, hover readout, legend.
// The map is drawn once per (layer, head, scale) into an offscreen N x N canvas from 8-bit codes
// (one 256-entry colour table per row); zoom, pan and hover only redraw from it or the overlay.

function buildHeatmap(root) {
  const ML = 130, MT = 110, MR = 80, MB = 16;
  const S = Math.max(320, Math.min(720, (window.innerWidth || 900) - ML - MR - 40));
  const W = ML + S + MR, HT = MT + S + MB;
  const view = { x0: 0, y0: 0, span: N };
  const off = document.createElement("canvas");
  off.width = N; off.height = N;
  let cacheKey = "";

  const main = el("canvas", { class: "hm-main", "data-testid": "heatmap-canvas" });
  const over = el("canvas", { class: "hm-over" });
  const tip = el("div", { class: "tooltip", "data-testid": "heatmap-tooltip", hidden: "" });
  const readout = el("div", { class: "readout", "data-testid": "heatmap-readout" });
  const ctx = hiDpi(main, W, HT), octx = hiDpi(over, W, HT);
  const wrap = el("div", { class: "hm-wrap" }, main, over, tip);
  const layerSel = layerSelect((v) => { STATE.li = v; redraw(true); });
  const headSel = headSelect((v) => { STATE.map = v; redraw(true); });
  const scaleSel = select([["linear", L.scale_linear], ["row", L.scale_row], ["log", L.scale_log]],
    STATE.scale, (v) => { STATE.scale = v; redraw(true); });
  const zoomBy = (f) => { zoomAt(f, view.x0 + view.span / 2, view.y0 + view.span / 2); };
  const bar = el("div", { class: "toolbar" },
    el("label", { text: L.layer + " " }, layerSel), el("label", { text: L.head + " " }, headSel),
    el("label", { text: L.scale + " " }, scaleSel),
    el("button", { text: L.zoom_in, onclick: () => zoomBy(2) }),
    el("button", { text: L.zoom_out, onclick: () => zoomBy(0.5) }),
    el("button", { text: L.reset, onclick: () => { Object.assign(view, { x0: 0, y0: 0, span: N }); draw(); } }),
    ...exportButtons("heatmap", () => main, toSvg));
  root.append(bar, el("p", { class: "hint", text: `${L.hover_hint} ${L.precision}` }), wrap, readout);

  function pxPer() { return S / view.span; }
  function redraw(force) {
    const t0 = performance.now();
    const key = `${STATE.li}/${STATE.map}/${STATE.scale}`;
    if (force || key !== cacheKey) {
      off.getContext("2d").putImageData(mapImage(STATE.li, STATE.map, STATE.scale), 0, 0);
      cacheKey = key;
    }
    layerSel.value = String(STATE.li); headSel.value = String(STATE.map); scaleSel.value = STATE.scale;
    draw();
    PERF.switchMs.push(performance.now() - t0);
  }
  function draw() {
    const p = pxPer();
    ctx.fillStyle = "white"; ctx.fillRect(0, 0, W, HT);
    ctx.save();
    ctx.beginPath(); ctx.rect(ML, MT, S, S); ctx.clip();
    ctx.imageSmoothingEnabled = p < 1; ctx.imageSmoothingQuality = "high";
    ctx.drawImage(off, view.x0, view.y0, view.span, view.span, ML, MT, S, S);
    if (p >= 36) drawNumbers(p);
    ctx.restore();
    ctx.strokeStyle = "#999"; ctx.strokeRect(ML - 0.5, MT - 0.5, S + 1, S + 1);
    drawLabels(p);
    drawLegend();
    octx.clearRect(0, 0, W, HT);
  }
  // big cells (small maps, or zoomed in) also show their weight, as the tutorial's heatmap does
  function drawNumbers(p) {
    ctx.font = `${Math.min(12, Math.floor(p / 4))}px ${FONT}`; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    const q0 = Math.max(0, Math.floor(view.y0)), k0 = Math.max(0, Math.floor(view.x0));
    for (let q = q0; q < Math.min(N, view.y0 + view.span); q++) {
      const rm = rowMaxCode(mapBase(STATE.li, STATE.map) + q * N) * DATA.step[rowBase(STATE.li, STATE.map) + q];
      for (let k = k0; k < Math.min(N, view.x0 + view.span); k++) {
        if (isMasked(q, k)) continue;
        const w = weightAt(STATE.li, STATE.map, q, k);
        ctx.fillStyle = scalePos(w, rm, STATE.scale) < 0.6 ? "white" : "#111"; // dark cells: white ink
        ctx.fillText(w.toFixed(2), ML + (k - view.x0 + 0.5) * p, MT + (q - view.y0 + 0.5) * p);
      }
    }
  }
  function drawLabels(p) {
    ctx.fillStyle = "#222";
    const first = Math.max(0, Math.floor(view.y0)), last = Math.min(N - 1, Math.ceil(view.y0 + view.span));
    const fx = Math.max(0, Math.floor(view.x0)), lx = Math.min(N - 1, Math.ceil(view.x0 + view.span));
    const fs = Math.min(12, Math.floor(p) - 1), labelled = fs >= 8;
    const step = labelled ? 1 : niceStep(40 / p);
    ctx.font = `${labelled ? fs : 10}px ${FONT}`;
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (let i = Math.ceil(first / step) * step; i <= last; i += step) {
      const y = MT + (i - view.y0 + 0.5) * p;
      if (y < MT || y > MT + S) continue;
      ctx.fillText(clip(labelled ? tokLabel(i) : String(i), 18), ML - 4, y);
    }
    ctx.textAlign = "left";
    for (let i = Math.ceil(fx / step) * step; i <= lx; i += step) {
      const x = ML + (i - view.x0 + 0.5) * p;
      if (x < ML || x > ML + S) continue;
      ctx.save(); ctx.translate(x, MT - 4); ctx.rotate(-Math.PI / 2);
      ctx.fillText(clip(labelled ? tokLabel(i) : String(i), 14), 0, 0); ctx.restore();
    }
    // titles in the top-left corner (left of the column labels, above the row labels)
    ctx.font = `bold 12px ${FONT}`; ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(`${layerName(STATE.li)} · ${mapName(STATE.map)}`, 4, 4, ML - 8);
    ctx.font = `11px ${FONT}`;
    ctx.fillText(`${L.key} →`, 4, 24, ML - 8);
    ctx.fillText(`↓ ${L.query}`, 4, 42, ML - 8);
  }
  function drawLegend() {
    const x = ML + S + 16, h = Math.min(240, S), y0 = MT;
    for (let i = 0; i < h; i++) {
      ctx.fillStyle = cssColor(viridis(1 - i / (h - 1)));
      ctx.fillRect(x, y0 + i, 14, 1);
    }
    if (META.causal) { ctx.fillStyle = cssColor(MASKED_RGB); ctx.fillRect(x, y0 + h + 10, 14, 10); }
    ctx.fillStyle = "#222"; ctx.font = `10px ${FONT}`; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    const ticks = STATE.scale === "log" ? [["1", 0], ["1e-2", 0.5], ["≤1e-4", 1]]
      : STATE.scale === "row" ? [["max", 0], ["0", 1]] : [["1", 0], ["0.5", 0.5], ["0", 1]];
    for (const [t, f] of ticks) ctx.fillText(t, x + 18, y0 + f * (h - 1));
    if (META.causal) ctx.fillText(L.mask, x + 18, y0 + h + 15);
  }
  function cellAt(ev) {
    const r = over.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
    if (mx < ML || my < MT || mx >= ML + S || my >= MT + S) return null;
    const k = Math.floor(view.x0 + (mx - ML) / pxPer()), q = Math.floor(view.y0 + (my - MT) / pxPer());
    return q >= 0 && k >= 0 && q < N && k < N ? { q, k, mx, my } : null;
  }
  function hover(ev) {
    const c = cellAt(ev);
    octx.clearRect(0, 0, W, HT);
    if (!c) { tip.hidden = true; return; }
    const p = pxPer(), band = Math.max(p, 2);
    octx.fillStyle = "rgba(255,255,255,0.18)"; octx.strokeStyle = "rgba(255,80,80,0.9)";
    const ry = MT + (c.q - view.y0) * p, cx = ML + (c.k - view.x0) * p;
    octx.fillRect(ML, ry, S, band); octx.fillRect(cx, MT, band, S);
    octx.strokeRect(ML, ry, S, band); octx.strokeRect(cx, MT, band, S);
    const w = weightAt(STATE.li, STATE.map, c.q, c.k), s = scoreAt(STATE.li, STATE.map, c.q, c.k);
    const lines = [`${L.query}: ${tokLabel(c.q)}`, `${L.key}: ${tokLabel(c.k)}`,
      `${L.weight}: ${fmtW(w)} (±${META.precision})`,
      `${L.score}: ${STATE.map >= H ? "–" : META.has_scores ? fmtNum(s) : "– (" + L.no_scores + ")"}`];
    if (isMasked(c.q, c.k)) lines.push(L.masked);
    tip.replaceChildren(...lines.map((t) => el("div", { text: t })));
    Object.assign(tip.dataset, { q: c.q, k: c.k, weight: w, score: s === null ? "" : s });
    tip.hidden = false;
    tip.style.left = `${Math.min(c.mx + 14, W - 220)}px`; tip.style.top = `${c.my + 14}px`;
    readout.textContent = lines.join(" · ");
    requestAnimationFrame(() => PERF.hover.push(performance.now() - ev.timeStamp));
  }
  function zoomAt(f, cx, cy) {
    const span = Math.max(Math.min(8, N), Math.min(N, view.span / f));
    view.x0 = cx - ((cx - view.x0) * span) / view.span; view.y0 = cy - ((cy - view.y0) * span) / view.span;
    view.span = span; clampView(); draw();
  }
  function clampView() {
    view.x0 = Math.max(0, Math.min(N - view.span, view.x0));
    view.y0 = Math.max(0, Math.min(N - view.span, view.y0));
  }
  let drag = null, pending = false;
  over.addEventListener("mousedown", (ev) => { drag = { x: ev.clientX, y: ev.clientY, x0: view.x0, y0: view.y0 }; });
  window.addEventListener("mouseup", () => { drag = null; });
  over.addEventListener("mouseleave", () => { tip.hidden = true; octx.clearRect(0, 0, W, HT); });
  over.addEventListener("mousemove", (ev) => {
    if (!drag) { hover(ev); return; }
    view.x0 = drag.x0 - (ev.clientX - drag.x) / pxPer(); view.y0 = drag.y0 - (ev.clientY - drag.y) / pxPer();
    clampView();
    if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; draw(); }); }
  });
  over.addEventListener("wheel", (ev) => {
    const c = cellAt(ev);
    if (!c) return;
    ev.preventDefault();
    zoomAt(ev.deltaY < 0 ? 1.25 : 0.8, view.x0 + (c.mx - ML) / pxPer(), view.y0 + (c.my - MT) / pxPer());
  }, { passive: false });
  function toSvg() {
    const title = `${META.model} · ${layerName(STATE.li)} · ${mapName(STATE.map)}`;
    return svgDoc(W, HT + 20, `<title>${escXml(title)}</title>\n` +
      `<image x="0" y="0" width="${W}" height="${HT}" href="${main.toDataURL("image/png")}"/>\n` +
      `<text x="4" y="${HT + 14}" font-size="12">${escXml(title)}</text>\n`);
  }
  // canvas coordinates (CSS px) of the centre of cell (q, k): used by tests and benchmarks
  const cellXY = (q, k) => ({ x: ML + (k - view.x0 + 0.5) * pxPer(), y: MT + (q - view.y0 + 0.5) * pxPer() });
  return { refresh: () => redraw(false), cellXY, view, zoomAt };
}

function niceStep(minStep) {
  for (const s of [1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000]) if (s >= minStep) return s;
  return 5000;
}
function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }
