// views/heatmap/whypanel.js: the heatmap's "why this score" panel for one cell (layer, head, query, key),
// opened by a click on the map or Enter on the keyboard's cursor (the deep zoom and the head view open it
// too: views/deepzoom/tab.js, views/headview/whykeys.js). Every number is analysis.why's
// why_to_dict (views/heatmap/why.py): a page file carries a bounded set of cells (the array `why`, their
// JSON), the web app
// asks its server for any other (/api/traces/{id}/why); a cell neither has is said so, with the CLI
// command that explains it. The drawing of the terms, bands and the toy's x W_Q / x W_K is whychart.js.

import { bandsTable, termsChart, toyTable } from "./whychart.js";

// VM: the page's view_meta.heatmap ({lang, command, toy, python, focus, n}: views/heatmap/why.py; python: a
// notebook output, whose advice for a cell it does not carry is the attnlab.why call, not the CLI's)
export function whyPanel(core, VM) {
  const { META, L, H, DATA, el, fmtNum, tokLabel, keyLabel, isMasked } = core;
  const cells = DATA.why ? JSON.parse(new TextDecoder().decode(DATA.why)) : {}; // "layer/head/query/key" -> data
  const words = { terms: L.why_terms, bands: L.why_bands, band: L.why_band_name, bandCol: L.why_band_col,
    content: L.why_rope_content, position: L.why_rope_position, toy: L.why_toy_terms };
  const title = el(`h${core.LEVEL + 1}`, { class: "why-h", text: L.why_panel });
  const body = el("div", { class: "why-body", "data-testid": "why-body" });
  const status = el("p", { class: "hint", role: "status", "aria-live": "polite", "data-testid": "why-status" });
  const close = el("button", { type: "button", text: L.why_close, onclick: () => { box.hidden = true; } });
  const box = el("section", { class: "why-panel", "data-testid": "why-panel", hidden: "", "aria-label": L.why_panel },
    el("div", { class: "why-top" }, title, close), status, body);
  let asked = 0, shown = null; // the latest request (an older answer arriving late is dropped); the data drawn

  function say(state, text, cell) {
    box.hidden = false;
    Object.assign(box.dataset, { state, layer: cell.layer, head: cell.head, query: cell.query, key: cell.key });
    status.textContent = text;
  }
  function open(layer, head, query, key) {
    const cell = { layer, head, query, key }, n = ++asked;
    shown = null;
    body.replaceChildren();
    if (head >= H) return say("mean", L.why_mean, cell);
    if (isMasked(query, key)) return say("masked", L.why_masked, cell);
    const D = cells[`${layer}/${head}/${query}/${key}`];
    if (D) return draw(D, "page");
    if (META.live) return ask(cell, n);
    const fill = (s) => s.replace("{layer}", layer).replace("{head}", head).replace("{query}", query).replace("{key}", key);
    const absent = VM.python ? L.why_absent_py : VM.toy ? L.why_absent_toy : L.why_absent;
    say("absent", fill(absent).replace("{n}", VM.n)
      .replace("{focus_layer}", VM.focus[0]).replace("{focus_head}", VM.focus[1]), cell);
    body.append(el("pre", { class: "why-cmd", "data-testid": "why-command", text: fill(VM.command) }));
  }
  async function ask(cell, n) {
    say("asking", L.computing, cell);
    const q = `layer=${cell.layer}&head=${cell.head}&query=${cell.query}&key=${cell.key}&lang=${VM.lang}`;
    try {
      const r = await fetch(`${META.live.api}/why?${q}`, { credentials: "same-origin" });
      const answer = await r.json().catch(() => ({}));
      if (n !== asked) return;
      if (r.ok) draw(answer.why, "server");
      else say("refused", answer.error || `HTTP ${r.status}`, cell);
    } catch (e) { if (n === asked) say("refused", String(e.message || e), cell); }
  }
  function draw(D, source) {
    shown = D;
    const line = (text, testid) => el("p", { class: "why-line", "data-testid": testid, text });
    const signed = (v) => (v < 0 ? "−" : "+") + fmtNum(Math.abs(v));
    say(source, `${L.layer} ${D.layer} · ${L.head} ${D.head} · ${L.query} ${tokLabel(D.query)} → ${L.key} ` +
      `${keyLabel(D.key)}`, D);
    Object.assign(box.dataset, { score: D.score, weight: D.weight, rank: D.rank, dot: D.dot });
    const added = D.additions.length ? ` ${signed(D.added)} (${L.why_added}: ${D.additions.join(", ")})` : "";
    const temp = D.temperature !== 1 ? ` · ${L.temperature} ${D.temperature}` : "";
    body.append(
      el("p", { class: "formula", text: L.why_formula }),
      line(`${L.score} ${fmtNum(D.score)} = ${L.why_dot} ${fmtNum(D.dot)}${added} · ${L.why_scale} ${fmtNum(D.scale)}`,
        "why-score"),
      line(`${L.weight} ${fmtNum(D.weight)} · ${L.why_rank} ${D.rank} / ${D.visible} · ${L.why_lse} ${fmtNum(D.lse)}${temp}`,
        "why-row"),
      termsChart(core, D, words),
      line(`${L.why_top_dims}: ${D.top_dims.map((d) => `d${d} ${signed(D.terms[d])}`).join(", ")}`, "why-top-dims"),
      line(`${L.why_top_keys}: ${D.top_keys.map((t) => `${keyLabel(t.key)} ${fmtNum(t.weight)}`).join(", ")}`,
        "why-top-keys"));
    if (D.content_score !== null) {
      body.append(line(`${L.why_rope_content} ${fmtNum(D.content_score)} + ${L.why_rope_position} ` +
        `${signed(D.position_score)} = ${fmtNum(D.dot)}`, "why-rope"), bandsTable(core, D, words));
    }
    if (D.toy) body.append(toyTable(core, D, words));
  }
  return { element: box, open, shown: () => shown, hint: L.why_hint };
}
