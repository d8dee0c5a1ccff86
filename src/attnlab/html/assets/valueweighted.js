// valueweighted.js: the heatmap's value-weighted mode (Kobayashi et al. 2020; views/heatmap.py).
// What head h moves from key k to query q has length w[q, k] ||v_k W_O^h||; its share of the row is
//   share[q, k] = w[q, k] ||v_k W_O^h|| / S[q],   S[q] = sum_k w[q, k] ||v_k W_O^h||
// with the norms (vw_norms) and S (vw_totals) computed exactly in Python and w the page's 8-bit weight.
// As |w_page - w| <= step[q] / 2 and S is exact, |share_page - share| <= (step[q] / 2) ||v_k W_O^h|| / S[q]
// (+ FP32: the fp32 rounding of norms, totals and Python's reference), the bound each cell states.
// The head mean in this mode is the mean of the heads' shares, its bound the mean of their bounds.

define("valueweighted", ["core"], (core) => {
  const { META, N, H, DATA, weightMap, LUT, MASKED32, isMasked, scalePos } = core;
  const available = "vw_norms" in META.arrays;
  const FP32 = 2e-6; // fp32 rounding on top of the quantisation bound (measured ~1e-6 at most)
  let cached = { key: "", maps: null };

  // one head's shares and bounds, [q_pos * N + k_pos]
  function headShares(li, h) {
    const w = weightMap(li, h), share = new Float64Array(N * N), bound = new Float64Array(N * N);
    const base = (li * H + h) * N, norms = DATA.vw_norms, totals = DATA.vw_totals;
    for (let q = 0; q < N; q++) {
      const S = totals[base + q], half = w.step(q) / 2;
      for (let k = 0, o = q * N; k < N; k++, o++) {
        if (isMasked(q, k)) continue; // weight exactly 0: share 0, no error
        const n = norms[base + k];
        if (S > 0) { share[o] = (w.at(q, k) * n) / S; bound[o] = (half * n) / S + FP32; } else bound[o] = 1;
      }
    }
    return { share, bound };
  }

  // shares of map m of layer index li (m === H: the mean of the heads' shares), with each row's max
  function shares(li, m) {
    const key = `${li}/${m}`;
    if (cached.key === key) return cached.maps;
    let maps;
    if (m < H) maps = headShares(li, m);
    else {
      maps = { share: new Float64Array(N * N), bound: new Float64Array(N * N) };
      for (let h = 0; h < H; h++) {
        const one = headShares(li, h);
        for (let i = 0; i < N * N; i++) { maps.share[i] += one.share[i] / H; maps.bound[i] += one.bound[i] / H; }
      }
    }
    maps.rowMax = new Float64Array(N);
    maps.maxBound = 0;
    for (let q = 0; q < N; q++) {
      for (let k = 0, o = q * N; k < N; k++, o++) {
        if (maps.share[o] > maps.rowMax[q]) maps.rowMax[q] = maps.share[o];
        if (maps.bound[o] > maps.maxBound) maps.maxBound = maps.bound[o];
      }
    }
    cached = { key, maps };
    return maps;
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

  return {
    available, shares, norm, image,
    at: (li, m, q, k) => shares(li, m).share[q * N + k],
    bound: (li, m, q, k) => shares(li, m).bound[q * N + k],
    rowMax: (li, m, q) => shares(li, m).rowMax[q],
  };
});
