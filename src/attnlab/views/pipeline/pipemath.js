// views/pipeline/pipemath.js: the pipeline's arithmetic inside the page, in float64, step by step as attention.py
// does it (and the tutorial): Q = x W_Q, K = x W_K, V = x W_V; split into heads of d_head columns;
// s = Q Kᵀ × scale (scale = 1/√d_head for the toy); hidden cells → −∞; z = s / T; weights =
// softmax(z) over each row; output = weights V. Pure functions over small row-major matrices.

// a matrix {rows, cols, a: Float64Array}; at(i, j) reads a[i * cols + j]
export function mat(rows, cols, f) {
  const a = new Float64Array(rows * cols);
  if (f) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[i * cols + j] = f(i, j);
  return { rows, cols, a, at: (i, j) => a[i * cols + j] };
}
// a row-major [rows, cols] array of the page's data (Float32Array) as a matrix (a float64 copy)
export function of(a, rows, cols) { return mat(rows, cols, (i, j) => a[i * cols + j]); }
export function matmul(A, B) { // [n, m] x [m, p]
  return mat(A.rows, B.cols, (i, j) => {
    let s = 0;
    for (let t = 0; t < A.cols; t++) s += A.a[i * A.cols + t] * B.a[t * B.cols + j];
    return s;
  });
}
export function columns(A, lo, n) { return mat(A.rows, n, (i, j) => A.at(i, lo + j)); } // head h: lo = h * d_head

// s[i, j] = q[i, :] · k[j, :] × scale (the rows of q: any subset of positions, `qpos`)
export function scores(q, k, scale) {
  return mat(q.rows, k.rows, (i, j) => {
    let s = 0;
    for (let d = 0; d < q.cols; d++) s += q.at(i, d) * k.at(j, d);
    return s * scale;
  });
}
// allowed(qp, k): may query position qp see key k; qpos[i]: the position of row i
export function masked(s, allowed, qpos) { return mat(s.rows, s.cols, (i, j) => (allowed(qpos[i], j) ? s.at(i, j) : -Infinity)); }
export function divided(m, T) { return mat(m.rows, m.cols, (i, j) => m.at(i, j) / T); }
export function softmaxRows(z) {
  const w = mat(z.rows, z.cols);
  for (let i = 0; i < z.rows; i++) {
    let mx = -Infinity, sum = 0;
    for (let j = 0; j < z.cols; j++) mx = Math.max(mx, z.at(i, j));
    for (let j = 0; j < z.cols; j++) { const e = z.at(i, j) === -Infinity ? 0 : Math.exp(z.at(i, j) - mx); w.a[i * z.cols + j] = e; sum += e; }
    for (let j = 0; j < z.cols; j++) w.a[i * z.cols + j] /= sum;
  }
  return w;
}

// every stage of one head from its q [rows], k, v [keys] (the bridge, and each toy head)
export function headStages(q, k, v, { scale, T, allowed, qpos }) {
  const s = scores(q, k, scale), m = masked(s, allowed, qpos), z = divided(m, T), w = softmaxRows(z);
  return { Q: q, K: k, V: v, s, m, z, w, o: matmul(w, v) };
}

// the toy: x [n, d_model], W = {Q, K, V} [d_model, d_model], `heads` heads; every head's stages
export function toyStages(x, W, heads, T, allowed) {
  const dh = x.cols / heads, full = { Q: matmul(x, W.Q), K: matmul(x, W.K), V: matmul(x, W.V) };
  const qpos = Array.from({ length: x.rows }, (_, i) => i), out = [];
  for (let h = 0; h < heads; h++) {
    const part = (M) => columns(M, h * dh, dh);
    out.push(headStages(part(full.Q), part(full.K), part(full.V), { scale: 1 / Math.sqrt(dh), T, allowed, qpos }));
  }
  return out;
}
