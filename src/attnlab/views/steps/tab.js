// views/steps/tab.js: attention while the model writes (views/steps). A scrubber over the generated steps (a
// range input, previous / next buttons; the arrow keys move the range, as anywhere in the tab outside a
// control that takes them); at the step shown: the sampling settings, the text so far with the new token
// outlined and each token coloured by the new token's weight on it (the chosen layer and head: the page's
// weight map, core.weightMap), that row's largest weights and a button opening the row in the heatmap, the
// next-token candidates as bars with the chosen one marked, a layers x heads grid of the new token's
// largest weight (headgrid.js; a click chooses that layer and head) and, with the logit lens, each layer's
// top token. Every number is the Python side's (META.view_meta.steps.data: analysis.steps; the arrays
// steps_argmax and steps_max [step, layer, head]); the JS only formats.

import * as headgrid from "../../html/js/headgrid.js";
import { candidateList, lensTable } from "./parts.js";

const TOP_KEYS = 5; // keys listed under the text, most weight first

export function tab(core) {
  const { META, L, el, STATE, DATA, H } = core;
  const D = META.view_meta.steps.data, S = D.steps, n = S.length, nL = META.n_layers;
  const fill = (s, f) => Object.entries(f).reduce((a, [k, v]) => a.split(`{${k}}`).join(String(v)), s);
  const over = (i, l, h) => ({ key: DATA.steps_argmax[(i * nL + l) * H + h], w: DATA.steps_max[(i * nL + l) * H + h] });

  function build(root, frame) {
    const st = { i: 0 };
    const range = el("input", { type: "range", min: 1, max: n, step: 1, value: 1, "data-testid": "steps-range",
      "aria-label": L.steps_scrubber });
    const where = el("span", { class: "steps-where", "data-testid": "steps-where" });
    const prev = el("button", { type: "button", text: `◀ ${L.steps_prev}`, "data-testid": "steps-prev",
      onclick: () => go(st.i - 1) });
    const next = el("button", { type: "button", text: `${L.steps_next} ▶`, "data-testid": "steps-next",
      onclick: () => go(st.i + 1) });
    range.addEventListener("input", () => go(+range.value - 1));
    const status = el("p", { class: "readout", role: "status", "aria-live": "polite", "data-testid": "steps-status" });
    const text = el("p", { class: "steps-text", "data-testid": "steps-text" });
    const keys = el("ol", { class: "steps-keys", "data-testid": "steps-keys" });
    const rowTitle = el("h3", { class: "steps-h" }), note = el("p", { class: "note", hidden: true, "data-testid": "steps-note" });
    const layerSel = core.layerSelect((v) => { STATE.li = v; draw(); });
    const headSel = core.headSelect((v) => { STATE.map = v; draw(); });
    const openBtn = el("button", { type: "button", text: L.steps_open_heatmap, "data-testid": "steps-open",
      onclick: () => { const w = row(); frame.open("heatmap", { row: S[st.i].position, col: w.indexOf(Math.max(...w)) }); } });
    const cands = el("div", { "data-testid": "steps-candidates" }), lens = el("div", { "data-testid": "steps-lens" });
    const cell = el("p", { class: "readout", "data-testid": "steps-cell" });
    const grid = headgrid.createGrid(core, { layers: nL, heads: H, testid: "steps-grid", label: L.steps_overview,
      value: (l, h) => over(st.i, l, h).w, range: () => [0, 1], format: (v) => v.toFixed(2),
      hover: (c) => sayCell(c), click: (c) => pick(c) });

    function sayCell(c) {
      if (!c) return;
      const o = over(st.i, c.l, c.h);
      cell.textContent = fill(L.steps_overview_cell, { layer: `${L.layer} ${c.l}`, head: `${L.head} ${c.h}`,
        key: core.tokLabel(o.key), w: o.w.toFixed(3) });
      Object.assign(cell.dataset, { layer: c.l, head: c.h, key: o.key, weight: o.w });
    }
    function pick(c) { // the layer and head of a grid cell, when the page holds that layer
      sayCell(c);
      const li = META.layers.indexOf(c.l);
      note.hidden = li >= 0;
      note.textContent = li >= 0 ? "" : fill(L.steps_not_held, { layer: c.l });
      if (li >= 0) { STATE.li = li; STATE.map = c.h; draw(); }
    }
    function go(i) { st.i = Math.max(0, Math.min(n - 1, i)); draw(); }
    function row() { // [weight of key k] of the new token's row in the layer and head shown (the page's map)
      const w = core.weightMap(STATE.li, STATE.map), p = S[st.i].position, out = [];
      for (let k = 0; k <= p; k++) out.push(w.at(p, k));
      return out;
    }
    function draw() {
      if (!core.has(STATE.li, STATE.map)) return core.need(STATE.li, [STATE.map], root, "steps").then(draw); // remote
      const s = S[st.i], p = s.position, w = row(), top = Math.max(...w) || 1;
      range.value = String(st.i + 1); prev.disabled = st.i === 0; next.disabled = st.i === n - 1;
      layerSel.value = String(STATE.li); headSel.value = String(STATE.map);
      where.textContent = fill(L.steps_of, { i: st.i + 1, n, pos: p });
      const chosen = fill(L.steps_chosen_line, { token: s.token, p: s.p.toFixed(3), rank: s.rank });
      status.textContent = `${where.textContent}: ${chosen}`;
      text.replaceChildren(...w.map((v, k) => {
        const rgb = core.viridis(v / top);
        return el("span", { class: `steps-tok${k === p ? " new" : ""}${k < D.prompt_len ? " prompt" : ""}`,
          text: core.tokText(k), title: `${core.tokLabel(k)} · ${L.weight} ${v.toFixed(3)}`,
          style: `background:rgba(${rgb[0]},${rgb[1]},${rgb[2]},0.5)` }); // half over white: dark text reads on it
      }));
      const mark = text.children[p]; // the new token in sight inside the text's own scroll box (not the page's)
      text.scrollTop = Math.max(0, mark.offsetTop - text.clientHeight / 2);
      rowTitle.textContent = `${fill(L.steps_row, { token: core.tokText(p), pos: p })} · ${core.layerName(STATE.li)} · ` +
        core.mapName(STATE.map);
      const order = w.map((v, k) => [v, k]).sort((a, b) => b[0] - a[0]).slice(0, TOP_KEYS);
      keys.replaceChildren(...order.map(([v, k]) => el("li", { text: `${core.tokLabel(k)} · ${v.toFixed(3)}`,
        "data-key": k, "data-weight": v })));
      cands.replaceChildren(candidateList(core, s, fill));
      lens.replaceChildren(...(s.lens ? [lensTable(core, s.lens)] : []));
      grid.draw();
      Object.assign(root.dataset, { step: st.i, position: p });
    }
    root.addEventListener("keydown", (ev) => { // the arrow keys step, outside controls that take them
      const tag = ev.target.tagName;
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ["INPUT", "SELECT", "CANVAS", "TEXTAREA"].includes(tag)) return;
      const by = { ArrowLeft: -1, ArrowRight: 1 }[ev.key];
      if (by) { ev.preventDefault(); go(st.i + by); }
    });
    const section = (title, ...children) => el("section", { class: "steps-part" }, el("h3", { class: "steps-h", text: title }),
      ...children);
    root.append(el("p", { class: "hint", text: L.steps_hint }),
      el("div", { class: "toolbar steps-scrub" }, prev, range, next, where),
      el("p", { class: "steps-how", "data-testid": "steps-how", text: `${L.steps_sampling}: ${D.how}` }), status,
      section(L.steps_text_so_far, text),
      el("section", { class: "steps-part" }, rowTitle,
        el("div", { class: "toolbar" }, el("label", { text: `${L.layer} ` }, layerSel),
          el("label", { text: `${L.head} ` }, headSel), openBtn), note, keys),
      section(L.steps_candidates, cands),
      el("div", { class: "steps-pair" }, section(L.steps_overview, grid.element, cell),
        ...(S[0].lens ? [section(L.steps_lens_title, lens)] : [])));
    draw();
    return {
      refresh: draw, go, state: st, data: D, row, over, cellXY: grid.cellXY,
      shown: () => ({ step: st.i, layer: META.layers[STATE.li], map: STATE.map }), // for tests
    };
  }
  return { build };
}
