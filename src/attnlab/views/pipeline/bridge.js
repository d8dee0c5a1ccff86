// views/pipeline/bridge.js: the pipeline's numbers for one head of a real model (carried with its captured
// q, k, v, `bridge_q`): the tutorial's steps from q, k and v (the layer's input x is not kept), one
// query row, or every row when the text is short (ALL_ROWS tokens).
// source(core, ui) -> the source tab.js draws; ui: {say(text), draw(), editor}.

import * as pm from "./pipemath.js";

export function source(core, ui) {
  const { META, L, N, DATA, el, select } = core;
  const VM = META.view_meta.pipeline;
  const ALL_ROWS = 16; // every query row up to this many tokens, else one row
  const fill = (s, f) => s.replace(/\{(\w+)\}/g, (_, k) => String(f[k]));
  const [q, k, v] = ["q", "k", "v"].map((n) => pm.of(DATA[`bridge_${n}`], ...META.arrays[`bridge_${n}`].shape));
  const allowed = (qp, kk) => !META.causal || kk <= qp;
  const rows = () => (N <= ALL_ROWS ? Array.from({ length: N }, (_, i) => i) : [src.row]);
  const src = {
    heads: 1, row: VM.row, qpos: rows, masked: (qp, kk) => !allowed(qp, kk),
    stages() {
      const r = rows(), qs = pm.mat(r.length, q.cols, (i, j) => q.at(r[i], j));
      return pm.headStages(qs, k, v, { scale: VM.scale, T: 1, allowed, qpos: r });
    },
    names: { Q: L.captured_q, K: L.captured_k, V: L.captured_v }, scaleText: `× ${VM.scale.toFixed(4)}`,
    maskFormula: () => (META.causal ? "k > q → −∞" : L.mask_none),
    hint: L.pipe_hint,
    intro: el("p", { class: "note", "data-testid": "bridge-intro", text: fill(L.bridge_intro, {
      model: META.model, layer: VM.layer, head: VM.head, kv: VM.kv_head, d: VM.d_head, scale: VM.scale.toFixed(4) }) }),
    controls() { // the query row shown, when not every row is
      if (N <= ALL_ROWS) return [];
      const sel = select(VM.labels.map((t, i) => [i, t]), src.row, (r) => { src.row = +r; ui.draw(); });
      sel.dataset.testid = "bridge-row";
      return [el("label", { text: `${L.query} ` }, sel)];
    },
    status: () => fill(L.bridge_precision, { err: VM.error.toExponential(1) }),
    explain(key, i, j, h, { lines }) { if (key === "Q" || key === "K" || key === "V") lines.push(L.captured); },
  };
  return src;
}
