// headgrid.js: a layers x heads grid with one number per head, for the head census of page files
// (views/atlas), the web app's live row-statistic atlas (views/rowatlas) and the head effects
// (views/effects). Cells are coloured on viridis over [lo, hi] (signed: on the diverging map, centred
// on 0, over ±max(|lo|, |hi|)), show their number when big enough, and may be outlined (a role); the
// view gets hover and click by (layer, head). Layout: 64 px of layer labels, 36 px of head labels on
// top, a colour bar on the right. Keyboard: the grid takes focus; the arrow keys move a cursor head
// (outlined; the view's hover says its numbers, in its readout), Enter or Space clicks it.

const LM = 64, TM = 36, RM = 90, BM = 8;

// opts: layers, heads (counts); value(l, h) -> number | null; range() -> [lo, hi]; ready() -> bool
// (nothing drawn before); outlined(l, h) -> bool; format(v) -> text in a cell; hover({l, h} | null);
// click({l, h}); testid: the canvas's data-testid; signed: signed values (the diverging map)
export function createGrid(core, opts) {
  const { L, viridis, diverging, inkOn, cssColor, el, hiDpi, FONT } = core;
  const nL = opts.layers, H = opts.heads;
  const CW = Math.max(18, Math.min(44, Math.floor(760 / H))), CH = Math.max(12, Math.min(24, Math.floor(640 / nL)));
  const W = LM + CW * H + RM, HT = TM + CH * nL + BM;
  const canvas = el("canvas", { class: "atlas", "data-testid": opts.testid, tabindex: "0", role: "application",
    "aria-roledescription": L.map_role, "aria-label": opts.label || "", "aria-keyshortcuts": "ArrowUp ArrowDown ArrowLeft ArrowRight Enter" });
  const ctx = hiDpi(canvas, W, HT);
  const cursor = { l: 0, h: 0, on: false };

  function draw() {
    ctx.fillStyle = "white"; ctx.fillRect(0, 0, W, HT);
    if (opts.ready && !opts.ready()) return;
    const [lo, hi] = opts.range(), span = hi - lo || 1, lim = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    const colour = (v) => (opts.signed ? diverging(v / lim) : viridis((v - lo) / span));
    const numbers = opts.format && CW >= 34 && CH >= 14;
    ctx.font = `11px ${FONT}`; ctx.textBaseline = "middle";
    for (let l = 0; l < nL; l++) {
      ctx.fillStyle = "#222"; ctx.textAlign = "right";
      ctx.fillText(String(l), LM - 6, TM + (l + 0.5) * CH);
      for (let h = 0; h < H; h++) {
        const v = opts.value(l, h), rgb = v === null ? null : colour(v);
        ctx.fillStyle = v === null ? "#e2e2e2" : cssColor(rgb);
        ctx.fillRect(LM + h * CW, TM + l * CH, CW - 1, CH - 1);
        if (numbers && v !== null) {
          ctx.fillStyle = opts.signed ? inkOn(rgb) : (v - lo) / span < 0.6 ? "white" : "#111"; ctx.textAlign = "center"; ctx.font = `10px ${FONT}`;
          ctx.fillText(opts.format(v), LM + (h + 0.5) * CW, TM + (l + 0.5) * CH);
          ctx.font = `11px ${FONT}`;
        }
      }
    }
    if (opts.outlined) { // red on viridis; on the red and blue of the signed map, black on white
      const strokes = opts.signed ? [["white", 4], ["#111", 2]] : [["#ff2d2d", 2]];
      for (const [colourName, width] of strokes) {
        ctx.strokeStyle = colourName; ctx.lineWidth = width;
        for (let l = 0; l < nL; l++) {
          for (let h = 0; h < H; h++) {
            if (opts.outlined(l, h)) ctx.strokeRect(LM + h * CW + 1.5, TM + l * CH + 1.5, CW - 4, CH - 4);
          }
        }
      }
      ctx.lineWidth = 1;
    }
    ctx.fillStyle = "#222"; ctx.textAlign = "center";
    for (let h = 0; h < H; h++) ctx.fillText(String(h), LM + (h + 0.5) * CW, TM - 9);
    ctx.textAlign = "left"; ctx.fillText(`${L.head} →`, LM, 8); ctx.fillText(`↓ ${L.layer}`, 2, TM - 9);
    const x = LM + CW * H + 16, hh = Math.min(160, CH * nL);
    for (let i = 0; i < hh; i++) {
      const f = 1 - i / (hh - 1); // 1 at the top
      ctx.fillStyle = cssColor(opts.signed ? diverging(2 * f - 1) : viridis(f)); ctx.fillRect(x, TM + i, 12, 1);
    }
    ctx.fillStyle = "#222";
    const [top, bottom] = opts.signed ? [`+${lim.toPrecision(3)}`, `−${lim.toPrecision(3)}`] : [hi.toPrecision(3), lo.toPrecision(3)];
    ctx.fillText(top, x + 16, TM + 4); ctx.fillText(bottom, x + 16, TM + hh - 4);
    if (opts.signed) ctx.fillText("0", x + 16, TM + hh / 2);
    if (cursor.on) { ctx.strokeStyle = "#111"; ctx.lineWidth = 2; ctx.strokeRect(LM + cursor.h * CW - 1, TM + cursor.l * CH - 1, CW + 1, CH + 1); ctx.lineWidth = 1; }
  }
  headKeys(canvas, cursor, nL, H, draw, opts);
  function cellAt(ev) {
    const r = canvas.getBoundingClientRect();
    const h = Math.floor((ev.clientX - r.left - LM) / CW), l = Math.floor((ev.clientY - r.top - TM) / CH);
    return h >= 0 && l >= 0 && h < H && l < nL ? { l, h } : null;
  }
  canvas.addEventListener("mousemove", (ev) => opts.hover(cellAt(ev)));
  canvas.addEventListener("mouseleave", () => opts.hover(null));
  canvas.addEventListener("click", (ev) => { const c = cellAt(ev); if (c) opts.click(c); });
  // canvas coordinates (CSS px) of the centre of head (l, h), and the cell's size: for tests
  const cellXY = (l, h) => ({ x: LM + (h + 0.5) * CW, y: TM + (l + 0.5) * CH, w: CW, h: CH });
  return { element: canvas, canvas, draw, cellXY, width: W, height: HT, cursor };
}

// the keyboard of a picture of heads (this grid, the effects' scatter): focus puts a cursor head
// {l, h, on} on it, the arrow keys move it (up and down: the layer, left and right: the head), each
// move redraws and tells opts.hover; Enter or Space tells opts.click; blur hides it
export function headKeys(canvas, cursor, layers, heads, draw, opts) {
  function moveCursor(dl, dh) {
    cursor.l = Math.max(0, Math.min(layers - 1, cursor.l + dl)); cursor.h = Math.max(0, Math.min(heads - 1, cursor.h + dh));
    cursor.on = true; draw(); opts.hover({ l: cursor.l, h: cursor.h });
  }
  const KEYS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  canvas.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (KEYS[ev.key]) { ev.preventDefault(); moveCursor(...KEYS[ev.key]); }
    else if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); opts.click({ l: cursor.l, h: cursor.h }); }
  });
  canvas.addEventListener("focus", () => moveCursor(0, 0));
  canvas.addEventListener("blur", () => { cursor.on = false; draw(); });
}
