// views/effects/tab.js: head effects beside attention (views/effects). The layers x heads grid coloured
// by one method's effect (signed: blue < 0 < red, centred on 0; headgrid.js), the heads of a chosen
// census role outlined; a scatter of attention to a token (first, previous) against the effect, one dot
// per head (scatter.js); the printout's target, readings and caveats; the Spearman correlations and a
// sortable table of every head (table.js). Hovering, or the keyboard's cursor, says a head's numbers in
// one live region; clicking a head anywhere opens it in the heatmap. A page file carries the data
// (META.view_meta.effects.data); the web app's page asks its server for it first (live.js).

import * as headgrid from "../../html/js/headgrid.js";
import { createScatter } from "./scatter.js";
import { createTable } from "./table.js";
import { livePanel } from "./live.js";

// a signed effect as the tab writes it: 3 decimals with its sign (scientific when large)
export function signed(v) {
  const a = Math.abs(v), s = v < 0 ? "−" : "+";
  return s + (a >= 1000 ? a.toExponential(2) : a.toFixed(3));
}

export function tab(core) {
  const { META, L, el } = core;
  const VM = META.view_meta.effects;

  function build(root, frame) {
    const shown = el("div", { class: "effects-shown", "data-testid": "effects-shown" });
    let drawn = null, ready = false;
    const show = (data) => {
      shown.replaceChildren();
      drawn = draw(core, shown, data, frame);
      ready = true;
    };
    if (VM.data) {
      root.append(shown);
      show(VM.data);
    } else {
      root.append(livePanel(core, VM.live, show, () => { ready = true; }), shown);
    }
    return {
      refresh() { if (drawn) drawn.refresh(); },
      ready: () => ready,
      shown: () => drawn,
    };
  }
  return { build };
}

// the tab for data D (views/effects/data.py: tab_data) drawn into host; returns its parts for tests
function draw(core, host, D, frame) {
  const { META, L, el, select, exportButtons, svgDoc, escXml } = core;
  const W = D.words;
  const roleHeads = new Map(); // "layer/head" -> [role, ...]
  for (const r of D.roles) {
    const key = `${r.layer}/${r.head}`;
    if (!roleHeads.has(key)) roleHeads.set(key, []);
    roleHeads.get(key).push(r.role);
  }
  const rolesOf = (l, h) => roleHeads.get(`${l}/${h}`) || [];
  const present = [...new Set(D.roles.map((r) => r.role))];
  const st = { method: D.main, score: D.scatter_scores[0], role: present.includes("first_token_sink")
    ? "first_token_sink" : present[0] || "" };
  const effect = (l, h) => D.effects[st.method][l][h];
  const largest = () => Math.max(1e-9, ...D.effects[st.method].flat().map(Math.abs));

  const readout = el("div", { class: "readout", "data-testid": "effects-readout", role: "status", "aria-live": "polite" });
  function say(c) { // a head's numbers in the live region (and its data- attributes, for tests)
    if (!c) return;
    const roles = rolesOf(c.l, c.h), v = effect(c.l, c.h);
    const scores = D.scatter_scores.map((s) => `${W.scores[s]} ${D.attention[s][c.l][c.h].toFixed(2)}`).join(" · ");
    readout.textContent = `${L.layer} ${c.l} · ${L.head} ${c.h} · ${W.methods[st.method]}: ${signed(v)} · ${scores}` +
      ` · ${L.census_roles}: ${roles.map((r) => W.roles[r]).join(", ") || L.census_no_role}`;
    Object.assign(readout.dataset, { layer: c.l, head: c.h, method: st.method, value: v, roles: roles.join(",") });
  }
  function open(c) { // the head in the heatmap, when its layer is in the page
    const li = META.layers.indexOf(c.l);
    if (li < 0) { readout.textContent = L.census_not_in_page.replace("{layer}", c.l); return; }
    frame.open("heatmap", { li, map: c.h });
  }

  const grid = headgrid.createGrid(core, {
    layers: D.n_layers, heads: D.n_heads, testid: "effects-grid", label: L.effects, signed: true,
    value: effect, range: () => [-largest(), largest()],
    outlined: (l, h) => st.role !== "" && rolesOf(l, h).includes(st.role),
    format: (v) => (Math.abs(v) < 0.005 ? "0.00" : (v < 0 ? "−" : "+") + Math.abs(v).toFixed(2)),
    hover: say, click: open,
  });
  const scatter = createScatter(core, {
    layers: D.n_layers, heads: D.n_heads, testid: "effects-scatter", label: L.effects_scatter_label,
    x: (l, h) => D.attention[st.score][l][h], y: effect,
    xLabel: () => L.effects_scatter_x.replace("{score}", W.scores[st.score]), yLabel: () => W.methods[st.method],
    format: signed, hover: say, click: open,
  });
  const table = createTable(core, D, { rolesOf, signed, open, say, method: () => st.method });
  const rho = el("p", { class: "hint", "data-testid": "effects-rho" });
  function rhoText() {
    const n = D.n_layers * D.n_heads, parts = [];
    for (const [pair, value] of Object.entries(D.spearman)) {
      const [a, b] = pair.split("~");
      parts.push(L.effects_rho_pair.replace("{a}", W.methods[a]).replace("{b}", W.methods[b]).replace("{rho}", value.toFixed(2)));
    }
    const att = (D.rho_attention[st.method] || {})[st.score];
    if (att !== undefined) {
      parts.push(L.effects_rho_attention.replace("{score}", W.scores[st.score]).replace("{method}", W.methods[st.method])
        .replace("{rho}", att.toFixed(2)));
    }
    rho.textContent = parts.length ? `${L.effects_rho.replace("{n}", n)}: ${parts.join("; ")}` : "";
    rho.hidden = !parts.length;
  }
  function redraw() { grid.draw(); scatter.draw(); table.draw(); rhoText(); }

  const methodSel = select(D.methods.map((m) => [m, W.methods[m]]), st.method, (v) => { st.method = v; redraw(); });
  const scoreSel = select(D.scatter_scores.map((s) => [s, W.scores[s]]), st.score, (v) => { st.score = v; redraw(); });
  const roleSel = select([["", L.effects_outline_none], ...present.map((r) => [r, W.roles[r]])], st.role,
    (v) => { st.role = v; grid.draw(); });
  methodSel.dataset.testid = "effects-method"; scoreSel.dataset.testid = "effects-score";
  const picture = (canvas, title) => () => svgDoc(canvas.width / (window.devicePixelRatio || 1),
    canvas.height / (window.devicePixelRatio || 1), `<title>${escXml(title())}</title>\n<image x="0" y="0" ` +
    `width="100%" height="100%" href="${canvas.toDataURL("image/png")}"/>\n`);
  const title = () => `${META.model} · ${W.methods[st.method]}`;
  host.append(...[
    el("ul", { class: "effects-header", "data-testid": "effects-header" }, ...D.header.map((line) => el("li", { text: line }))),
    el("div", { class: "toolbar" },
      el("label", { text: `${L.effects_method} ` }, methodSel),
      el("label", { text: `${L.effects_scatter_pick} ` }, scoreSel),
      el("label", { text: `${L.effects_outline} ` }, roleSel),
      ...exportButtons("effects", () => grid.canvas, picture(grid.canvas, title))),
    el("p", { class: "hint", text: L.effects_hint }),
    el("div", { class: "effects-figures" }, grid.element,
      el("figure", { class: "effects-scatter" }, scatter.canvas,
        el("figcaption", { class: "hint", text: L.effects_scatter_hint }))),
    readout, rho,
    list(core, L.effects_title_readings, D.readings, "effects-readings"),
    list(core, L.effects_title_caveats, D.caveats, "effects-caveats"),
    el(`h${core.LEVEL + 1}`, { class: "effects-h", text: L.effects_table }),
    el("p", { class: "hint", text: L.effects_table_hint }), table.element].filter(Boolean)); // (append(null): "null")
  rhoText();
  return {
    refresh() { methodSel.value = st.method; grid.draw(); scatter.draw(); },
    data: D, state: st, cellXY: grid.cellXY, dotXY: scatter.dotXY, rows: table.rows,
  };
}

function list(core, heading, items, testid) {
  const { el } = core;
  if (!items.length) return null;
  return el("section", { class: "effects-list", "data-testid": testid }, el(`h${core.LEVEL + 1}`, { class: "effects-h", text: heading }),
    el("ul", {}, ...items.map((text) => el("li", { text }))));
}
