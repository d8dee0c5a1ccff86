// views/headview/tab.js: tokens in two columns (attending left, attended right), a line per (query, key)
// with opacity by weight, one colour per head. Hover a token: only its lines; click left tokens to
// select them: their lines, and on the right the summed attention they pay to each key.

export function tab(core) {
  const { META, L, N, H, PERF, STATE, weightAt, layerName, tokText, tokLabel, clip, el, layerSelect,
    hiDpi, exportButtons, svgDoc, escXml, FONT } = core;

  const HEAD_VIEW_MAX = 1024; // rows of 20 px: beyond this the canvas passes browsers' size limits
  const RH = 20, CW = 260, MIN_W = 0.01; // row height, line area width, lines below this are not drawn
  // With every token shown, only the strongest lines are drawn: software rasterising of tens of
  // thousands of long translucent lines took 1.5 s at 211 tokens x 12 heads; 4,000 take ~0.15 s.
  const LINE_BUDGET = 4000;

  function headColor(h, a) { return `hsla(${Math.round((h * 360) / Math.max(1, H)) % 360},70%,42%,${a})`; }

  function build(root) {
    if (N > HEAD_VIEW_MAX) {
      root.append(el("p", { class: "note", text: L.too_many_tokens.replace("{n}", HEAD_VIEW_MAX) }));
      return { refresh() {} };
    }
    const active = new Set([...Array(H).keys()]), selected = new Set();
    let hovered = null; // {side: "q" | "k", i}
    const canvas = el("canvas", { class: "hv-lines", "data-testid": "head-canvas" });
    const ctx = hiDpi(canvas, CW, N * RH);
    const left = el("div", { class: "hv-col hv-left" }), right = el("div", { class: "hv-col hv-right" });
    const sums = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      const l = el("div", { class: "tok", "data-i": i, title: tokLabel(i), text: tokText(i),
        onmouseenter: () => setHover({ side: "q", i }), onmouseleave: () => setHover(null),
        onclick: () => { selected.has(i) ? selected.delete(i) : selected.add(i); draw(); } });
      const r = el("div", { class: "tok", "data-i": i, title: tokLabel(i),
        onmouseenter: () => setHover({ side: "k", i }), onmouseleave: () => setHover(null) },
      el("span", { class: "sum" }), el("span", { text: tokText(i) }));
      if (META.tokens[i].special) { l.classList.add("special"); r.classList.add("special"); }
      left.append(l); right.append(r);
    }
    const chips = el("span", { class: "chips" });
    for (let h = 0; h < H; h++) {
      const c = el("button", { class: "chip on", "data-head": h, text: String(h), onclick: () => {
        active.has(h) ? active.delete(h) : active.add(h); c.classList.toggle("on", active.has(h)); draw(); } });
      c.style.setProperty("--c", headColor(h, 1));
      chips.append(c);
    }
    const layerSel = layerSelect((v) => { STATE.li = v; draw(); });
    const thrNote = el("span", { class: "hint", "data-testid": "line-threshold" });
    root.append(
      el("div", { class: "toolbar" }, el("label", { text: L.layer + " " }, layerSel),
        el("span", { text: L.head + " " }), chips,
        el("button", { text: L.clear, "data-testid": "clear", onclick: () => { selected.clear(); draw(); } }),
        ...exportButtons("headview", toCanvas, toSvg)),
      el("p", { class: "hint", text: `${L.head_hint} ` }, thrNote),
      el("div", { class: "hv-body" }, left, canvas, right));

    function setHover(h) { hovered = h; draw(); }
    // the (q, k) pairs currently shown, as a function called for each pair
    function eachPair(fn) {
      const qs = hovered && hovered.side === "q" ? [hovered.i] : selected.size ? [...selected] : null;
      const ks = hovered && hovered.side === "k" ? [hovered.i] : null;
      const all = Array.from({ length: N }, (_, i) => i);
      for (const h of active) {
        for (const q of qs || all) for (const k of ks || all) fn(h, q, k, weightAt(STATE.li, h, q, k));
      }
    }
    // the weight below which lines are not drawn: MIN_W, or higher to keep within LINE_BUDGET
    function threshold() {
      const ws = [];
      eachPair((h, q, k, w) => { if (w >= MIN_W) ws.push(w); });
      if (ws.length <= LINE_BUDGET) return MIN_W;
      ws.sort((a, b) => b - a);
      return ws[LINE_BUDGET - 1];
    }
    function eachLine(fn) {
      const t = threshold();
      thrNote.textContent = L.min_line.replace("{w}", t.toFixed(3));
      eachPair((h, q, k, w) => { if (w >= t) fn(h, q, k, w); });
    }
    function draw() {
      const t0 = performance.now();
      layerSel.value = String(STATE.li);
      ctx.clearRect(0, 0, CW, N * RH);
      const buckets = new Map(); // "h/alpha" -> Path2D: one stroke per colour and opacity
      eachLine((h, q, k, w) => {
        const key = `${h}/${Math.min(10, Math.ceil(w * 10))}`;
        if (!buckets.has(key)) buckets.set(key, new Path2D());
        const p = buckets.get(key);
        p.moveTo(0, q * RH + RH / 2); p.lineTo(CW, k * RH + RH / 2);
      });
      ctx.lineWidth = 1.5;
      for (const [key, p] of buckets) {
        const [h, a] = key.split("/").map(Number);
        ctx.strokeStyle = headColor(h, a / 10); ctx.stroke(p);
      }
      updateSums();
      PERF.switchMs.push(performance.now() - t0);
    }
    function updateSums() {
      sums.fill(0);
      if (selected.size && active.size) {
        for (const q of selected) for (const h of active) {
          for (let k = 0; k < N; k++) sums[k] += weightAt(STATE.li, h, q, k) / active.size;
        }
      }
      const mx = Math.max(1e-9, ...sums);
      [...left.children].forEach((c, i) => c.classList.toggle("sel", selected.has(i)));
      [...right.children].forEach((c, i) => {
        const on = selected.size > 0;
        c.firstChild.textContent = on ? sums[i].toFixed(3) : "";
        c.style.setProperty("--bar", on ? `${(100 * sums[i]) / mx}%` : "0%");
      });
      right.title = selected.size ? L.selected_sum : "";
    }
    function toCanvas() {
      const c = document.createElement("canvas"), TW = 170, w = TW * 2 + CW, h = N * RH + 30;
      const x = hiDpi(c, w, h);
      x.fillStyle = "white"; x.fillRect(0, 0, w, h);
      x.fillStyle = "#222"; x.font = `12px ${FONT}`; x.textBaseline = "middle";
      x.fillText(`${META.model} · ${layerName(STATE.li)}`, 4, 12);
      for (let i = 0; i < N; i++) {
        x.textAlign = "right"; x.fillText(clip(tokText(i), 20), TW - 6, 30 + i * RH + RH / 2);
        x.textAlign = "left"; x.fillText(clip(tokText(i), 20), TW + CW + 6, 30 + i * RH + RH / 2);
      }
      x.drawImage(canvas, TW, 30, CW, N * RH);
      return c;
    }
    function toSvg() {
      const m = document.createElement("canvas").getContext("2d");
      m.font = `12px ${FONT}`;
      let widest = 0;
      for (let i = 0; i < N; i++) widest = Math.max(widest, m.measureText(tokText(i)).width);
      const TW = Math.ceil(Math.max(170, widest + 16)), parts = [];
      parts.push(`<text x="4" y="14" font-size="12">${escXml(`${META.model} · ${layerName(STATE.li)}`)}</text>`);
      for (let i = 0; i < N; i++) {
        const y = 30 + i * RH + RH / 2 + 4;
        parts.push(`<text x="${TW - 6}" y="${y}" font-size="12" text-anchor="end">${escXml(tokText(i))}</text>`);
        parts.push(`<text x="${TW + CW + 6}" y="${y}" font-size="12">${escXml(tokText(i))}</text>`);
      }
      eachLine((h, q, k, w) => parts.push(`<line x1="${TW}" y1="${30 + q * RH + RH / 2}" x2="${TW + CW}" ` +
        `y2="${30 + k * RH + RH / 2}" stroke="${headColor(h, 1)}" stroke-opacity="${w.toFixed(3)}"/>`));
      return svgDoc(TW * 2 + CW, N * RH + 30, parts.join("\n") + "\n");
    }
    return { refresh: draw, select: (i) => left.children[i].click() };
  }

  return { build };
}
