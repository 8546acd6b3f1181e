/** Row-major dense matrices on typed arrays: the one vector format every clustering step shares. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export function matrix(
  rows: number,
  cols: number,
  data: Float32Array = new Float32Array(rows * cols),
): Matrix {
  if (data.length !== rows * cols)
    throw new Error(`matrix data has ${data.length} values, expected ${rows}×${cols}`);
  return { rows, cols, data };
}

export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Copies the rows scaled to unit length; an all-zero row stays zero. */
export function normalizeRows(m: Matrix): Matrix {
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += m.data[base + j] * m.data[base + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < m.cols; j++) out[base + j] = m.data[base + j] * inv;
  }
  return matrix(m.rows, m.cols, out);
}

/** A unit-length copy of one vector (zero stays zero). */
export function unitVector(v: Float32Array): Float32Array {
  return normalizeRows(matrix(1, v.length, v)).data;
}

/** Σ a[aBase + j]·b[bBase + j] for j < len, four accumulators (about twice the speed of one in V8). */
export function dot(
  a: ArrayLike<number>,
  aBase: number,
  b: ArrayLike<number>,
  bBase: number,
  len: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < len; j += 4) {
    s0 += a[aBase + j] * b[bBase + j];
    s1 += a[aBase + j + 1] * b[bBase + j + 1];
    s2 += a[aBase + j + 2] * b[bBase + j + 2];
    s3 += a[aBase + j + 3] * b[bBase + j + 3];
  }
  for (; j < len; j++) s0 += a[aBase + j] * b[bBase + j];
  return s0 + s1 + s2 + s3;
}

export function squaredDistance(data: Float32Array, cols: number, a: number, b: number): number {
  const ia = a * cols;
  const ib = b * cols;
  let s = 0;
  for (let j = 0; j < cols; j++) {
    const d = data[ia + j] - data[ib + j];
    s += d * d;
  }
  return s;
}

/** Rows picked by index, in that order. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float32Array(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) out.set(row(m, indices[i]), i * m.cols);
  return matrix(indices.length, m.cols, out);
}
