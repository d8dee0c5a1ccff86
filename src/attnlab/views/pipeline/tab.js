// views/pipeline/tab.js: the tutorial's left-to-right picture, interactive, for one head.
// Toy: x -> Q, K, V -> s (scores) -> mask -> z = s / T -> softmax -> weights -> output. The reader
// may edit cells of x (click), the temperature and the mask (the checkbox, or click a mask cell):
// every stage is then recomputed here (pipemath.js, float64) with the trace's W_Q, W_K, W_V.
// Real models (the bridge): the same steps for one head from its captured q, k, v (x is not kept).
// Hovering a cell names its number and what produced it, and outlines those cells; so does the keyboard:
// a stage takes focus, the arrow keys move a cursor cell, Enter edits it (x) or switches it (the mask),
// and the explanation box is a polite live region that screen readers announce.
// In the web app's playground (core.editX) the playground's controls are the only ones: the tab has no
// temperature or mask of its own, and a click on a cell of x takes the reader to the playground's
// input for it, whose edit the server recomputes for every tab and the explanation.
// Where the numbers come from is a source: the toy's (toy.js, carried with the toy's stages) or a real
// head's (bridge.js, carried with its q, k, v), so a page holds the code and words of its own kind only;
// this module draws either (the stages, their provenance, the keyboard, the saved pictures).

import * as picture from "./picture.js";
import { carried } from "../../html/js/units.js";

export function tab(core) {
  const { META, L, N, H, STATE, fmtNum, clip, el, headSelect, hiDpi, viridis,
    diverging, cssColor, inkOn, MASKED_RGB, exportButtons, FONT } = core;
  const VM = META.view_meta.pipeline;
  const kind = carried(`views/pipeline/${VM.source === "toy" ? "toy" : "bridge"}`); // null: a bridge not carried
  const show = (v) => (Number.isFinite(v) ? fmtNum(v) : v === -Infinity ? "−∞" : "—");
  const dim = (j) => `d${j + 1}`;
  const range = (n) => Array.from({ length: n }, (_, i) => i);
  const fill = (s, f) => s.replace(/\{(\w+)\}/g, (_, k) => String(f[k]));

  // the stages as drawable matrices, left to right ----------------------------------------------
  function describe(src, S) {
    const lab = (i) => VM.labels[i], qpos = src.qpos();
    const qrow = (i) => lab(qpos[i]), tok = (j) => lab(j);
    const mats = [];
    const add = (key, name, formula, M, kind, rl, cl, extra) => mats.push({ key, name, formula, rows: M.rows, cols: M.cols,
      get: M.at, kind, rl, cl, ...extra });
    if (src.x) add("x", "x", src.x.name(), src.x.mat(), "signed", tok, dim, { editable: true });
    for (const k of ["Q", "K", "V"]) add(k, k, src.names[k], S[k], "signed", k === "Q" ? qrow : tok, dim);
    add("scores", L.score, `s = Q Kᵀ ${src.scaleText}`, S.s, "signed", qrow, tok);
    add("mask", L.mask, src.maskFormula(), S.m, "signed", qrow, tok, { toggles: src.toggles });
    if (src.T) add("scaled", `÷ ${L.temperature}`, `z = s / T (T = ${src.T()})`, S.z, "signed", qrow, tok);
    add("weights", L.weight, src.T ? "softmax(z)" : "softmax(s)", S.w, "weights", qrow, tok);
    add("output", L.output, `${L.weight} · V`, S.o, "signed", qrow, dim);
    mats.qpos = qpos;
    return mats;
  }

  // what produced cell (i, j) of stage `key`: text lines and the cells to outline in other stages
  function provenance(src, mats, key, i, j, h) {
    const m = Object.fromEntries(mats.map((x) => [x.key, x])), qp = mats.qpos[i];
    const list = (n, f) => { // a row or column as text: up to 16 numbers, then a count
      const shown = Array.from({ length: Math.min(n, 16) }, (_, t) => f(t));
      return n > 16 ? [...shown, `… (${n})`] : shown;
    };
    const cell = (x, r, c) => (x.kind === "weights" && src.masked(mats.qpos[r], c) ? "—" : show(x.get(r, c)));
    const row = (x, r) => list(x.cols, (c) => cell(x, r, c)), col = (x, c) => list(x.rows, (r) => show(x.get(r, c)));
    const mat = m[key], rl = mat.rl(i), cl = mat.cl(j);
    const hidden = (key === "weights" || key === "mask" || key === "scaled") && src.masked(qp, j);
    const value = key === "weights" && hidden ? "—" : show(mat.get(i, j));
    const lines = [`${mat.name}[${rl}, ${cl}] = ${value}`], marks = [];
    if (key === "scores") {
      lines.push(`= Q[${rl}, :] · K[${cl}, :] ${src.scaleText}`, `Q[${rl}, :] = [${row(m.Q, i).join(", ")}]`,
        `K[${cl}, :] = [${row(m.K, j).join(", ")}]`);
      marks.push({ key: "Q", row: i }, { key: "K", row: j });
    }
    if (key === "mask") {
      lines.push(hidden ? `${L.masked} → −∞` : `= s[${rl}, ${cl}]`);
      marks.push({ key: "scores", cell: [i, j] });
    }
    src.explain(key, i, j, h, { m, rl, list, row, show, dim, lines, marks }); // x, Q, K, V: the source's own lines
    if (key === "scaled") { lines.push(`= s[${rl}, ${cl}] / T = ${show(m.mask.get(i, j))} / ${src.T()}`); marks.push({ key: "mask", cell: [i, j] }); }
    if (key === "weights") {
      const zk = src.T ? "scaled" : "mask", zn = src.T ? "z" : "s";
      if (hidden) lines.push(L.masked_weight);
      else lines.push(`= exp(${zn}[${rl}, ${cl}]) / Σₖ exp(${zn}[${rl}, k])`);
      lines.push(`${zn}[${rl}, :] = [${row(m[zk], i).join(", ")}]`);
      marks.push({ key: zk, row: i });
    }
    if (key === "output") {
      const terms = range(m.V.rows).filter((k) => !src.masked(qp, k)).map((k) => `${show(m.weights.get(i, k))}×${show(m.V.get(k, j))}`);
      lines.push(`= Σₖ ${L.weight}[${rl}, k] · V[k, ${cl}]`, `${L.weight}[${rl}, :] = [${row(m.weights, i).join(", ")}]`,
        `V[:, ${cl}] = [${col(m.V, j).join(", ")}]`, `= ${terms.slice(0, 12).join(" + ")}${terms.length > 12 ? " + …" : ""}`);
      marks.push({ key: "weights", row: i }, { key: "V", col: j });
    }
    return { lines, marks };
  }

  function absMax(mat) {
    let amax = 1e-9;
    for (let i = 0; i < mat.rows; i++) for (let j = 0; j < mat.cols; j++) {
      const v = mat.get(i, j); if (Number.isFinite(v)) amax = Math.max(amax, Math.abs(v));
    }
    return amax;
  }
  const ruler = document.createElement("canvas").getContext("2d");
  const widest = (n, f) => { // the widest of n labels at 11 px, in CSS px
    ruler.font = `11px ${FONT}`;
    let w = 0;
    for (let i = 0; i < n; i++) w = Math.max(w, ruler.measureText(f(i)).width);
    return Math.ceil(w);
  };
  // cells with numbers up to 12 x 12, whose labels are whole: the row labels' margin as wide as the
  // widest, the column labels turned upright when one is wider than its cell; beyond, smaller cells
  // without numbers and with short labels
  function geometry(mat) {
    if (Math.max(mat.rows, mat.cols) <= 12) {
      const lm = Math.min(220, widest(mat.rows, mat.rl) + 10), cols = widest(mat.cols, mat.cl), rot = cols > 42;
      const tm = rot ? Math.min(160, cols + 8) : 16;
      return { cw: 46, ch: 24, lm, tm, rot, w: lm + 46 * mat.cols + 2, h: tm + 24 * mat.rows + 2, nums: true };
    }
    const cw = Math.max(3, Math.min(46, Math.floor(220 / mat.cols))), ch = Math.max(3, Math.min(24, Math.floor(220 / mat.rows)));
    const lm = ch >= 10 ? 64 : 4, tm = cw >= 10 ? 16 : 4;
    return { cw, ch, lm, tm, rot: false, w: lm + cw * mat.cols + 2, h: tm + ch * mat.rows + 2, nums: false };
  }
  const rowLabel = (mat, i, g) => (g.nums ? mat.rl(i) : clip(mat.rl(i), 8));
  function colLabel(mat, j, g) { // whole with numbers; narrow columns: the position (or dimension) alone
    return g.nums ? mat.cl(j) : g.cw >= 40 ? clip(mat.cl(j), 5) : mat.cl === dim ? dim(j) : String(j);
  }
  function cellColor(mat, v, hiddenCell, amax) {
    if (hiddenCell || !Number.isFinite(v)) return MASKED_RGB;
    return mat.kind === "weights" ? viridis(v) : diverging(v / amax);
  }
  function cellText(mat, v, hiddenCell) {
    if (mat.kind === "weights" && hiddenCell) return "—";
    return Number.isFinite(v) ? v.toFixed(2) : "−∞";
  }

  function unavailable(root) { // a real head whose q, k, v do not give its weights (VM.available false)
    const text = fill(L.bridge_unavailable, { layer: VM.layer, head: VM.head, err: VM.error.toExponential(1) });
    root.append(el("p", { class: "note", text }));
    return { refresh() {} };
  }

  function build(root) {
    if (!kind) return unavailable(root);
    const info = el("div", { class: "pipe-info", "data-testid": "pipe-info", role: "status", "aria-live": "polite" });
    const status = el("p", { class: "pipe-status", "data-testid": "pipe-status" });
    const rowEl = el("div", { class: "pipe-row" }), editor = el("span", { class: "pipe-editor" });
    const src = kind.source(core, { say, draw: () => draw(), editor });
    const headSel = src.heads > 1 ? headSelect((v) => { STATE.map = v; draw(); }) : null;
    if (headSel) headSel.querySelector(`option[value="${H}"]`)?.remove();
    const saved = picture.saved(core, { boxes: () => boxes, absMax, hiddenAt, cellColor, cellText, rowLabel });
    root.append(el("div", { class: "toolbar" }, headSel && el("label", { text: L.head + " " }, headSel), ...src.controls(),
      ...exportButtons("pipeline", saved.toCanvas, saved.toSvg)), editor, el("p", { class: "hint", "data-testid": "pipe-hint", text: src.hint }),
    status, rowEl, info);
    if (src.intro) root.insertBefore(src.intro, root.firstChild);
    let mats = [], boxes = [];
    const head = () => Math.min(STATE.map, src.heads - 1);

    function say(text) { status.textContent = text; status.classList.add("warn"); }
    function draw() {
      if (headSel) headSel.value = String(head()); // the heatmap may have left the head mean selected
      const had = boxes.find((b) => b.canvas === document.activeElement); // the keyboard's stage keeps focus
      mats = describe(src, src.stages(head())); rowEl.replaceChildren(); boxes = [];
      status.classList.remove("warn");
      status.textContent = src.status();
      mats.forEach((mat, idx) => {
        const g = geometry(mat), canvas = el("canvas", { class: "pipe-mat", "data-stage": mat.key, tabindex: "0",
          role: "application", "aria-roledescription": L.map_role, "aria-label": `${mat.name}: ${mat.formula}` });
        const box = { mat, g, canvas, ctx: hiDpi(canvas, g.w, g.h), marked: "[]", at: [0, 0] };
        boxes.push(box);
        canvas.addEventListener("mousemove", (ev) => { const at = cellAt(box, ev); if (at) inspect(box, ...at); });
        if (mat.editable || mat.toggles) canvas.addEventListener("click", (ev) => { const at = cellAt(box, ev); if (at) click(box, ...at); });
        canvas.addEventListener("focus", () => inspect(box, ...box.at));
        canvas.addEventListener("keydown", (ev) => keyed(box, ev));
        rowEl.append(el("figure", { class: "pipe-stage" }, el("figcaption", {},
          el("b", { text: mat.name }), el("br"), el("span", { class: "formula", text: mat.formula })), canvas));
        if (idx < mats.length - 1) rowEl.append(el("span", { class: "arrow", text: "→" }));
        paint(box, []);
      });
      const back = had && boxes.find((b) => b.mat.key === had.mat.key);
      if (back) { back.at = had.at; back.canvas.focus(); }
    }

    function hiddenAt(mat, i, j) {
      return (mat.key === "weights" || mat.key === "mask" || mat.key === "scaled") && src.masked(mats.qpos[i], j);
    }
    function paint(box, marks) {
      const { mat, g, ctx } = box, amax = absMax(mat);
      ctx.fillStyle = "white"; ctx.fillRect(0, 0, g.w, g.h);
      ctx.font = `${Math.min(11, g.ch - 2)}px ${FONT}`; ctx.textBaseline = "middle";
      for (let i = 0; i < mat.rows; i++) {
        if (g.lm > 4) { ctx.fillStyle = "#222"; ctx.textAlign = "right"; ctx.fillText(rowLabel(mat, i, g), g.lm - 3, g.tm + (i + 0.5) * g.ch); }
        for (let j = 0; j < mat.cols; j++) {
          const v = mat.get(i, j), hid = hiddenAt(mat, i, j);
          const rgb = cellColor(mat, v, hid, amax);
          ctx.fillStyle = cssColor(rgb); ctx.fillRect(g.lm + j * g.cw, g.tm + i * g.ch, g.cw, g.ch);
          if (g.nums) {
            ctx.fillStyle = inkOn(rgb); ctx.textAlign = "center";
            ctx.fillText(cellText(mat, v, hid), g.lm + (j + 0.5) * g.cw, g.tm + (i + 0.5) * g.ch);
          }
        }
      }
      if (g.tm > 4) {
        ctx.fillStyle = "#444"; ctx.textAlign = g.rot ? "left" : "center";
        for (let j = 0; j < mat.cols; j++) {
          const text = colLabel(mat, j, g);
          if (g.rot) { // upright, reading up from just above the cells
            ctx.save(); ctx.translate(g.lm + (j + 0.5) * g.cw, g.tm - 4); ctx.rotate(-Math.PI / 2); ctx.fillText(text, 0, 0); ctx.restore();
          } else if (ctx.measureText(text).width <= g.cw + 2) ctx.fillText(text, g.lm + (j + 0.5) * g.cw, g.tm / 2); // else no room
        }
      }
      ctx.strokeStyle = "#e0245e"; ctx.lineWidth = 2;
      for (const mk of marks) {
        if (mk.row !== undefined) ctx.strokeRect(g.lm, g.tm + mk.row * g.ch, g.cw * mat.cols, g.ch);
        if (mk.col !== undefined) ctx.strokeRect(g.lm + mk.col * g.cw, g.tm, g.cw, g.ch * mat.rows);
        if (mk.cell) ctx.strokeRect(g.lm + mk.cell[1] * g.cw, g.tm + mk.cell[0] * g.ch, g.cw, g.ch);
      }
    }
    function cellAt(box, ev) {
      const r = box.canvas.getBoundingClientRect(), g = box.g;
      const j = Math.floor((ev.clientX - r.left - g.lm) / g.cw), i = Math.floor((ev.clientY - r.top - g.tm) / g.ch);
      return i < 0 || j < 0 || i >= box.mat.rows || j >= box.mat.cols ? null : [i, j];
    }
    const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    function keyed(box, ev) { // the keyboard's cursor in a stage: arrows move it, Enter acts on it
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const [di, dj] = MOVES[ev.key] || [null, null];
      if (di !== null) {
        ev.preventDefault();
        inspect(box, Math.max(0, Math.min(box.mat.rows - 1, box.at[0] + di)), Math.max(0, Math.min(box.mat.cols - 1, box.at[1] + dj)));
      } else if ((ev.key === "Enter" || ev.key === " ") && (box.mat.editable || box.mat.toggles)) {
        ev.preventDefault();
        click(box, ...box.at);
      }
    }
    // cell (i, j) of a stage: its number and what produced it, those cells outlined
    function inspect(box, i, j) {
      box.at = [i, j];
      const p = provenance(src, mats, box.mat.key, i, j, head());
      info.replaceChildren(...p.lines.map((t) => el("div", { text: t })));
      info.dataset.stage = box.mat.key; info.dataset.i = i; info.dataset.j = j;
      for (const b of boxes) {  // repaint only the stages whose outlines change (big toys: 256 x 256)
        const marks = (b === box ? [{ cell: [i, j] }] : []).concat(p.marks.filter((mk) => mk.key === b.mat.key));
        const key = JSON.stringify(marks);
        if (key !== b.marked) { paint(b, marks); b.marked = key; }
      }
    }
    function click(box, i, j) { // the source toggles the mask cell or edits the cell of x
      if (box.mat.toggles) src.toggle(mats.qpos[i], j);
      else src.edit(i, j, box.mat.get(i, j));
    }
    function snapshot() { // every stage of every head, as plain arrays (-inf as null), for tests
      const plain = (M) => range(M.rows).map((i) => range(M.cols).map((j) => (Number.isFinite(M.at(i, j)) ? M.at(i, j) : null)));
      const heads = range(src.heads).map((h) => src.stages(h));
      const out = {};
      for (const k of ["Q", "K", "V", "s", "m", "z", "w", "o"]) out[k] = heads.map((S) => plain(S[k]));
      if (src.x) out.x = plain(src.x.mat());
      return out;
    }
    // the centre of cell (i, j) of a stage, in CSS px from its canvas's top left (tests, screenshots)
    function cellXY(key, i, j) {
      const b = boxes.find((x) => x.mat.key === key);
      return b ? { x: b.g.lm + (j + 0.5) * b.g.cw, y: b.g.tm + (i + 0.5) * b.g.ch } : null;
    }
    return { refresh: draw, snapshot, source: src, cellXY, sheet: () => { const { w, h } = saved.sheet(); return { w, h }; }, labels: (key) => {
      const b = boxes.find((x) => x.mat.key === key);
      return b ? { rows: [...Array(b.mat.rows).keys()].map((i) => rowLabel(b.mat, i, b.g)),
        cols: [...Array(b.mat.cols).keys()].map((j) => colLabel(b.mat, j, b.g)) } : null;
    } };
  }

  return { build };
}
