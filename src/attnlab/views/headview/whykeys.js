// views/headview/whykeys.js: the head view's way into the heatmap's "why this score" panel (whypanel.js).
// A cell here is (query token, key token) in one head: with exactly one query token selected and exactly
// one head shown, a click on a key token, or Enter / Space in the key column (a listbox, like the query
// column), opens the panel for that cell of the layer shown; otherwise a polite note says what to keep
// (never a panel for a guessed head or query). Grouped rows (beyond 1,024 tokens) have no single cell: a
// note. Carried, as whypanel.js, with the heatmap's cells (the page array `why`) and in the app.

import { whyPanel } from "../heatmap/whypanel.js";

// ctx: {right (the key column's element), active, selected (Sets: heads shown, query rows selected),
// g (tokens a row), keys(column, count, act) (tab.js: the arrow keys of a listbox, act(i) on Enter / Space)}
export function headWhy(core, ctx) {
  const { META, L, STATE, el } = core;
  const VM = (META.view_meta || {}).heatmap;
  if (!VM || META.k_tokens) return null; // no q and k kept, or a cross-attention part: no panel, as the heatmap
  const panel = whyPanel(core, VM), right = ctx.right, toks = [...right.children];
  const note = el("p", { class: "hint", role: "status", "aria-live": "polite", "data-testid": "hv-why-note" });
  if (ctx.g === 1) { // the key column becomes a listbox: one token in the tab order
    right.removeAttribute("aria-hidden");
    right.setAttribute("role", "listbox");
    right.setAttribute("aria-label", L.key);
    toks.forEach((t, j) => {
      t.setAttribute("role", "option"); t.setAttribute("aria-selected", "false"); t.tabIndex = j ? -1 : 0;
    });
    ctx.keys(right, toks.length, open);
  }
  right.addEventListener("click", (ev) => { const t = ev.target.closest(".tok"); if (t) open(Number(t.dataset.i)); });

  // the note and the panel lie under the columns (up to 1,024 rows of 20 px): scrolled into sight when they change
  function tell(text) {
    panel.element.hidden = true; note.textContent = text; note.scrollIntoView({ block: "nearest" });
  }
  function open(j) {
    if (ctx.g > 1) return tell(L.why_hv_grouped.replace("{g}", ctx.g));
    if (ctx.active.size !== 1) return tell(L.why_hv_one_head.replace("{n}", ctx.active.size));
    if (ctx.selected.size !== 1) return tell(L.why_hv_one_query.replace("{n}", ctx.selected.size));
    note.textContent = "";
    toks.forEach((t, i) => t.setAttribute("aria-selected", String(i === j)));
    panel.open(META.layers[STATE.li], [...ctx.active][0], [...ctx.selected][0], j);
    return panel.element.scrollIntoView({ block: "nearest" });
  }
  return { elements: [note, panel.element], hint: L.why_hv_hint, open, panel };
}
