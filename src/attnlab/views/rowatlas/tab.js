// views/rowatlas/tab.js (web app only): every layer x head as one cell, coloured by a row statistic
// averaged over the head's query rows (entropy relative to uniform, weight on the first token, mean
// distance, max weight), read from the server (streamed there, so any length works). Click a head
// to open it in the deep zoom.

import * as headgrid from "../../html/js/headgrid.js";

export function tab(core) {
  const { META, L, H, PERF, el, select, exportButtons, svgDoc, escXml } = core;
  // the statistics, their words and ranges (views/rowatlas: page_meta)
  const STATS = Object.fromEntries(META.view_meta.rowatlas.stats.map((s) => [s.name, s]));
  const STATES = { queued: L.state_queued, running: L.state_running };

  function build(root, frame) {
    const st = { stat: META.view_meta.rowatlas.stats[0].name, data: null };
    const grid = headgrid.createGrid(core, {
      layers: META.n_layers, heads: H, testid: "atlas-canvas", label: L.rowatlas,
      ready: () => st.data !== null,
      value: (l, h) => st.data[st.stat][l][h],
      range,
      hover(c) {
        if (!c || !st.data) { readout.textContent = ""; return; }
        const v = st.data[st.stat][c.l][c.h];
        readout.textContent = `${L.layer} ${c.l} · ${L.head} ${c.h} · ${STATS[st.stat].label}: ${v === null ? "–" : v.toPrecision(4)}`;
        Object.assign(readout.dataset, { layer: c.l, head: c.h, value: v === null ? "" : v });
      },
      click: (c) => frame.open("deepzoom", { li: c.l, map: c.h }),
    });
    const canvas = grid.canvas, draw = grid.draw;
    const status = el("span", { class: "hint", "data-testid": "atlas-status", text: L.loading });
    const readout = el("div", { class: "readout", "data-testid": "atlas-readout", role: "status", "aria-live": "polite" });
    const statSel = select(Object.values(STATS).map((s) => [s.name, s.label]), st.stat, (v) => { st.stat = v; draw(); });
    root.append(el("div", { class: "toolbar" }, el("label", { text: L.statistic + " " }, statSel),
      ...exportButtons("atlas", () => canvas, toSvg), status),
    el("p", { class: "hint", text: L.atlas_hint }), canvas, readout);

    function range() {
      const vals = st.data[st.stat].flat().filter((v) => v !== null);
      return STATS[st.stat].range || [0, Math.max(1e-9, ...vals)];
    }

    let started = false;
    async function load() {
      const t0 = performance.now();
      for (;;) {
        const r = await fetch(`${META.live.api}/stats`, { credentials: "same-origin" });
        const body = await r.json();
        if (r.status === 200) { st.data = body; break; }
        if (r.status !== 202) { status.textContent = body.error || `HTTP ${r.status}`; return; }
        const done = body.layers_done !== undefined ? ` ${body.layers_done}/${body.n_layers}` : "";
        status.textContent = `${L.computing} (${STATES[body.state] || body.message || body.state}${done}, ${body.elapsed_s || 0} s)`;
        await new Promise((ok) => setTimeout(ok, 1000));
      }
      PERF.atlasMs = performance.now() - t0;
      status.textContent = `${st.data.n_tokens} ${L.tokens}`;
      draw();
    }
    function toSvg() {
      return svgDoc(grid.width, grid.height, `<title>${escXml(META.model)}</title>\n` +
        `<image x="0" y="0" width="${grid.width}" height="${grid.height}" href="${canvas.toDataURL("image/png")}"/>\n`);
    }
    return {
      refresh() { if (!started) { started = true; load().catch((e) => { status.textContent = String(e); }); } draw(); },
      data: () => st.data,
    };
  }

  return { build };
}
