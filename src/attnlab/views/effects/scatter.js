// views/effects/scatter.js: one dot per head, x = an attention share (0..1), y = a signed effect, each dot
// coloured by its layer (viridis, first layer dark); a grey line at effect 0. Hover or click a dot (the
// nearest within a few pixels); the keyboard as the head grid's (headgrid.headKeys): a cursor head,
// ringed, said by the view's hover; Enter or Space clicks it.

import { headKeys } from "../../html/js/headgrid.js";

const W = 520, HT = 400, LM = 70, RM = 18, TM = 14, BM = 52, R = 4, NEAR = 8;

// opts: layers, heads (counts); x(l, h) in 0..1, y(l, h); xLabel(), yLabel(); format(y) -> text;
// hover({l, h} | null); click({l, h}); testid; label (the canvas's accessible name)
export function createScatter(core, opts) {
  const { L, el, hiDpi, viridis, cssColor, FONT } = core;
  const nL = opts.layers, H = opts.heads;
  const canvas = el("canvas", { class: "effects-scatter-canvas", "data-testid": opts.testid, tabindex: "0",
    role: "application", "aria-roledescription": L.map_role, "aria-label": opts.label,
    "aria-keyshortcuts": "ArrowUp ArrowDown ArrowLeft ArrowRight Enter" });
  const ctx = hiDpi(canvas, W, HT);
  const cursor = { l: 0, h: 0, on: false };
  let yr = [-1, 1];

  const px = (x) => LM + x * (W - LM - RM);
  const py = (y) => TM + ((yr[1] - y) / (yr[1] - yr[0])) * (HT - TM - BM);
  const dotXY = (l, h) => ({ x: px(opts.x(l, h)), y: py(opts.y(l, h)) });
  const layerColour = (l) => cssColor(viridis(nL > 1 ? l / (nL - 1) : 0.5));

  function yRange() { // the effects' span and 0, a little wider
    let lo = 0, hi = 0;
    for (let l = 0; l < nL; l++) for (let h = 0; h < H; h++) { const v = opts.y(l, h); lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const pad = (hi - lo || 1) * 0.06;
    return [lo - pad, hi + pad];
  }
  function axes() {
    ctx.strokeStyle = "#888"; ctx.lineWidth = 1; ctx.fillStyle = "#222"; ctx.font = `11px ${FONT}`;
    ctx.strokeRect(LM, TM, W - LM - RM, HT - TM - BM);
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const x of [0, 0.25, 0.5, 0.75, 1]) ctx.fillText(String(x), px(x), HT - BM + 5);
    ctx.fillText(opts.xLabel(), LM + (W - LM - RM) / 2, HT - BM + 22);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const y of [yr[0], 0, yr[1]]) ctx.fillText(opts.format(y), LM - 5, py(y));
    ctx.save(); ctx.translate(12, TM + (HT - TM - BM) / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.fillText(opts.yLabel(), 0, 0); ctx.restore();
    ctx.strokeStyle = "#999"; ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(LM, py(0)); ctx.lineTo(W - RM, py(0)); ctx.stroke(); ctx.setLineDash([]);
  }
  function draw() {
    ctx.fillStyle = "white"; ctx.fillRect(0, 0, W, HT);
    yr = yRange();
    axes();
    for (let l = 0; l < nL; l++) {
      ctx.fillStyle = layerColour(l);
      for (let h = 0; h < H; h++) {
        const p = dotXY(l, h);
        ctx.beginPath(); ctx.arc(p.x, p.y, R, 0, 2 * Math.PI); ctx.fill();
      }
    }
    if (cursor.on) {
      const p = dotXY(cursor.l, cursor.h);
      ctx.strokeStyle = "#111"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(p.x, p.y, R + 4, 0, 2 * Math.PI); ctx.stroke(); ctx.lineWidth = 1;
    }
  }
  function nearest(ev) { // the head whose dot is nearest the pointer, within NEAR px
    const r = canvas.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
    let best = null, bestD = NEAR * NEAR;
    for (let l = 0; l < nL; l++) {
      for (let h = 0; h < H; h++) {
        const p = dotXY(l, h), d = (p.x - x) ** 2 + (p.y - y) ** 2;
        if (d <= bestD) { best = { l, h }; bestD = d; }
      }
    }
    return best;
  }
  headKeys(canvas, cursor, nL, H, draw, opts);
  canvas.addEventListener("mousemove", (ev) => {
    const c = nearest(ev);
    canvas.style.cursor = c ? "pointer" : "";
    if (c) opts.hover(c);
  });
  canvas.addEventListener("click", (ev) => { const c = nearest(ev); if (c) opts.click(c); });
  draw();
  return { canvas, draw, dotXY, cursor };
}
