// views/modelview/tab.js: every layer x head (and the head mean) as a small map; click one to open it in
// the heatmap. Thumbnails are max-pooled so thin lines (a diagonal, a first-token column) survive.
// A remote page (the app, a long trace) draws each thumbnail from the server's pooled maps instead
// (core.remote.thumb: fetched a layer at a time, top to bottom; each row shows as it arrives).
// Paired axes (a cross-attention part, core.js): an N x K map keeps its shape within the thumbnail's square.

export function tab(core) {
  const { META, L, N, K, H, M, STATE, weightMap, isMasked, scalePos, LUT, MASKED32, layerName, mapName, el,
    scaleSelect, hiDpi, exportButtons, svgDoc, escXml, FONT, remote } = core;

  function thumbImage(li, m, T, mode) {
    const nr = Math.min(N, T), nc = Math.min(K, T), img = new ImageData(nc, nr), px = new Uint32Array(img.data.buffer);
    const best = new Float32Array(nr * nc).fill(-1), masked = new Uint8Array(nr * nc).fill(1);
    const w = weightMap(li, m);
    for (let q = 0; q < N; q++) {
      const st = w.step(q), rm = w.rowMax(q), ty = Math.floor((q * nr) / N);
      for (let k = 0; k < K; k++) {
        const t = ty * nc + Math.floor((k * nc) / K);
        if (isMasked(q, k)) continue;
        masked[t] = 0;
        const v = scalePos(w.code(q, k) * st, rm, mode);
        if (v > best[t]) best[t] = v;
      }
    }
    for (let t = 0; t < nr * nc; t++) px[t] = masked[t] ? MASKED32 : LUT[Math.round(255 * Math.max(0, best[t]))];
    return img;
  }
  // a thumbnail's CSS size within its T x T square: an N x K map keeps its shape (K === N: the square)
  const box = (T) => [Math.round((T * K) / Math.max(N, K)), Math.round((T * N) / Math.max(N, K))]; // [w, h] px
  const sized = (c, T) => { const [w, h] = box(T); c.style.width = `${w}px`; c.style.height = `${h}px`; };

  // the thumbnail side that fits `width` CSS px: a 60 px label column, then M columns of side + 6
  // and a 4 px gap each (24 to 72; narrower than 24 a side: the pane scrolls)
  function side(width) { return Math.max(24, Math.min(72, Math.floor((width - 60) / M) - 10)); }

  function build(root, frame) {
    let T = side(root.clientWidth || 900);
    const grid = el("div", { class: "mv-grid", "data-testid": "model-grid" });
    grid.style.gridTemplateColumns = `60px repeat(${M}, ${T + 6}px)`;
    const scaleSel = scaleSelect((v) => { STATE.scale = v; draw(); });
    root.append(el("div", { class: "toolbar" }, el("label", { text: L.scale + " " }, scaleSel),
      ...exportButtons("modelview", toCanvas, toSvg)),
    el("p", { class: "hint", text: L.model_hint }), grid);
    const thumbs = [];
    grid.append(el("div"));
    for (let m = 0; m < M; m++) grid.append(el("div", { class: "mv-head", text: m >= H ? L.mean : `${L.head} ${m}` }));
    META.layers.forEach((_, li) => {
      grid.append(el("div", { class: "mv-layer", text: layerName(li) }));
      for (let m = 0; m < M; m++) {
        const open = () => frame.open("heatmap", { li, map: m });
        const c = el("canvas", { class: "mv-thumb", title: `${layerName(li)} · ${mapName(m)}`, tabindex: "0", role: "button",
          "aria-label": `${layerName(li)} · ${mapName(m)}`, "data-layer": li, "data-map": m, onclick: open,
          onkeydown: (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } } });
        sized(c, T);
        grid.append(c); thumbs.push({ c, li, m });
      }
    });
    function paint(t) {
      const img = remote ? remote.thumb(t.li, t.m, STATE.scale) : thumbImage(t.li, t.m, T, STATE.scale);
      if (!img) return; // a remote page's layer still on its way
      t.c.width = img.width; t.c.height = img.height;
      t.c.getContext("2d").putImageData(img, 0, 0);
    }
    function draw() {
      scaleSel.value = STATE.scale;
      for (const t of thumbs) paint(t);
      if (remote) remote.thumbs(root, (li) => { for (const t of thumbs) if (t.li === li) paint(t); });
    }
    function toCanvas() {
      const pad = 6, LW = 70, TH = 20, w = LW + M * (T + pad), h = TH + META.layers.length * (T + pad);
      const c = document.createElement("canvas"), x = hiDpi(c, w, h);
      x.fillStyle = "white"; x.fillRect(0, 0, w, h);
      x.fillStyle = "#222"; x.font = `11px ${FONT}`; x.textBaseline = "middle";
      x.imageSmoothingEnabled = false;
      for (let m = 0; m < M; m++) x.fillText(m >= H ? L.mean : `${m}`, LW + m * (T + pad), TH / 2);
      for (const t of thumbs) {
        if (t.m === 0) x.fillText(layerName(t.li), 2, TH + t.li * (T + pad) + T / 2);
        x.drawImage(t.c, LW + t.m * (T + pad), TH + t.li * (T + pad), ...box(T));
      }
      return c;
    }
    function toSvg() {
      const pad = 6, LW = 70, TH = 20, parts = [];
      for (let m = 0; m < M; m++) {
        parts.push(`<text x="${LW + m * (T + pad)}" y="14" font-size="11">${m >= H ? escXml(L.mean) : m}</text>`);
      }
      for (const t of thumbs) {
        const y = TH + t.li * (T + pad);
        if (t.m === 0) parts.push(`<text x="2" y="${y + T / 2}" font-size="11">${escXml(layerName(t.li))}</text>`);
        parts.push(`<image x="${LW + t.m * (T + pad)}" y="${y}" width="${box(T)[0]}" height="${box(T)[1]}" ` +
          `style="image-rendering:pixelated" href="${t.c.toDataURL("image/png")}"/>`);
      }
      return svgDoc(LW + M * (T + pad), TH + META.layers.length * (T + pad), parts.join("\n") + "\n");
    }
    // the pane's width changed: thumbnails take the new side (their pictures are redrawn at it)
    function fit() {
      const t = side(root.clientWidth || 900);
      if (t === T) return;
      T = t;
      grid.style.gridTemplateColumns = `60px repeat(${M}, ${T + 6}px)`;
      for (const x of thumbs) sized(x.c, T);
      draw();
    }
    return { refresh: draw, fit, loaded: () => (remote ? remote.thumbs.loaded() : META.layers.length), layers: META.layers.length };
  }

  return { build };
}
