// views/heatmap/valueweighted.js: the heatmap's value-weighted mode (Kobayashi et al. 2020; data.py).
// What head h moves from key k to query q has length w[q, k] ||v_k W_O^h||; its share of the row is
//   share[q, k] = w[q, k] ||v_k W_O^h|| / S[q],   S[q] = sum_k w[q, k] ||v_k W_O^h||
// with the norms (vw_norms) and S (vw_totals) computed exactly in Python and w the page's 8-bit weight.
// As |w_page - w| <= step[q] / 2 and S is exact, |share_page - share| <= (step[q] / 2) ||v_k W_O^h|| / S[q]
// (+ FP32: the fp32 rounding of norms, totals and Python's reference), the bound each cell states.
// The head mean in this mode is the mean of the heads' shares, its bound the mean of their bounds.
// Also the switch's controls and hover lines, so that their code and words travel only with the norms
// (views/heatmap declares it a data module: pages whose data holds vw_norms carry it; the heatmap
// asks for it with units.carried).

export function valueWeighted(core) {
  const { META, L, N, H, DATA, STATE, weightMap, LUT, MASKED32, isMasked, scalePos, fmtW, fmtNum, el, select } = core;
  const available = "vw_norms" in META.arrays;
  const FP32 = 2e-6; // fp32 rounding on top of the quantisation bound (measured <= 8.8e-7: tests/analysis
  // synthetic traces, MiniLM and SmolLM2, exact weights through this recipe vs value_weighted_pattern)
  let cached = { key: "", maps: null };

  // adds f x (shares, bounds) of head h's row q into rowS, rowB (Float64Array N)
  function addRow(li, h, q, f, rowS, rowB) {
    const w = weightMap(li, h), base = (li * H + h) * N, norms = DATA.vw_norms;
    const S = DATA.vw_totals[base + q], half = w.step(q) / 2;
    for (let k = 0; k < N; k++) {
      if (isMasked(q, k)) continue; // weight exactly 0: share 0, no error
      const n = norms[base + k];
      if (S > 0) { rowS[k] += (f * w.at(q, k) * n) / S; rowB[k] += f * ((half * n) / S + FP32); } else rowB[k] += f;
    }
  }

  // shares and bounds of map m of layer index li ([q_pos * N + k_pos], fp32; m === H: the mean of the
  // heads' shares), each row's max and the largest bound; the last one asked is kept
  function shares(li, m) {
    const key = `${li}/${m}`;
    if (cached.key === key) return cached.maps;
    const share = new Float32Array(N * N), bound = new Float32Array(N * N), rowMax = new Float64Array(N);
    const rowS = new Float64Array(N), rowB = new Float64Array(N), heads = m < H ? [m] : [...Array(H).keys()];
    let maxBound = 0;
    for (let q = 0; q < N; q++) {
      rowS.fill(0); rowB.fill(0);
      for (const h of heads) addRow(li, h, q, 1 / heads.length, rowS, rowB);
      share.set(rowS, q * N); bound.set(rowB, q * N);
      for (let k = 0; k < N; k++) {
        if (rowS[k] > rowMax[q]) rowMax[q] = rowS[k];
        if (rowB[k] > maxBound) maxBound = rowB[k];
      }
    }
    cached = { key, maps: { share, bound, rowMax, maxBound } };
    return cached.maps;
  }

  // ||v_k W_O^h|| of one head's key (m === H: null, the mean has no one norm)
  function norm(li, m, k) { return m >= H ? null : DATA.vw_norms[(li * H + m) * N + k]; }

  // the shares of (li, m) as ImageData N x N in the given colour scale (as core.mapImage does for weights)
  function image(li, m, mode) {
    const s = shares(li, m), img = new ImageData(N, N), px = new Uint32Array(img.data.buffer);
    for (let q = 0; q < N; q++) {
      for (let k = 0, o = q * N; k < N; k++, o++) {
        px[o] = isMasked(q, k) ? MASKED32 : LUT[Math.round(255 * Math.min(1, scalePos(s.share[o], s.rowMax[q], mode)))];
      }
    }
    return img;
  }

  // the heatmap's controls: the weight / value-weighted select (its label element) and the note above
  // the map saying what is shown and its largest bound; update(li, m, on) after every redraw
  function controls(redraw) {
    const sel = select([["weight", L.weight], ["vw", L.vw_option]], STATE.weighting,
      (v) => { STATE.weighting = v; redraw(); });
    const note = el("p", { class: "hint", "data-testid": "vw-note", hidden: "" });
    function update(li, m, on) {
      sel.value = STATE.weighting;
      note.hidden = !on;
      if (!on) return;
      const b = shares(li, m).maxBound;
      note.textContent = `${m >= H ? L.vw_mean + " " : ""}${L.vw_hint.replace("{b}", b.toPrecision(2))}`;
      note.dataset.bound = b;
    }
    return { label: el("label", { text: L.vw_show + " " }, sel), note, update };
  }

  // the hover's lines in this mode: the share and its bound next to the weight (the head mean: the
  // heads' mean share), and the key's norm
  function hover(li, m, q, k, lines, data) {
    const share = shares(li, m).share[q * N + k], b = shares(li, m).bound[q * N + k], n = norm(li, m, k);
    lines.push(`${L.vw_share}: ${isMasked(q, k) ? "—" : `${fmtW(share)} (±${b.toPrecision(2)})`}`);
    lines.push(n !== null ? `${L.vw_norm}: ${fmtNum(n)}` : L.vw_mean);
    Object.assign(data, { share, bound: b, norm: n === null ? "" : n });
  }

  return {
    available, shares, norm, image, controls, hover, name: L.value_weighted,
    at: (li, m, q, k) => shares(li, m).share[q * N + k],
    bound: (li, m, q, k) => shares(li, m).bound[q * N + k],
    rowMax: (li, m, q) => shares(li, m).rowMax[q],
  };
}
