// views/flow/graph.js: the flow graph as SVG (views/flow). Tokens across (x), layers up (y): each layer has
// three rows of nodes, the stream entering it (in), after its attention block (mid) and after its
// feed-forward block (out = the next layer's in). An edge is a line from its source node to its target
// node, its width and opacity growing with its importance; its kind shows by its dash and its colour
// (attention solid blue, the residual stream dashed grey, the feed-forward block dotted orange), so it
// reads without colour. Clicking an attention edge opens its main head in the heatmap (open(layer, head)).

// per kind: colour, dash, and the width an importance of 1 adds (the residual stream, nearly always kept
// with a large share, is drawn thinner so that the attention routes stand out)
export const STYLE = {
  attention: { stroke: "#2a6fdb", dash: "", width: 6 },
  attn_residual: { stroke: "#888", dash: "5 4", width: 1.5 },
  ffn: { stroke: "#d95f02", dash: "1.5 3", width: 3 },
  ffn_residual: { stroke: "#888", dash: "5 4", width: 1.5 },
};
const ROW = { attention: [0, 1], attn_residual: [0, 1], ffn: [1, 2], ffn_residual: [1, 2] }; // [from, to] row

// D: the tab's data (views/flow/data.py); label(i): a token's label; open(layer, head)
export function drawGraph(core, D, label, open) {
  const { L, svgEl: svg } = core;
  const n = D.tokens.length, rows = 2 * D.n_layers + 1;
  const cw = Math.max(34, Math.min(90, Math.floor(880 / n))), rh = Math.max(9, Math.min(26, Math.floor(620 / rows)));
  const left = 70, top = 16, bottom = 110, W = left + n * cw + 10, H = top + (rows - 1) * rh + bottom;
  const X = (i) => left + (i + 0.5) * cw, Y = (row) => top + (rows - 1 - row) * rh;
  const s = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", class: "flow-svg",
    "aria-label": `${L.flow_figure} ${D.title}`, "data-testid": "flow-svg" });
  for (let l = 0; l < D.n_layers; l++) { // a band per layer, its name on the left
    s.append(svg("rect", { x: left, y: Y(2 * l + 2), width: n * cw, height: 2 * rh, fill: l % 2 ? "#fafafa" : "#f2f4f7" }),
      svg("text", { x: left - 6, y: Y(2 * l + 1) + 4, "font-size": 10, "text-anchor": "end", fill: "#444" },
        `${L.layer} ${l}`));
  }
  const nodes = new Set([`${2 * D.n_layers}/${D.token}`]);
  const sorted = [...D.edges].sort((a, b) => a.importance - b.importance); // the strongest drawn last, on top
  for (const e of sorted) {
    const [r0, r1] = ROW[e.kind].map((r) => 2 * e.layer + r), st = STYLE[e.kind];
    nodes.add(`${r0}/${e.from}`); nodes.add(`${r1}/${e.to}`);
    const line = svg("line", { x1: X(e.from), y1: Y(r0), x2: X(e.to), y2: Y(r1), stroke: st.stroke,
      "stroke-width": (0.6 + st.width * e.importance).toFixed(2), "stroke-opacity": (0.3 + 0.7 * e.importance).toFixed(2),
      "stroke-dasharray": st.dash, "stroke-linecap": "round", "data-kind": e.kind });
    const what = `${L.layer} ${e.layer} · ${D.words[e.kind]} · ${label(e.from)} → ${label(e.to)} · ${e.importance.toFixed(3)}`;
    line.append(svg("title", {}, e.head === null ? what : `${what} · ${L.head} ${e.head}`));
    if (e.kind === "attention") { line.style.cursor = "pointer"; line.addEventListener("click", () => open(e.layer, e.head)); }
    s.append(line);
  }
  for (const key of nodes) {
    const [row, i] = key.split("/").map(Number);
    s.append(svg("circle", { cx: X(i), cy: Y(row), r: 1.6, fill: "#444" }));
  }
  for (let i = 0; i < n; i++) { // the tokens under the graph, the chosen one in bold
    const t = svg("text", { "font-size": 11, "text-anchor": "end", fill: "#222", "font-weight": i === D.token ? "bold" : "normal",
      transform: `translate(${X(i) + 3},${Y(0) + 10}) rotate(-60)` }, label(i));
    s.append(t);
  }
  return s;
}

// the legend: a short line of each kind, drawn as in the graph, with its name
export function legend(core, D) {
  const { el, svgEl: svg } = core;
  const kinds = ["attention", "attn_residual", "ffn"], s = svg("svg", { width: 60, height: 10, "aria-hidden": "true" });
  return el("div", { class: "flow-legend" }, ...kinds.map((k) => {
    const sample = s.cloneNode();
    sample.append(svg("line", { x1: 2, y1: 5, x2: 58, y2: 5, stroke: STYLE[k].stroke, "stroke-width": 3,
      "stroke-dasharray": STYLE[k].dash, "stroke-linecap": "round" }));
    return el("span", { class: "flow-key" }, sample, ` ${D.words[k]}`);
  }));
}
