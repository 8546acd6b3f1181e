/** Precisions of local ONNX models (file suffixes in known-models.ts); one list for flags, config and checks. */
export const DTYPES = ['fp32', 'fp16', 'q8', 'q4'] as const;
export type Dtype = (typeof DTYPES)[number];

export function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** "fp32, fp16, q8 or q4": for help texts and errors. */
export const DTYPE_CHOICES = `${DTYPES.slice(0, -1).join(', ')} or ${DTYPES.at(-1)}`;
