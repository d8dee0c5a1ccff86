// views/rowatlas.js (web app only): every layer x head as one cell, coloured by a row statistic
// averaged over the head's query rows (entropy relative to uniform, weight on the first token, mean
// distance, max weight), read from the server (streamed there, so any length works). Click a head
// to open it in the deep zoom.

define("rowatlas", ["core"], (core) => {
  const { META, L, H, PERF, STATE, viridis, cssColor, el, select, hiDpi, exportButtons, svgDoc, escXml, FONT } = core;
  // the statistics and their labels (labels by literal key: the page collects the L.<key> it reads)
  const STATS = { entropy_ratio: L.stat_entropy_ratio, first_weight: L.stat_first_weight, max_weight: L.stat_max_weight,
    mean_distance: L.stat_mean_distance };
  const STATES = { queued: L.state_queued, running: L.state_running };
  const FIXED = { entropy_ratio: [0, 1], first_weight: [0, 1], max_weight: [0, 1] }; // else 0..max

  function build(root, frame) {
    const nL = META.n_layers, CW = Math.max(18, Math.min(44, Math.floor(760 / H))), CH = Math.max(12, Math.min(24, Math.floor(640 / nL)));
    const LM = 64, TM = 36, W = LM + CW * H + 90, HT = TM + CH * nL + 8;
    const st = { stat: "entropy_ratio", data: null };
    const canvas = el("canvas", { class: "atlas", "data-testid": "atlas-canvas" });
    const ctx = hiDpi(canvas, W, HT);
    const status = el("span", { class: "hint", "data-testid": "atlas-status", text: L.loading });
    const readout = el("div", { class: "readout", "data-testid": "atlas-readout" });
    const statSel = select(Object.entries(STATS), st.stat, (v) => { st.stat = v; draw(); });
    root.append(el("div", { class: "toolbar" }, el("label", { text: L.statistic + " " }, statSel),
      ...exportButtons("atlas", () => canvas, toSvg), status),
    el("p", { class: "hint", text: L.atlas_hint }), canvas, readout);

    function range() {
      const vals = st.data[st.stat].flat().filter((v) => v !== null);
      return FIXED[st.stat] || [0, Math.max(1e-9, ...vals)];
    }
    function draw() {
      ctx.fillStyle = "white"; ctx.fillRect(0, 0, W, HT);
      if (!st.data) return;
      const [lo, hi] = range();
      ctx.font = `11px ${FONT}`; ctx.textBaseline = "middle";
      for (let l = 0; l < nL; l++) {
        ctx.fillStyle = "#222"; ctx.textAlign = "right";
        ctx.fillText(String(l), LM - 6, TM + (l + 0.5) * CH);
        for (let h = 0; h < H; h++) {
          const v = st.data[st.stat][l][h];
          ctx.fillStyle = v === null ? "#e2e2e2" : cssColor(viridis((v - lo) / (hi - lo)));
          ctx.fillRect(LM + h * CW, TM + l * CH, CW - 1, CH - 1);
        }
      }
      ctx.fillStyle = "#222"; ctx.textAlign = "center";
      for (let h = 0; h < H; h++) ctx.fillText(String(h), LM + (h + 0.5) * CW, TM - 9);
      ctx.textAlign = "left"; ctx.fillText(`${L.head} →`, LM, 8); ctx.fillText(`↓ ${L.layer}`, 2, TM - 9);
      const x = LM + CW * H + 16, hh = Math.min(160, CH * nL);
      for (let i = 0; i < hh; i++) { ctx.fillStyle = cssColor(viridis(1 - i / (hh - 1))); ctx.fillRect(x, TM + i, 12, 1); }
      ctx.fillStyle = "#222";
      ctx.fillText(hi.toPrecision(3), x + 16, TM + 4); ctx.fillText(lo.toPrecision(3), x + 16, TM + hh - 4);
    }
    function cellAt(ev) {
      const r = canvas.getBoundingClientRect();
      const h = Math.floor((ev.clientX - r.left - LM) / CW), l = Math.floor((ev.clientY - r.top - TM) / CH);
      return h >= 0 && l >= 0 && h < H && l < nL ? { l, h } : null;
    }
    canvas.addEventListener("mousemove", (ev) => {
      const c = cellAt(ev);
      if (!c || !st.data) { readout.textContent = ""; return; }
      const v = st.data[st.stat][c.l][c.h];
      readout.textContent = `${L.layer} ${c.l} · ${L.head} ${c.h} · ${STATS[st.stat]}: ${v === null ? "–" : v.toPrecision(4)}`;
      Object.assign(readout.dataset, { layer: c.l, head: c.h, value: v === null ? "" : v });
    });
    canvas.addEventListener("click", (ev) => {
      const c = cellAt(ev);
      if (c) frame.open("deepzoom", { li: c.l, map: c.h });
    });

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
      return svgDoc(W, HT, `<title>${escXml(META.model)}</title>\n<image x="0" y="0" width="${W}" height="${HT}" ` +
        `href="${canvas.toDataURL("image/png")}"/>\n`);
    }
    return {
      refresh() { if (!started) { started = true; load().catch((e) => { status.textContent = String(e); }); } draw(); },
      data: () => st.data,
    };
  }

  return { build };
});
