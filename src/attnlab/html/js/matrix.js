// matrix.js: a zoomable matrix on a canvas (zoom, pan, hover readout, labels, colour legend).
// The heatmap uses it today; any view that shows a [row, col] picture can: it gives the picture
// (an ImageData at full resolution), labels, the numbers of big cells and the hover lines, and the
// component does the rest. The picture is drawn once into an offscreen canvas per invalidate();
// zoom, pan and hover only redraw from it or from the overlay. A picture too large for one image
// (the deep zoom's 8,192 x 8,192 head) is drawn by the view itself, piece by piece: `paint`.

export function niceStep(minStep) {
  for (const s of [1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000]) if (s >= minStep) return s;
  return 5000;
}

// core: the page's (its words and PERF); opts: rows, cols; image() -> ImageData(cols, rows); rowLabel(i), colLabel(j); title() -> string;
// number(q, k) -> {text, light} | null (shown in cells of at least 36 px); hover(q, k) -> {lines, data};
// legend() -> {ticks: [[text, 0..1 from the top]], masked: bool}; testid: data-testid prefix;
// avail() -> the width (CSS px) the component may take (default: the window's); fit() re-reads it;
// paint(ctx, view, box) (instead of image): draws the visible part, view {x0, y0, span} in cells,
// into box {x, y, size} in CSS px (clipped to it), on every draw (zoom, pan, a tile arriving);
// select(q, k) (optional): a cell chosen by a click (a press and release without dragging) or by Enter
// on the keyboard's cursor (the heatmap's "why this score" panel).
// Keyboard: the map takes focus (Tab); the arrow keys move a cursor cell (Shift: 10 cells; Home, End:
// the row's first and last key; PageUp, PageDown: 10 rows), the view following it; + and - zoom on
// it, 0 shows the whole map; its query, key and numbers go to the readout, a polite live region that
// screen readers announce.
export function createMatrix(core, opts) {
  const { L, FONT, PERF, el, hiDpi, viridis, cssColor, MASKED_RGB } = core;
  const R = opts.rows, C = opts.cols, n = Math.max(R, C), MR = 80, MB = 16;
  // label margins as wide as the widest label (12 px) needs, within bounds; a label wider still is cut
  // to fit (with "…"), never to a fixed number of characters ("beautif…" in a 3-token map)
  const ruler = document.createElement("canvas").getContext("2d");
  ruler.font = `12px ${FONT}`;
  const widest = (count, f) => {
    let w = 0;
    for (let i = 0; i < Math.min(count, 2048); i++) w = Math.max(w, ruler.measureText(f(i)).width);
    return Math.ceil(w);
  };
  const ML = Math.max(130, Math.min(240, widest(R, opts.rowLabel) + 10));
  const MT = Math.max(110, Math.min(200, widest(C, opts.colLabel) + 10));
  function fit(ctx, text, room) { // text, or its longest start that fits `room` px with "…"
    if (ctx.measureText(text).width <= room) return text;
    let lo = 0, hi = text.length;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ctx.measureText(text.slice(0, mid) + "…").width <= room) lo = mid; else hi = mid - 1; }
    return text.slice(0, lo) + "…";
  }
  // the map's side: as wide as it may take up to MAX_S, but at most MAX_CELL px a cell (a 3 x 3 map is
  // 200 px, not 720); narrower than MIN_S + margins: the pane scrolls
  const MIN_S = 200, MAX_S = 720, MAX_CELL = 64;
  let S = 0, W = 0, HT = 0, ctx = null, octx = null;
  const view = { x0: 0, y0: 0, span: n };
  const minSpan = Math.min(8, n);
  const off = document.createElement("canvas");
  if (!opts.paint) { off.width = C; off.height = R; } // tiled pictures never hold a full-size image
  let stale = true;

  const main = el("canvas", { class: "hm-main", "data-testid": `${opts.testid}-canvas` });
  const over = el("canvas", { class: "hm-over" });
  const tip = el("div", { class: "tooltip", "data-testid": `${opts.testid}-tooltip`, hidden: "" });
  const readout = el("div", { class: "readout", "data-testid": `${opts.testid}-readout`, role: "status", "aria-live": "polite" });
  const wrap = el("div", { class: "hm-wrap", tabindex: "0", role: "application", "aria-roledescription": L.map_role,
    "aria-label": opts.title(),
    "aria-keyshortcuts": `ArrowUp ArrowDown ArrowLeft ArrowRight Home End PageUp PageDown + - 0${opts.select ? " Enter" : ""}`,
    "data-testid": `${opts.testid}-map` }, main, over, tip);
  // the map's side from the width it may take; true when it changed (the canvases were resized)
  function layout() {
    const avail = (opts.avail && opts.avail()) || window.innerWidth || 900;
    const side = Math.max(MIN_S, Math.min(MAX_S, n * MAX_CELL, Math.floor(avail - ML - MR - 8)));
    if (side === S) return false;
    S = side; W = ML + S + MR; HT = MT + S + MB;
    ctx = hiDpi(main, W, HT); octx = hiDpi(over, W, HT);
    return true;
  }
  layout();

  function pxPer() { return S / view.span; }
  // [width, height] in px of the cells drawn at p px a cell: a map with fewer rows than columns (or the
  // reverse) ends inside the square
  function drawn(p) { return [Math.min(S, (C - view.x0) * p), Math.min(S, (R - view.y0) * p)]; }
  function draw() {
    if (stale && !opts.paint) { off.getContext("2d").putImageData(opts.image(), 0, 0); stale = false; }
    const p = pxPer();
    ctx.fillStyle = "white"; ctx.fillRect(0, 0, W, HT);
    ctx.save();
    ctx.beginPath(); ctx.rect(ML, MT, S, S); ctx.clip();
    ctx.imageSmoothingEnabled = p < 1; ctx.imageSmoothingQuality = "high";
    if (opts.paint) opts.paint(ctx, view, { x: ML, y: MT, size: S });
    else ctx.drawImage(off, view.x0, view.y0, view.span, view.span, ML, MT, S, S);
    if (p >= 36 && opts.number) drawNumbers(p);
    ctx.restore();
    const [fw, fh] = drawn(p);
    ctx.strokeStyle = "#999"; ctx.strokeRect(ML - 0.5, MT - 0.5, fw + 1, fh + 1);
    drawLabels(p);
    drawLegend();
    octx.clearRect(0, 0, W, HT);
  }
  // big cells (small maps, or zoomed in) also show their number, as the tutorial's heatmap does
  function drawNumbers(p) {
    ctx.font = `${Math.min(12, Math.floor(p / 4))}px ${FONT}`; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    const q0 = Math.max(0, Math.floor(view.y0)), k0 = Math.max(0, Math.floor(view.x0));
    for (let q = q0; q < Math.min(R, view.y0 + view.span); q++) {
      for (let k = k0; k < Math.min(C, view.x0 + view.span); k++) {
        const cell = opts.number(q, k);
        if (!cell) continue;
        ctx.fillStyle = cell.light ? "white" : "#111";
        ctx.fillText(cell.text, ML + (k - view.x0 + 0.5) * p, MT + (q - view.y0 + 0.5) * p);
      }
    }
  }
  function drawLabels(p) {
    ctx.fillStyle = "#222";
    const first = Math.max(0, Math.floor(view.y0)), last = Math.min(R - 1, Math.ceil(view.y0 + view.span));
    const fx = Math.max(0, Math.floor(view.x0)), lx = Math.min(C - 1, Math.ceil(view.x0 + view.span));
    const fs = Math.min(12, Math.floor(p) - 1), labelled = fs >= 8;
    const step = labelled ? 1 : niceStep(40 / p);
    ctx.font = `${labelled ? fs : 10}px ${FONT}`;
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (let i = Math.ceil(first / step) * step; i <= last; i += step) {
      const y = MT + (i - view.y0 + 0.5) * p;
      if (y < MT || y > MT + S) continue;
      ctx.fillText(labelled ? fit(ctx, opts.rowLabel(i), ML - 8) : String(i), ML - 4, y);
    }
    ctx.textAlign = "left";
    for (let i = Math.ceil(fx / step) * step; i <= lx; i += step) {
      const x = ML + (i - view.x0 + 0.5) * p;
      if (x < ML || x > ML + S) continue;
      ctx.save(); ctx.translate(x, MT - 4); ctx.rotate(-Math.PI / 2);
      ctx.fillText(labelled ? fit(ctx, opts.colLabel(i), MT - 8) : String(i), 0, 0); ctx.restore();
    }
    // titles in the top-left corner (left of the column labels, above the row labels)
    ctx.font = `bold 12px ${FONT}`; ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(opts.title(), 4, 4, ML - 8);
    ctx.font = `11px ${FONT}`;
    ctx.fillText(`${L.key} →`, 4, 24, ML - 8);
    ctx.fillText(`↓ ${L.query}`, 4, 42, ML - 8);
  }
  function drawLegend() {
    const x = ML + S + 16, h = Math.min(240, S), y0 = MT, legend = opts.legend();
    for (let i = 0; i < h; i++) {
      ctx.fillStyle = cssColor(viridis(1 - i / (h - 1)));
      ctx.fillRect(x, y0 + i, 14, 1);
    }
    if (legend.masked) { ctx.fillStyle = cssColor(MASKED_RGB); ctx.fillRect(x, y0 + h + 10, 14, 10); }
    ctx.fillStyle = "#222"; ctx.font = `10px ${FONT}`; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    for (const [t, f] of legend.ticks) ctx.fillText(t, x + 18, y0 + f * (h - 1));
    if (legend.masked) ctx.fillText(L.mask, x + 18, y0 + h + 15);
  }
  function cellAt(ev) {
    const r = over.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
    if (mx < ML || my < MT || mx >= ML + S || my >= MT + S) return null;
    const k = Math.floor(view.x0 + (mx - ML) / pxPer()), q = Math.floor(view.y0 + (my - MT) / pxPer());
    return q >= 0 && k >= 0 && q < R && k < C ? { q, k, mx, my } : null;
  }
  function hover(ev) {
    const c = cellAt(ev);
    if (!c) { octx.clearRect(0, 0, W, HT); tip.hidden = true; return; }
    show(c);
    requestAnimationFrame(() => PERF.hover.push(performance.now() - ev.timeStamp));
  }
  // cell c {q, k, mx, my (CSS px in the canvas)}: its row and column outlined, its numbers in the tooltip
  // and the readout (announced)
  function show(c) {
    octx.clearRect(0, 0, W, HT);
    const p = pxPer(), band = Math.max(p, 2);
    octx.fillStyle = "rgba(255,255,255,0.18)"; octx.strokeStyle = "rgba(255,80,80,0.9)";
    const ry = MT + (c.q - view.y0) * p, cx = ML + (c.k - view.x0) * p, [fw, fh] = drawn(p);
    octx.fillRect(ML, ry, fw, band); octx.fillRect(cx, MT, band, fh);
    octx.strokeRect(ML, ry, fw, band); octx.strokeRect(cx, MT, band, fh);
    const { lines, data } = opts.hover(c.q, c.k);
    tip.replaceChildren(...lines.map((t) => el("div", { text: t })));
    Object.assign(tip.dataset, { q: c.q, k: c.k }, data || {});
    tip.hidden = false;
    // below the pointer in the map's upper half, above it in the lower half: never past the frame
    tip.style.left = `${Math.max(0, Math.min(c.mx + 14, W - 220))}px`;
    tip.style.top = c.my > MT + S / 2 ? `${c.my - 14 - tip.offsetHeight}px` : `${c.my + 14}px`;
    readout.textContent = lines.join(" · ");
  }
  // the keyboard's cursor: moved by the arrow keys, the view panning to keep it in sight
  const cursor = { q: 0, k: 0, on: false };
  function moveCursor(dq, dk, to) {
    cursor.q = Math.max(0, Math.min(R - 1, to && to.q !== undefined ? to.q : cursor.q + dq));
    cursor.k = Math.max(0, Math.min(C - 1, to && to.k !== undefined ? to.k : cursor.k + dk));
    cursor.on = true;
    const keep = (lo, c) => (c < lo ? c : c + 1 > lo + view.span ? c + 1 - view.span : lo);
    const x0 = keep(view.x0, cursor.k), y0 = keep(view.y0, cursor.q);
    if (x0 !== view.x0 || y0 !== view.y0) { view.x0 = x0; view.y0 = y0; clampView(); draw(); }
    const p = pxPer();
    show({ q: cursor.q, k: cursor.k, mx: ML + (cursor.k - view.x0 + 0.5) * p, my: MT + (cursor.q - view.y0 + 0.5) * p });
  }
  const KEYS = {
    ArrowUp: (s) => moveCursor(-s, 0), ArrowDown: (s) => moveCursor(s, 0),
    ArrowLeft: (s) => moveCursor(0, -s), ArrowRight: (s) => moveCursor(0, s),
    Home: () => moveCursor(0, 0, { k: 0 }), End: () => moveCursor(0, 0, { k: C - 1 }),
    PageUp: () => moveCursor(-10, 0), PageDown: () => moveCursor(10, 0),
    "+": () => { zoomAt(2, cursor.k + 0.5, cursor.q + 0.5); moveCursor(0, 0); },
    "-": () => { zoomAt(0.5, cursor.k + 0.5, cursor.q + 0.5); moveCursor(0, 0); },
    0: () => { fitAll(); moveCursor(0, 0); },
  };
  if (opts.select) KEYS.Enter = () => opts.select(cursor.q, cursor.k);
  wrap.addEventListener("keydown", (ev) => {
    const act = KEYS[ev.key];
    if (!act || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    ev.preventDefault();
    act(ev.shiftKey ? 10 : 1);
  });
  wrap.addEventListener("focus", () => { wrap.setAttribute("aria-label", opts.title()); if (!cursor.on) moveCursor(0, 0); });
  wrap.addEventListener("blur", () => { tip.hidden = true; octx.clearRect(0, 0, W, HT); });
  function clampView() {
    view.x0 = Math.max(0, Math.min(n - view.span, view.x0));
    view.y0 = Math.max(0, Math.min(n - view.span, view.y0));
  }
  function zoomAt(f, cx, cy) {
    const span = Math.max(minSpan, Math.min(n, view.span / f));
    view.x0 = cx - ((cx - view.x0) * span) / view.span; view.y0 = cy - ((cy - view.y0) * span) / view.span;
    view.span = span; clampView(); draw();
  }
  function zoomBy(f) { zoomAt(f, view.x0 + view.span / 2, view.y0 + view.span / 2); }
  function fitAll() { Object.assign(view, { x0: 0, y0: 0, span: n }); draw(); }
  // the width it may take changed: resize the canvases (same cells in view) and draw again
  function resize() { if (layout()) draw(); }

  let drag = null, pending = false;
  // the window hears the end of a drag only while one lasts: a map that is gone leaves nothing behind
  over.addEventListener("mousedown", (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, x0: view.x0, y0: view.y0 };
    window.addEventListener("mouseup", (up) => {
      const still = drag && Math.abs(up.clientX - drag.x) + Math.abs(up.clientY - drag.y) < 4; // a click, not a pan
      drag = null;
      const c = still && opts.select ? cellAt(up) : null;
      if (c) opts.select(c.q, c.k);
    }, { once: true });
  });
  over.addEventListener("mouseleave", () => { tip.hidden = true; octx.clearRect(0, 0, W, HT); });
  over.addEventListener("mousemove", (ev) => {
    if (!drag) { hover(ev); return; }
    view.x0 = drag.x0 - (ev.clientX - drag.x) / pxPer(); view.y0 = drag.y0 - (ev.clientY - drag.y) / pxPer();
    clampView();
    if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; draw(); }); }
  });
  // the wheel zooms the map while it can still zoom that way; otherwise the page scrolls as usual
  over.addEventListener("wheel", (ev) => {
    const c = cellAt(ev), zoomIn = ev.deltaY < 0;
    if (!c || (zoomIn && view.span <= minSpan) || (!zoomIn && view.span >= n)) return;
    ev.preventDefault();
    zoomAt(zoomIn ? 1.25 : 0.8, view.x0 + (c.mx - ML) / pxPer(), view.y0 + (c.my - MT) / pxPer());
  }, { passive: false });

  // canvas coordinates (CSS px) of the centre of cell (q, k): used by tests and benchmarks
  const cellXY = (q, k) => ({ x: ML + (k - view.x0 + 0.5) * pxPer(), y: MT + (q - view.y0 + 0.5) * pxPer() });
  // the picture changed (another head, another scale): rebuild it at the next draw
  function invalidate() { stale = true; }
  // the text a row's (or column's) label shows at 12 px: whole, or cut to its margin (tests)
  function labelText(i, axis) {
    ctx.font = `12px ${FONT}`;
    return axis === "col" ? fit(ctx, opts.colLabel(i), MT - 8) : fit(ctx, opts.rowLabel(i), ML - 8);
  }
  return { element: wrap, readout, canvas: main, cursor, moveCursor, get width() { return W; }, get height() { return HT; }, view, draw,
    invalidate, zoomAt, zoomBy, fit: fitAll, resize, cellXY, labelText };
}
