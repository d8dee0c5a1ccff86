// views/heatmap/whychart.js: the why panel's pictures of one cell's data D (why_to_dict): the per-dimension
// terms as a bar chart (SVG, the largest named), RoPE's content and position per frequency band (a table
// with bars and numbers) and the toy's x_i[m] (W_Q W_K^T)[m, n] x_j[n] terms (a table, coloured by sign).
// Nothing is computed here: the numbers are drawn as they came; the words come from whypanel.js (`words`).

const RED = "#b2182b", BLUE = "#2166ac";

// the terms: one bar a dimension, up from the zero line when positive, down when negative (the sign is the
// direction, not only the colour); the top dimensions' bars carry their name
export function termsChart(core, D, words) {
  const { el, svgEl: svg, fmtNum } = core;
  const n = D.terms.length, bw = Math.max(3, Math.min(14, Math.floor(560 / n))), W = n * bw + 62, Hh = 150, mid = 75;
  const top = Math.max(1e-12, ...D.terms.map(Math.abs)), named = new Set(D.top_dims);
  const label = `${words.terms}: ${D.top_dims.map((d) => `d${d} ${fmtNum(D.terms[d])}`).join(", ")}`;
  const s = svg("svg", { width: W, height: Hh, viewBox: `0 0 ${W} ${Hh}`, role: "img", "aria-label": label,
    "data-testid": "why-terms", class: "why-terms" });
  // the scale's labels in a gutter of their own (56 px), so that no bar's name can overlap them
  s.append(svg("line", { x1: 52, x2: W - 6, y1: mid, y2: mid, stroke: "#999" }),
    svg("text", { x: 2, y: 12, "font-size": 10, fill: "#444" }, `+${fmtNum(top)}`),
    svg("text", { x: 2, y: Hh - 4, "font-size": 10, fill: "#444" }, `−${fmtNum(top)}`));
  D.terms.forEach((v, d) => {
    const h = (Math.abs(v) / top) * (mid - 16), x = 56 + d * bw;
    const bar = svg("rect", { x, y: v >= 0 ? mid - h : mid, width: Math.max(1, bw - 1), height: Math.max(0.5, h),
      fill: v >= 0 ? RED : BLUE, opacity: named.has(d) ? 1 : 0.55 });
    bar.append(svg("title", {}, `d${d}: ${fmtNum(v)}`));
    s.append(bar);
    if (named.has(d)) s.append(svg("text", { x: x + bw / 2, y: v >= 0 ? mid - h - 3 : mid + h + 10, "font-size": 9,
      "text-anchor": "middle", fill: "#222" }, `d${d}`));
  });
  return el("figure", { class: "why-fig" }, s, el("figcaption", { class: "hint", text: words.terms }));
}

// RoPE: per band, its pairs and wavelengths, content and position as bars (with their numbers)
export function bandsTable(core, D, words) {
  const { el, fmtNum } = core;
  const top = Math.max(1e-12, ...D.bands.flatMap((b) => [Math.abs(b.content), Math.abs(b.position)]));
  const bar = (v) => el("td", { class: "num" },
    el("span", { class: "why-bar", style: `width:${Math.round((Math.abs(v) / top) * 80)}px;background:${v < 0 ? BLUE : RED}` }),
    ` ${v < 0 ? "−" : "+"}${fmtNum(Math.abs(v))}`);
  const rows = D.bands.map((b) => el("tr", {},
    el("th", { scope: "row", text: words.band.replace("{lo}", b.pairs[0]).replace("{hi}", b.pairs[1])
      .replace("{w0}", b.wavelength[0].toFixed(1)).replace("{w1}", b.wavelength[1].toFixed(1)) }),
    bar(b.content), bar(b.position)));
  return el("table", { class: "why-table", "data-testid": "why-bands" },
    el("caption", { text: words.bands }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: words.bandCol }),
      el("th", { scope: "col", text: words.content }), el("th", { scope: "col", text: words.position }))),
    el("tbody", {}, ...rows));
}

// the toy: x_i (rows) against x_j (columns), each cell x_i[m] A[m, n] x_j[n] scale; up to 8 x 8 whole,
// else the 16 largest in size, listed
export function toyTable(core, D, words) {
  const { el, fmtNum, diverging, cssColor } = core;
  const P = D.toy.pairs, m = P.length, top = Math.max(1e-12, ...P.flat().map(Math.abs));
  const cap = el("caption", { text: words.toy });
  if (m > 8) {
    const all = P.flatMap((row, i) => row.map((v, j) => [i, j, v])).sort((a, b) => Math.abs(b[2]) - Math.abs(a[2]));
    return el("div", { class: "why-toy", "data-testid": "why-toy" }, el("p", { class: "hint", text: words.toy }),
      el("p", { text: all.slice(0, 16).map(([i, j, v]) => `(${i}, ${j}) ${fmtNum(v)}`).join(", ") }));
  }
  // half the colour scale under dark ink: 4.5:1 or more on every tint (white ink fails on the mid tones)
  const cell = (v) => el("td", { class: "num", style: `background:${cssColor(diverging((0.5 * v) / top))};color:#111`,
    text: fmtNum(v) });
  const head = el("tr", {}, el("th", { scope: "col", text: "m \\ n" }),
    ...D.toy.x_key.map((x, j) => el("th", { scope: "col", text: `${j} (x_j ${fmtNum(x)})` })));
  const rows = P.map((row, i) => el("tr", {}, el("th", { scope: "row", text: `${i} (x_i ${fmtNum(D.toy.x_query[i])})` }),
    ...row.map(cell)));
  return el("table", { class: "why-table why-toy", "data-testid": "why-toy" }, cap, el("thead", {}, head),
    el("tbody", {}, ...rows));
}
