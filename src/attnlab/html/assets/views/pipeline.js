// views/pipeline.js (toy traces): the tutorial's left-to-right picture, interactive.
// x -> Q, K, V -> scores -> mask -> / temperature -> softmax -> weights -> output, for one head;
// hovering a cell names its number and what produced it, and outlines those cells.

define("pipeline", ["core"], (core) => {
  const { META, L, N, H, STATE, stage, isMasked, tokText, fmtNum, clip, el, headSelect, hiDpi, viridis,
    diverging, cssColor, MASKED_RGB, exportButtons, svgDoc, escXml, FONT } = core;

  function stageMatrices(h) {
    const X = stage("x"), Q = stage("Q"), K = stage("K"), V = stage("V"), S = stage("scores");
    const Wt = stage("weights"), O = stage("head_outputs");
    const D = X.shape[1], dh = Q.shape[2], T = META.temperature;
    const qk = (i, j) => { let s = 0; for (let d = 0; d < dh; d++) s += Q.at(h, i, d) * K.at(h, j, d); return s; };
    const masked = (i, j) => S.at(h, i, j);
    const tok = (i) => tokText(i), dim = (j) => String(j);
    return [
      { key: "x", name: "x", formula: "x", rows: N, cols: D, get: X.at, kind: "signed", rl: tok, cl: dim },
      { key: "Q", name: "Q", formula: "Q = x W_Q", rows: N, cols: dh, get: (i, j) => Q.at(h, i, j), kind: "signed", rl: tok, cl: dim },
      { key: "K", name: "K", formula: "K = x W_K", rows: N, cols: dh, get: (i, j) => K.at(h, i, j), kind: "signed", rl: tok, cl: dim },
      { key: "V", name: "V", formula: "V = x W_V", rows: N, cols: dh, get: (i, j) => V.at(h, i, j), kind: "signed", rl: tok, cl: dim },
      { key: "scores", name: L.score, formula: `Q Kᵀ / √${dh}`, rows: N, cols: N, get: (i, j) => qk(i, j) / Math.sqrt(dh), kind: "signed", rl: tok, cl: tok },
      { key: "mask", name: L.mask, formula: META.causal ? "k > q → −∞" : "—", rows: N, cols: N, get: masked, kind: "signed", rl: tok, cl: tok },
      { key: "scaled", name: `÷ ${L.temperature}`, formula: `s / T (T = ${T})`, rows: N, cols: N, get: (i, j) => masked(i, j) / T, kind: "signed", rl: tok, cl: tok },
      { key: "weights", name: L.weight, formula: "softmax(s / T)", rows: N, cols: N, get: (i, j) => Wt.at(h, i, j), kind: "weights", rl: tok, cl: tok },
      { key: "output", name: L.output, formula: "weights · V", rows: N, cols: dh, get: (i, j) => O.at(h, i, j), kind: "signed", rl: tok, cl: dim },
    ];
  }

  // what produced cell (i, j) of stage `key`: text lines and the cells to outline in other stages
  function provenance(mats, key, i, j, h) {
    const m = Object.fromEntries(mats.map((x) => [x.key, x]));
    // a row or column as text: all of it up to 16 numbers, then the first 16 and a count
    const list = (n, f) => {
      const shown = Array.from({ length: Math.min(n, 16) }, (_, t) => fmtNum(f(t)));
      return n > 16 ? [...shown, `… (${n})`] : shown;
    };
    const v = m[key].get(i, j), row = (x, r) => list(x.cols, (c) => x.get(r, c));
    const col = (x, c) => list(x.rows, (r) => x.get(r, c));
    const D = m.x.cols, dh = m.Q.cols, c = h * dh + j;
    const lines = [`${m[key].name}[${i}, ${j}] = ${fmtNum(v)}`], marks = [];
    if (key === "x") lines.push(L.input);
    if (key === "Q" || key === "K" || key === "V") {
      const W = stage(`W_${key}`), wcol = list(D, (r) => W.at(r, c));
      lines.push(`= x[${i}, :] · W_${key}[:, ${c}]`, `x[${i}, :] = [${row(m.x, i).join(", ")}]`,
        `W_${key}[:, ${c}] = [${wcol.join(", ")}]`);
      marks.push({ key: "x", row: i });
    }
    if (key === "scores") {
      lines.push(`= Q[${i}, :] · K[${j}, :] / √${dh}`, `Q[${i}, :] = [${row(m.Q, i).join(", ")}]`,
        `K[${j}, :] = [${row(m.K, j).join(", ")}]`);
      marks.push({ key: "Q", row: i }, { key: "K", row: j });
    }
    if (key === "mask") {
      lines.push(isMasked(i, j) ? `${L.masked}: k ${j} > q ${i} → −∞` : `= ${L.score}[${i}, ${j}]`);
      marks.push({ key: "scores", cell: [i, j] });
    }
    if (key === "scaled") { lines.push(`= mask[${i}, ${j}] / ${META.temperature}`); marks.push({ key: "mask", cell: [i, j] }); }
    if (key === "weights") {
      lines.push(`= exp(z[${i}, ${j}]) / Σₖ exp(z[${i}, k])`, `z[${i}, :] = [${row(m.scaled, i).join(", ")}]`);
      marks.push({ key: "scaled", row: i });
    }
    if (key === "output") {
      const terms = Array.from({ length: N }, (_, k) => `${fmtNum(m.weights.get(i, k))}×${fmtNum(m.V.get(k, j))}`);
      lines.push(`= Σₖ ${L.weight}[${i}, k] · V[k, ${j}]`, `${L.weight}[${i}, :] = [${row(m.weights, i).join(", ")}]`,
        `V[:, ${j}] = [${col(m.V, j).join(", ")}]`, `= ${terms.slice(0, 12).join(" + ")}${N > 12 ? " + …" : ""}`);
      marks.push({ key: "weights", row: i }, { key: "V", col: j });
    }
    return { lines, marks };
  }

  function absMax(mat) {
    let amax = 1e-9;
    for (let i = 0; i < mat.rows; i++) for (let j = 0; j < mat.cols; j++) {
      const v = mat.get(i, j); if (Number.isFinite(v)) amax = Math.max(amax, Math.abs(v));
    }
    return amax;
  }

  function build(root) {
    if (!stage("x")) { root.append(el("p", { class: "note", text: L.toy_only })); return { refresh() {} }; }
    const info = el("div", { class: "pipe-info", "data-testid": "pipe-info", text: L.pipe_hint });
    const row = el("div", { class: "pipe-row" });
    const headSel = H > 1 ? headSelect((v) => { STATE.map = v; draw(); }) : null;
    if (headSel) headSel.querySelector(`option[value="${H}"]`)?.remove();
    root.append(el("div", { class: "toolbar" }, headSel && el("label", { text: L.head + " " }, headSel),
      ...exportButtons("pipeline", toCanvas, toSvg)), el("p", { class: "hint", text: L.pipe_hint }), row, info);
    let mats = [], boxes = [];
    function head() { return Math.min(STATE.map, H - 1); }
    function geometry(mat) {
      const big = Math.max(mat.rows, mat.cols) <= 12;
      const cw = big ? 46 : Math.max(3, Math.floor(220 / Math.max(mat.rows, mat.cols)));
      const chh = big ? 24 : cw, lm = chh >= 10 ? 64 : 4, tm = chh >= 10 ? 16 : 4;
      return { cw, ch: chh, lm, tm, w: lm + cw * mat.cols + 2, h: tm + chh * mat.rows + 2, nums: big };
    }
    function draw() {
      if (headSel) headSel.value = String(head()); // the heatmap may have left the head mean selected
      mats = stageMatrices(head()); row.replaceChildren(); boxes = [];
      mats.forEach((mat, idx) => {
        const g = geometry(mat), canvas = el("canvas", { class: "pipe-mat", "data-stage": mat.key });
        const box = { mat, g, canvas, ctx: hiDpi(canvas, g.w, g.h), marked: "[]" };
        boxes.push(box);
        canvas.addEventListener("mousemove", (ev) => hover(box, ev));
        row.append(el("figure", { class: "pipe-stage" }, el("figcaption", {},
          el("b", { text: mat.name }), el("br"), el("span", { class: "formula", text: mat.formula })), canvas));
        if (idx < mats.length - 1) row.append(el("span", { class: "arrow", text: "→" }));
        paint(box, []);
      });
    }
    function paint(box, marks) {
      const { mat, g, ctx } = box, amax = absMax(mat);
      ctx.fillStyle = "white"; ctx.fillRect(0, 0, g.w, g.h);
      ctx.font = `${Math.min(11, g.ch - 2)}px ${FONT}`; ctx.textBaseline = "middle";
      for (let i = 0; i < mat.rows; i++) {
        if (g.lm > 4) { ctx.fillStyle = "#222"; ctx.textAlign = "right"; ctx.fillText(clip(mat.rl(i), 8), g.lm - 3, g.tm + (i + 0.5) * g.ch); }
        for (let j = 0; j < mat.cols; j++) {
          const v = mat.get(i, j), fin = Number.isFinite(v);
          const rgb = !fin ? MASKED_RGB : mat.kind === "weights" ? viridis(v) : diverging(v / amax);
          ctx.fillStyle = cssColor(rgb); ctx.fillRect(g.lm + j * g.cw, g.tm + i * g.ch, g.cw, g.ch);
          if (g.nums) {
            ctx.fillStyle = fin && mat.kind === "weights" && v < 0.6 ? "white" : "#111"; ctx.textAlign = "center";
            ctx.fillText(fin ? v.toFixed(2) : "−∞", g.lm + (j + 0.5) * g.cw, g.tm + (i + 0.5) * g.ch);
          }
        }
      }
      if (g.tm > 4) {
        ctx.fillStyle = "#444"; ctx.textAlign = "center";
        for (let j = 0; j < mat.cols; j++) ctx.fillText(clip(mat.cl(j), 5), g.lm + (j + 0.5) * g.cw, g.tm / 2);
      }
      ctx.strokeStyle = "#e0245e"; ctx.lineWidth = 2;
      for (const mk of marks) {
        if (mk.row !== undefined) ctx.strokeRect(g.lm, g.tm + mk.row * g.ch, g.cw * mat.cols, g.ch);
        if (mk.col !== undefined) ctx.strokeRect(g.lm + mk.col * g.cw, g.tm, g.cw, g.ch * mat.rows);
        if (mk.cell) ctx.strokeRect(g.lm + mk.cell[1] * g.cw, g.tm + mk.cell[0] * g.ch, g.cw, g.ch);
      }
    }
    function hover(box, ev) {
      const r = box.canvas.getBoundingClientRect(), g = box.g;
      const j = Math.floor((ev.clientX - r.left - g.lm) / g.cw), i = Math.floor((ev.clientY - r.top - g.tm) / g.ch);
      if (i < 0 || j < 0 || i >= box.mat.rows || j >= box.mat.cols) return;
      const p = provenance(mats, box.mat.key, i, j, head());
      info.replaceChildren(...p.lines.map((t) => el("div", { text: t })));
      info.dataset.stage = box.mat.key; info.dataset.i = i; info.dataset.j = j;
      for (const b of boxes) {  // repaint only the stages whose outlines change (big toys: 256 x 256)
        const marks = (b === box ? [{ cell: [i, j] }] : []).concat(p.marks.filter((mk) => mk.key === b.mat.key));
        const key = JSON.stringify(marks);
        if (key !== b.marked) { paint(b, marks); b.marked = key; }
      }
    }
    function toCanvas() {
      const pad = 20, w = boxes.reduce((a, b) => a + b.g.w + pad, pad), h = 40 + Math.max(...boxes.map((b) => b.g.h));
      const c = document.createElement("canvas"), x = hiDpi(c, w, h);
      x.fillStyle = "white"; x.fillRect(0, 0, w, h); x.fillStyle = "#222"; x.font = `12px ${FONT}`;
      let at = pad;
      for (const b of boxes) {
        x.fillText(`${b.mat.name}: ${b.mat.formula}`, at, 16); x.drawImage(b.canvas, at, 30, b.g.w, b.g.h); at += b.g.w + pad;
      }
      return c;
    }
    function toSvg() {
      const pad = 20, parts = []; let at = pad, hmax = 0;
      for (const b of boxes) {
        const { mat, g } = b, amax = absMax(mat); hmax = Math.max(hmax, g.h);
        parts.push(`<text x="${at}" y="16" font-size="12">${escXml(`${mat.name}: ${mat.formula}`)}</text>`);
        for (let i = 0; i < mat.rows; i++) {
          const y = 30 + g.tm + i * g.ch;
          if (g.lm > 4) {
            parts.push(`<text x="${at + g.lm - 3}" y="${y + g.ch / 2 + 4}" font-size="11" text-anchor="end">` +
              `${escXml(clip(mat.rl(i), 8))}</text>`);
          }
          for (let j = 0; j < mat.cols; j++) {
            const v = mat.get(i, j), fin = Number.isFinite(v), x = at + g.lm + j * g.cw;
            const rgb = !fin ? MASKED_RGB : mat.kind === "weights" ? viridis(v) : diverging(v / amax);
            parts.push(`<rect x="${x}" y="${y}" width="${g.cw}" height="${g.ch}" fill="${cssColor(rgb)}">` +
              `<title>${fin ? v : "-inf"}</title></rect>`);
            if (g.nums) {
              const ink = fin && mat.kind === "weights" && v < 0.6 ? "white" : "#111";
              parts.push(`<text x="${x + g.cw / 2}" y="${y + g.ch / 2 + 4}" font-size="11" text-anchor="middle" ` +
                `fill="${ink}">${fin ? v.toFixed(2) : "−∞"}</text>`);
            }
          }
        }
        at += g.w + pad;
      }
      return svgDoc(at, hmax + 40, parts.join("\n") + "\n");
    }
    return { refresh: draw };
  }

  return { build };
});
