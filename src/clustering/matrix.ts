/** Row-major dense matrices on typed arrays: the one vector format every clustering step shares. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export function matrix(rows: number, cols: number, data = new Float32Array(rows * cols)): Matrix {
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

export function dotRows(
  a: Float32Array,
  aBase: number,
  b: Float32Array,
  bBase: number,
  cols: number,
): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += a[aBase + j] * b[bBase + j];
  return s;
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
