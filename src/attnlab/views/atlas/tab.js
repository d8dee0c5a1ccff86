// views/atlas/tab.js: the head census of the page's own text (views/atlas): a layers x heads grid per
// census score (headgrid.js), the heads whose score earns a role outlined, a readout of layer, head,
// score, value and roles on hover, and the head opened in the heatmap on click. Below the grid, each
// role with its rule, its heads and what it means; the probe's roles need `attnlab heads` (said so).

import * as headgrid from "../../html/js/headgrid.js";

export function tab(core) {
  const { META, L, H, el, select, exportButtons, svgDoc, escXml } = core;
  const VM = META.view_meta.atlas;
  // the census's text scores and their words, in the census's order (views/atlas/data.py)
  const SCORES = VM.score_labels, inTokens = (name) => VM.in_tokens.includes(name);
  const fmt = (name, v) => (inTokens(name) ? v.toFixed(1) : v.toFixed(2));
  const RULES = Object.fromEntries(VM.rules.map((r) => [r.role, r]));
  const ROLES = new Map(); // "layer/head" -> [role, ...] in the rules' order
  for (const r of VM.roles) {
    const key = `${r.layer}/${r.head}`;
    if (!ROLES.has(key)) ROLES.set(key, []);
    ROLES.get(key).push(r.role);
  }

  function ruleText(r) { return `${r.score} ${r.at_least ? "≥" : "≤"} ${+r.limit.toFixed(3)}`; }

  function roleList() {
    const items = VM.rules.filter((r) => r.on === "text").map((r) => {
      if (r.role === "local" && VM.uniform_distance / 4 < 1) { // a text too short to tell local heads apart
        return el("li", { "data-role": r.role }, el("b", { text: r.name }), `: ${L.census_local_short
          .replace("{u}", VM.uniform_distance.toFixed(1))}`);
      }
      const heads = VM.roles.filter((x) => x.role === r.role);
      const picks = heads.slice(0, 5).map((x) => `L${x.layer} H${x.head} ${fmt(r.score, x.score)}`).join(", ");
      const count = L.census_heads_n.replace("{n}", heads.length);
      return el("li", { "data-role": r.role, "data-count": heads.length },
        el("b", { text: r.name }), ` (${ruleText(r)}): ${count}${picks ? ` — ${picks}` : ""}. `,
        el("span", { class: "hint", text: r.role === "first_token_sink" && "vw_norms" in META.arrays
          ? `${r.means} ${L.census_sink_vw}` : r.means }));
    });
    return el("ul", { class: "census-roles", "data-testid": "census-roles" }, ...items,
      el("li", { class: "hint", text: L.census_probe_note }));
  }

  function build(root, frame) {
    const st = { score: Object.keys(SCORES)[0] };
    const readout = el("div", { class: "readout", "data-testid": "census-readout", role: "status", "aria-live": "polite" });
    const grid = headgrid.createGrid(core, {
      layers: META.n_layers, heads: H, testid: "census-canvas", label: L.atlas,
      value: (l, h) => VM.scores[st.score][l][h],
      range: () => (inTokens(st.score) ? [0, Math.max(1e-9, ...VM.scores[st.score].flat())] : [0, 1]),
      outlined: (l, h) => (ROLES.get(`${l}/${h}`) || []).some((role) => RULES[role].score === st.score),
      format: (v) => fmt(st.score, v),
      hover(c) {
        if (!c) return;
        const v = VM.scores[st.score][c.l][c.h], roles = ROLES.get(`${c.l}/${c.h}`) || [];
        const names = roles.map((role) => RULES[role].name).join(", ") || L.census_no_role;
        readout.textContent = `${L.layer} ${c.l} · ${L.head} ${c.h} · ${SCORES[st.score]}: ${fmt(st.score, v)}` +
          ` · ${L.census_roles}: ${names}`;
        Object.assign(readout.dataset, { layer: c.l, head: c.h, score: st.score, value: v, roles: roles.join(",") });
      },
      click(c) {
        const li = META.layers.indexOf(c.l);
        if (li < 0) { readout.textContent = L.census_not_in_page.replace("{layer}", c.l); return; }
        frame.open("heatmap", { li, map: c.h });
      },
    });
    const scoreSel = select(Object.entries(SCORES), st.score, (v) => { st.score = v; grid.draw(); });
    root.append(el("div", { class: "toolbar" }, el("label", { text: L.census_measure + " " }, scoreSel),
      ...exportButtons("census", () => grid.canvas, toSvg)),
    el("p", { class: "hint", text: L.census_hint }), grid.element, readout, roleList());

    function toSvg() {
      return svgDoc(grid.width, grid.height, `<title>${escXml(`${META.model} · ${SCORES[st.score]}`)}</title>\n` +
        `<image x="0" y="0" width="${grid.width}" height="${grid.height}" ` +
        `href="${grid.canvas.toDataURL("image/png")}"/>\n`);
    }
    return { refresh() { scoreSel.value = st.score; grid.draw(); }, cellXY: grid.cellXY };
  }

  return { build };
}
