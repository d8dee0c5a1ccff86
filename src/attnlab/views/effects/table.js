// views/effects/table.js: every head as one row (layer, head, its census roles, its attention scores,
// each method's effect), sortable by any column: a column heading is a button (first press: largest
// first, again: smallest first; aria-sort says which); effects sort by |value| while the box says so.
// Each head's button opens it in the heatmap; focusing or hovering a row says its numbers.

// D: the tab's data; opts: rolesOf(l, h) -> [role], signed(v) -> text, open({l, h}), say({l, h}), method()
export function createTable(core, D, opts) {
  const { L, el } = core;
  const W = D.words, row = (r) => ({ l: r.layer, h: r.head });
  const roleText = (r) => opts.rolesOf(r.layer, r.head).map((x) => W.roles[x]).join(", ");
  const COLS = [
    { key: "layer", label: L.layer, get: (r) => r.layer, fmt: String },
    { key: "head", label: L.head, get: (r) => r.head, fmt: String },
    { key: "roles", label: L.census_roles, get: roleText, fmt: (v) => v || "–" },
    ...Object.keys(D.attention).map((s) => ({ key: s, label: W.scores[s], get: (r) => r[s], fmt: (v) => v.toFixed(2) })),
    ...D.methods.map((m) => ({ key: m, label: W.methods[m], get: (r) => r[m], fmt: opts.signed, effect: true })),
  ];
  const st = { key: opts.method(), desc: true, abs: true };
  const absBox = el("input", { type: "checkbox", checked: true, "data-testid": "effects-sort-abs",
    onchange: () => { st.abs = absBox.checked; draw(); } });
  const heads = COLS.map((c) => {
    const th = el("th", { scope: "col", "data-key": c.key, "aria-sort": "none" },
      el("button", { type: "button", class: "sort", text: c.label, onclick: () => sortBy(c.key) }));
    return th;
  });
  const body = el("tbody", {});
  const table = el("table", { class: "effects-table", "data-testid": "effects-table" },
    el("thead", {}, el("tr", {}, ...heads)), body);
  const element = el("div", { class: "effects-table-wrap" },
    el("div", { class: "toolbar" }, el("label", {}, absBox, ` ${L.effects_sort_abs}`)),
    el("div", { class: "scroll" }, table));

  function sortBy(key) {
    st.desc = st.key === key ? !st.desc : true;
    st.key = key;
    draw();
  }
  function order() {
    const c = COLS.find((x) => x.key === st.key);
    const value = (r) => (c.effect && st.abs ? Math.abs(c.get(r)) : c.get(r));
    return [...D.rows].sort((a, b) => {
      const x = value(a), y = value(b);
      const d = typeof x === "string" ? x.localeCompare(y) : x - y;
      return (st.desc ? -d : d) || a.layer - b.layer || a.head - b.head;
    });
  }
  function draw() {
    for (const th of heads) th.setAttribute("aria-sort", th.dataset.key === st.key ? (st.desc ? "descending" : "ascending") : "none");
    body.replaceChildren(...order().map((r) => {
      const cells = COLS.map((c) => {
        const text = c.fmt(c.get(r));
        if (c.key !== "head") return el("td", { class: c.effect || c.key in D.attention ? "num" : "", text });
        return el("td", {}, el("button", { type: "button", class: "head-open", "data-layer": r.layer, "data-head": r.head,
          text: `L${r.layer} H${r.head}`, onclick: () => opts.open(row(r)), onfocus: () => opts.say(row(r)) }));
      });
      return el("tr", { "data-layer": r.layer, "data-head": r.head, onmouseenter: () => opts.say(row(r)) }, ...cells);
    }));
  }
  draw();
  // the rows as shown, for tests: [layer, head] in the table's order
  const rows = () => [...body.children].map((tr) => [Number(tr.dataset.layer), Number(tr.dataset.head)]);
  return { element, draw, rows, state: st };
}
