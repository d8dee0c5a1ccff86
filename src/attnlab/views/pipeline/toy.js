// views/pipeline/toy.js: the pipeline's numbers for a toy (carried with its stages, `stage_x`): the trace's
// stages until the reader edits x, T or the mask; then every stage recomputed here (pipemath.js, float64)
// with the trace's W_Q, W_K, W_V. In the web app's playground (core.editX) its controls are the
// playground's: no temperature or mask here, and a click on a cell of x goes to the playground's input
// (the playground's words say so: core.editX.hint, core.editX.cell).
// source(core, ui) -> the source tab.js draws; ui: {say(text), draw(), editor (the element for x's input)}.

import * as pm from "./pipemath.js";

export function source(core, ui) {
  const { META, L, N, H, STATE, DATA, stage, el, editX } = core;
  const VM = META.view_meta.pipeline;
  const X = stage("x"), D = X.shape[1], dh = D / H, dim = (j) => `d${j + 1}`;
  const blob = (name) => pm.of(DATA[name], ...META.arrays[name].shape);
  const W = { Q: blob("stage_W_Q"), K: blob("stage_W_K"), V: blob("stage_W_V") };
  const fill = (s, f) => s.replace(/\{(\w+)\}/g, (_, k) => String(f[k]));
  const st = {};
  const causalCells = (on) => new Uint8Array(N * N).map((_, c) => (!on || c % N <= Math.floor(c / N) ? 1 : 0));
  function reset() { st.x = pm.mat(N, D, X.at); st.T = META.temperature; st.edited = false; st.cache = null; st.allowed = causalCells(META.causal); }
  reset();
  const allowed = (q, k) => st.allowed[q * N + k] === 1;
  function headMat(name, h) { // a toy stage [head, rows, cols] -> head h's matrix
    const s = stage(name);
    return pm.mat(s.shape[1], s.shape[2], (i, j) => s.at(h, i, j));
  }
  function stages(h) {
    if (!st.edited) {
      const Q = headMat("Q", h), K = headMat("K", h), S = headMat("scores", h);
      return { Q, K, V: headMat("V", h), s: pm.scores(Q, K, 1 / Math.sqrt(dh)), m: S, z: pm.divided(S, st.T),
        w: headMat("weights", h), o: headMat("head_outputs", h) };
    }
    if (!st.cache) st.cache = pm.toyStages(st.x, W, H, st.T, allowed);
    return st.cache[h];
  }
  function changed() { st.edited = true; st.cache = null; STATE.edited = true; }
  const same = (cells) => st.allowed.every((a, c) => a === cells[c]);

  function controls() { // the page file's own: the temperature, the mask, a reset (none in the playground)
    if (editX) return [];
    const tIn = el("input", { type: "number", step: "any", min: "0", value: String(META.temperature), "data-testid": "pipe-t",
      onchange: () => { const v = Number(tIn.value); if (!(v > 0) || !Number.isFinite(v)) return ui.say(L.pipe_bad_t); st.T = v; changed(); ui.draw(); } });
    const causal = el("input", { type: "checkbox", "data-testid": "pipe-causal",
      onchange: () => { st.allowed = causalCells(causal.checked); changed(); ui.draw(); } });
    causal.checked = META.causal;
    const back = el("button", { text: L.pipe_reset, "data-testid": "pipe-reset",
      onclick: () => { reset(); STATE.edited = false; tIn.value = String(META.temperature); causal.checked = META.causal; ui.editor.replaceChildren(); ui.draw(); } });
    return [el("label", { text: `${L.temperature} T ` }, tIn), el("label", {}, causal, ` ${L.pipe_causal}`), back];
  }

  return {
    heads: H, stages, masked: (q, k) => !allowed(q, k), qpos: () => Array.from({ length: N }, (_, i) => i),
    names: { Q: "Q = x W_Q", K: "K = x W_K", V: "V = x W_V" }, scaleText: `/ √${dh}`, T: () => st.T,
    x: { name: () => (st.edited ? L.pipe_x_edited : "x"), mat: () => st.x },
    toggles: !editX,
    maskFormula: () => (same(causalCells(true)) ? "k > q → −∞" : same(causalCells(false)) ? L.mask_none : L.mask_custom),
    hint: editX ? editX.hint : L.pipe_edit_hint,
    controls,
    status() {
      const tol = VM.tol.toExponential(0);
      return fill(st.edited ? L.pipe_edited : L.pipe_precision, { tol });
    },
    // the lines a cell of x, Q, K or V (and the mask's) adds to its provenance: x W, and how to edit
    explain(key, i, j, h, { m, rl, list, row, show, lines, marks }) {
      if (key === "x") lines.push(L.input, editX ? editX.cell : L.edit_cell);
      if (key === "mask" && !editX) lines.push(L.toggle_cell);
      if (key !== "Q" && key !== "K" && key !== "V") return;
      const c = h * dh + j, wcol = list(m.x.cols, (r) => show(W[key].at(r, c)));
      lines.push(`= x[${rl}, :] · W_${key}[:, ${dim(c)}]`, `x[${rl}, :] = [${row(m.x, i).join(", ")}]`,
        `W_${key}[:, ${dim(c)}] = [${wcol.join(", ")}]`);
      marks.push({ key: "x", row: i });
    },
    toggle(i, j) { // hide or show key j for query i; a row keeps at least one visible key
      const cells = st.allowed.subarray(i * N, i * N + N);
      if (cells[j] && cells.reduce((a, b) => a + b, 0) === 1) return ui.say(L.pipe_keep_one);
      cells[j] = 1 - cells[j]; changed(); ui.draw();
    },
    edit(i, j, value) { // a cell of x: the playground's input for it, or an input here
      if (editX) return editX(i, j);
      const input = el("input", { type: "number", step: "any", value: String(value), "data-testid": "pipe-x-input" });
      input.addEventListener("change", () => {
        const v = Number(input.value);
        if (input.value.trim() === "" || !Number.isFinite(v)) return ui.say(L.pipe_bad_x);
        st.x.a[i * D + j] = v; changed(); ui.draw();
      });
      ui.editor.replaceChildren(el("label", { text: `x[${VM.labels[i]}, ${dim(j)}] = ` }, input));
      input.focus(); input.select();
    },
  };
}
