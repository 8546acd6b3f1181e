/**
 * Defaults of a run that the option table (CLI flags, API DTOs, config keys) shows and the run
 * request applies: one place, so help text and behaviour cannot drift apart.
 *
 * batchSize 64: every batch costs the same workflow and activity round trips whatever its size,
 * and on a 2-core machine those (the Temporal server's own CPU included) took ~1 core-ms a photo
 * more at 32 than at 64 — enough that `npm run bench:local` kept 0.82× of the bare CLIP loop with
 * 32 and 0.93× with 64 (docs/self_hosted_models.md). A killed batch redoes at most 64 photos.
 */
export const RUN_DEFAULTS = {
  backend: 'mock',
  batchSize: 64,
  maxConcurrentBatches: 4,
  batchesPerPage: 200,
} as const;
