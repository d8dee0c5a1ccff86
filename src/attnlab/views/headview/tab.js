// views/headview/tab.js: tokens in two columns (attending left, attended right), a line per (query, key)
// with opacity by weight, one colour per head. Hover a token: only its lines; click left tokens to
// select them: their lines, and on the right the summed attention they pay to each key.
// Beyond HEAD_VIEW_MAX tokens a row is a group of g consecutive tokens (at most GROUPS rows): a line's
// weight is the mean over the group's queries of their summed weight on the other group's keys (the
// layer's maps mean-pooled to g x g blocks, times the keys in a block: each row still sums to 1).
// A remote page (the app, a long trace) gets the layer's maps, or its pooled maps, from the server (core.need,
// core.remote.pooled).
// Paired axes (a cross-attention part, core.js): the right column holds the key tokens (the source),
// the left the query tokens (the target), each grouped alike when the longer passes HEAD_VIEW_MAX.
// Keyboard: the attending column is a listbox (one token in the tab order); the arrow keys, Home and End
// move through it, showing that token's lines, Space or Enter selects it; the strongest keys of the
// token (over the heads shown) go to a polite live region that screen readers announce.
// The "why this score" panel (whykeys.js, where the page carries the heatmap's panel): one query token
// selected, one head shown, a key token clicked (or Enter in the key column, then a listbox too).

import { carried } from "../../html/js/units.js";

// a listbox column's keys: the arrow keys, Home, End, PageUp, PageDown move the focus; Enter, Space: act(i)
function keys(col, count, act) {
  col.addEventListener("keydown", (ev) => {
    const i = Number(document.activeElement.dataset.i || 0);
    const to = { ArrowUp: i - 1, ArrowDown: i + 1, Home: 0, End: count - 1, PageUp: i - 10, PageDown: i + 10 }[ev.key];
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (to !== undefined) {
      ev.preventDefault();
      const j = Math.max(0, Math.min(count - 1, to));
      col.children[i].tabIndex = -1; col.children[j].tabIndex = 0; col.children[j].focus();
    } else if (ev.key === " " || ev.key === "Enter") { ev.preventDefault(); act(i); }
  });
}

export function tab(core) {
  const { META, L, N, K, H, PERF, STATE, weightAt, layerName, tokText, tokLabel, keyToken, keyText, keyLabel, clip, el,
    layerSelect, hiDpi, exportButtons, svgDoc, escXml, FONT, need, remote } = core;

  const HEAD_VIEW_MAX = 1024; // rows of 20 px: beyond this the canvas passes browsers' size limits
  const GROUPS = 512; // rows when tokens are grouped
  const RH = 20, CW = 260, MIN_W = 0.01; // row height, line area width, lines below this are not drawn
  // With every token shown, only the strongest lines are drawn: software rasterising of tens of
  // thousands of long translucent lines took 1.5 s at 211 tokens x 12 heads; 4,000 take ~0.15 s.
  const LINE_BUDGET = 4000;

  function headColor(h, a) { return `hsla(${Math.round((h * 360) / Math.max(1, H)) % 360},70%,42%,${a})`; }

  function build(root) {
    const most = Math.max(N, K), g = most > HEAD_VIEW_MAX ? Math.ceil(most / GROUPS) : 1; // tokens a row
    const nq = Math.ceil(N / g), nk = Math.ceil(K / g), rows = Math.max(nq, nk); // rows of each column
    const first = (i) => i * g, last = (i, count) => Math.min(count, (i + 1) * g) - 1;
    const span = (i, count, text) => `${first(i)}–${last(i, count)}: ${text(first(i))} … ${text(last(i, count))}`;
    const rowText = (i) => (g === 1 ? tokText(i) : `${first(i)}–${last(i, N)} ${tokText(first(i))}…`);
    const rowLabel = (i) => (g === 1 ? tokLabel(i) : span(i, N, tokText));
    const colText = (j) => (g === 1 ? keyText(j) : `${first(j)}–${last(j, K)} ${keyText(first(j))}…`);
    const colLabel = (j) => (g === 1 ? keyLabel(j) : span(j, K, keyText));
    let src = null; // {li, at(h, i, j)}: the weights of the shown layer, once loaded
    function load(li) { // the layer's heads (or their pooled maps), from the page or the server
      if (g === 1) {
        return need(li, [...Array(H).keys()], root, "headview").then(() => ({ li, at: (h, q, k) => weightAt(li, h, q, k) }));
      }
      if (remote) {
        return remote.pooled(li, g, "mean", root, "headview")
          .then((p) => ({ li, at: (h, i, j) => p.at(h, i, j) * (last(j, K) - first(j) + 1) }));
      }
      const sums = new Float32Array(H * nq * nk); // a page file past 1,024 tokens: the same sums from its maps
      for (let h = 0; h < H; h++) {
        for (let q = 0; q < N; q++) {
          const row = (h * nq + Math.floor(q / g)) * nk;
          for (let k = 0; k <= (META.causal ? q : K - 1); k++) sums[row + Math.floor(k / g)] += weightAt(li, h, q, k);
        }
      }
      return Promise.resolve({ li, at: (h, i, j) => sums[(h * nq + i) * nk + j] / (last(i, N) - first(i) + 1) });
    }
    const active = new Set([...Array(H).keys()]), selected = new Set();
    let hovered = null; // {side: "q" | "k", i}
    const canvas = el("canvas", { class: "hv-lines", "data-testid": "head-canvas" });
    const ctx = hiDpi(canvas, CW, rows * RH);
    const left = el("div", { class: "hv-col hv-left", role: "listbox", "aria-multiselectable": "true",
      "aria-label": `${L.query} (${L.head_hint})` });
    const right = el("div", { class: "hv-col hv-right", "aria-hidden": "true" });
    const said = el("p", { class: "readout", "data-testid": "headview-readout", role: "status", "aria-live": "polite" });
    const sums = new Float32Array(nk);
    for (let i = 0; i < nq; i++) {
      const l = el("div", { class: "tok", "data-i": i, title: rowLabel(i), text: rowText(i), role: "option",
        "aria-selected": "false", tabindex: i === 0 ? "0" : "-1",
        onmouseenter: () => setHover({ side: "q", i }), onmouseleave: () => setHover(null),
        onclick: () => { selected.has(i) ? selected.delete(i) : selected.add(i); draw(); } });
      if (g === 1 && META.tokens[i].special) l.classList.add("special");
      left.append(l);
    }
    for (let j = 0; j < nk; j++) {
      const r = el("div", { class: "tok", "data-i": j, title: colLabel(j),
        onmouseenter: () => setHover({ side: "k", i: j }), onmouseleave: () => setHover(null) },
      el("span", { class: "sum" }), el("span", { text: colText(j) }));
      if (g === 1 && keyToken(j).special) r.classList.add("special");
      right.append(r);
    }
    const chips = el("span", { class: "chips" });
    for (let h = 0; h < H; h++) {
      const c = el("button", { class: "chip on", "data-head": h, text: String(h), onclick: () => {
        active.has(h) ? active.delete(h) : active.add(h); c.classList.toggle("on", active.has(h)); draw(); } });
      c.style.setProperty("--c", headColor(h, 1));
      chips.append(c);
    }
    const layerSel = layerSelect((v) => { STATE.li = v; draw(); });
    const helper = carried("views/headview/whykeys"); // null: a page without the heatmap's why cells
    const why = helper && helper.headWhy(core, { right, active, selected, g, keys }); // null: no panel
    const thrNote = el("span", { class: "hint", "data-testid": "line-threshold" });
    root.append(
      el("div", { class: "toolbar" }, el("label", { text: L.layer + " " }, layerSel),
        el("span", { text: L.head + " " }), chips,
        el("button", { text: L.clear, "data-testid": "clear", onclick: () => { selected.clear(); draw(); } }),
        ...exportButtons("headview", toCanvas, toSvg)),
      ...(g > 1 ? [el("p", { class: "note", "data-testid": "hv-grouped",
        text: L.hv_grouped.replace("{n}", N).replace("{g}", g) })] : []),
      el("p", { class: "hint", text: `${L.head_hint} ${why ? `${why.hint} ` : ""}` }, thrNote), said,
      el("div", { class: "hv-body" }, left, canvas, right), ...(why ? why.elements : [])); // (append(null): "null")

    function setHover(h) { hovered = h; draw(); }
    // the keyboard in the attending column: move (focus and lines follow), select
    keys(left, nq, (i) => left.children[i].click());
    left.addEventListener("focusin", (ev) => { if (ev.target.dataset.i !== undefined) { setHover({ side: "q", i: Number(ev.target.dataset.i) }); say(Number(ev.target.dataset.i)); } });
    left.addEventListener("focusout", () => setHover(null));
    let saidQ = null; // the query the readout is about: said again whenever the layer or the heads shown change
    function say(q) { // the token's strongest keys over the heads shown, for the live region
      saidQ = q;
      if (!active.size) { said.textContent = ""; return; } // no head shown: nothing to say (never a stale line)
      if (src === null) return;
      const w = Array.from({ length: nk }, (_, k) => [...active].reduce((a, h) => a + src.at(h, q, k), 0) / active.size);
      const top = w.map((v, k) => [v, k]).sort((a, b) => b[0] - a[0]).slice(0, 3);
      said.textContent = `${L.query} ${rowLabel(q)} → ${top.map(([v, k]) => `${colLabel(k)} ${v.toFixed(3)}`).join(", ")}`;
    }
    // the (q, k) pairs currently shown, as a function called for each pair
    function eachPair(fn) {
      const qs = hovered && hovered.side === "q" ? [hovered.i] : selected.size ? [...selected] : null;
      const ks = hovered && hovered.side === "k" ? [hovered.i] : null;
      const allQ = Array.from({ length: nq }, (_, i) => i), allK = Array.from({ length: nk }, (_, j) => j);
      for (const h of active) {
        for (const q of qs || allQ) for (const k of ks || allK) fn(h, q, k, src.at(h, q, k));
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
      layerSel.value = String(STATE.li);
      if (src === null || src.li !== STATE.li) { // the layer's weights first (a remote page: from the server)
        const li = STATE.li;
        load(li).then((got) => { if (STATE.li === li) { src = got; draw(); } });
        return;
      }
      const t0 = performance.now();
      ctx.clearRect(0, 0, CW, rows * RH);
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
      if (saidQ !== null) say(saidQ); // the readout follows the layer and the heads shown
      PERF.switchMs.push(performance.now() - t0);
    }
    function updateSums() {
      sums.fill(0);
      if (selected.size && active.size) {
        for (const q of selected) for (const h of active) {
          for (let k = 0; k < nk; k++) sums[k] += src.at(h, q, k) / active.size;
        }
      }
      const mx = Math.max(1e-9, ...sums);
      [...left.children].forEach((c, i) => { c.classList.toggle("sel", selected.has(i)); c.setAttribute("aria-selected", String(selected.has(i))); });
      [...right.children].forEach((c, i) => {
        const on = selected.size > 0;
        c.firstChild.textContent = on ? sums[i].toFixed(3) : "";
        c.style.setProperty("--bar", on ? `${(100 * sums[i]) / mx}%` : "0%");
      });
      right.title = selected.size ? L.selected_sum : "";
    }
    function toCanvas() {
      const c = document.createElement("canvas"), TW = 170, w = TW * 2 + CW, h = rows * RH + 30;
      const x = hiDpi(c, w, h);
      x.fillStyle = "white"; x.fillRect(0, 0, w, h);
      x.fillStyle = "#222"; x.font = `12px ${FONT}`; x.textBaseline = "middle";
      x.fillText(`${META.model} · ${layerName(STATE.li)}`, 4, 12);
      x.textAlign = "right";
      for (let i = 0; i < nq; i++) x.fillText(clip(rowText(i), 20), TW - 6, 30 + i * RH + RH / 2);
      x.textAlign = "left";
      for (let j = 0; j < nk; j++) x.fillText(clip(colText(j), 20), TW + CW + 6, 30 + j * RH + RH / 2);
      x.drawImage(canvas, TW, 30, CW, rows * RH);
      return c;
    }
    function toSvg() {
      const m = document.createElement("canvas").getContext("2d");
      m.font = `12px ${FONT}`;
      let widest = 0;
      for (let i = 0; i < nq; i++) widest = Math.max(widest, m.measureText(rowText(i)).width);
      for (let j = 0; j < nk; j++) widest = Math.max(widest, m.measureText(colText(j)).width);
      const TW = Math.ceil(Math.max(170, widest + 16)), parts = [];
      const y = (i) => 30 + i * RH + RH / 2 + 4;
      parts.push(`<text x="4" y="14" font-size="12">${escXml(`${META.model} · ${layerName(STATE.li)}`)}</text>`);
      for (let i = 0; i < nq; i++) {
        parts.push(`<text x="${TW - 6}" y="${y(i)}" font-size="12" text-anchor="end">${escXml(rowText(i))}</text>`);
      }
      for (let j = 0; j < nk; j++) parts.push(`<text x="${TW + CW + 6}" y="${y(j)}" font-size="12">${escXml(colText(j))}</text>`);
      eachLine((h, q, k, w) => parts.push(`<line x1="${TW}" y1="${30 + q * RH + RH / 2}" x2="${TW + CW}" ` +
        `y2="${30 + k * RH + RH / 2}" stroke="${headColor(h, 1)}" stroke-opacity="${w.toFixed(3)}"/>`));
      return svgDoc(TW * 2 + CW, rows * RH + 30, parts.join("\n") + "\n");
    }
    return { refresh: draw, select: (i) => left.children[i].click(), rows: nq, keys: nk, group: g, why,
      weight: (h, i, j) => (src === null ? null : src.at(h, i, j)) };
  }

  return { build };
}
