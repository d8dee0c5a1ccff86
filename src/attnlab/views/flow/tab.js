// views/flow/tab.js: information-flow routes of one token (views/flow): the threshold and what was kept,
// the graph over layers and tokens (graph.js), its legend, and the attention edges layer by layer with
// the heads that carry them as buttons opening the head in the heatmap (when its layer is in the page).
// A page file carries the graph (META.view_meta.flow.data); the web app's page asks its server for it
// first (live.js: the token and the threshold).

import { drawGraph, legend } from "./graph.js";
import { livePanel } from "./live.js";

export function tab(core) {
  const { META, el } = core;
  const VM = META.view_meta.flow;

  function build(root, frame) {
    const shown = el("div", { class: "flow-shown", "data-testid": "flow-shown" });
    let drawn = null;
    const show = (data) => { shown.replaceChildren(); drawn = draw(core, shown, data, frame); };
    if (VM.data) { root.append(shown); show(VM.data); } else root.append(livePanel(core, VM.live, show), shown);
    return { refresh() {}, shown: () => drawn };
  }
  return { build };
}

// the heads of an attention edge worth naming: by their part, those carrying at least a tenth of it (4 at most)
function mainHeads(e) {
  return e.heads.map((v, h) => [h, v]).filter(([, v]) => v >= 0.1 * e.importance).sort((a, b) => b[1] - a[1]).slice(0, 4);
}

// the tab for data D (views/flow/data.py: tab_data) drawn into host; returns its parts for tests
function draw(core, host, D, frame) {
  const { META, L, el, tokLabel } = core;
  const note = el("p", { class: "readout", role: "status", "aria-live": "polite", "data-testid": "flow-note" });
  function open(layer, head) { // the head in the heatmap, when its layer is in the page
    const li = META.layers.indexOf(layer);
    if (li < 0) { note.textContent = L.census_not_in_page.replace("{layer}", layer); return; }
    frame.open("heatmap", { li, map: head });
  }
  const attention = D.edges.filter((e) => e.kind === "attention");
  const items = [];
  for (let l = D.n_layers - 1; l >= 0; l--) {
    for (const e of attention.filter((a) => a.layer === l).sort((a, b) => b.importance - a.importance)) {
      const heads = mainHeads(e).map(([h, v]) => el("button", { type: "button", class: "flow-head", "data-layer": l,
        "data-head": h, text: `${L.head} ${h} (${v.toFixed(3)})`, onclick: () => open(l, h) }));
      items.push(el("li", { "data-testid": "flow-edge" },
        `${L.layer} ${l}: ${tokLabel(e.from)} → ${tokLabel(e.to)} ${e.importance.toFixed(3)} `, ...heads));
    }
  }
  host.append(
    el("p", { class: "flow-title", "data-testid": "flow-title", text: D.title }),
    el("p", { class: "hint", text: L.flow_hint }),
    legend(core, D),
    el("div", { class: "flow-scroll", tabindex: "0", role: "group", "aria-label": L.flow_figure },
      drawGraph(core, D, tokLabel, open)),
    el("p", { class: "hint", "data-testid": "flow-reached", text: D.reached }),
    note,
    el(`h${core.LEVEL + 1}`, { class: "flow-h", text: L.flow_edges }),
    items.length ? el("ul", { class: "flow-edges" }, ...items) : el("p", { text: L.flow_none }));
  return { data: D, open };
}
