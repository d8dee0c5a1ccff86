// views/steps/parts.js: two pieces of the steps tab (tab.js). The next-token candidates as bars, the
// chosen token marked (and said on a line of its own when sampling took one outside the list), and the
// logit lens's top token per layer as a table. Numbers as analysis.steps gives them; only formatted here.

// the candidates of step s: one row per candidate (its token, a bar as long as its p, p to 3 decimals)
export function candidateList(core, s, fill) {
  const { L, el } = core;
  const most = Math.max(...s.top.map((c) => c.p)) || 1;
  const rows = s.top.map((c) => {
    const mine = c.token_id === s.token_id;
    return el("li", { class: `steps-cand${mine ? " chosen" : ""}`, "data-token-id": c.token_id, "data-p": c.p },
      el("span", { class: "steps-cand-tok", text: c.token }),
      el("span", { class: "steps-bar", style: `width:${(160 * c.p) / most}px` }),
      el("span", { class: "steps-cand-p", text: c.p.toFixed(3) }),
      ...(mine ? [el("strong", { class: "steps-mark", text: `✓ ${L.steps_chosen}` })] : []));
  });
  const listed = s.top.some((c) => c.token_id === s.token_id);
  return el("div", {}, el("ol", { class: "steps-cands" }, ...rows),
    ...(listed ? [] : [el("p", { class: "steps-chosen", "data-testid": "steps-chosen-outside",
      text: fill(L.steps_chosen_line, { token: s.token, p: s.p.toFixed(3), rank: s.rank }) })]));
}

// the logit lens of one step: per layer, its top token and p
export function lensTable(core, lens) {
  const { L, el } = core;
  return el("table", { class: "steps-lens" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: L.layer }), el("th", { scope: "col", text: L.steps_lens_top }),
      el("th", { scope: "col", text: "p" }))),
    el("tbody", {}, ...lens.map((c, l) => el("tr", { "data-layer": l, "data-token-id": c.token_id },
      el("td", { text: String(l) }), el("td", { text: c.token }), el("td", { class: "num", text: c.p.toFixed(3) })))));
}
