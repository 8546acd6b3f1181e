/**
 * Defaults of a run that the option table (CLI flags, API DTOs, config keys) shows and the run
 * request applies: one place, so help text and behaviour cannot drift apart.
 *
 * batchSize 64: every batch costs the same workflow and activity round trips whatever its size.
 * On a 2-core machine the Temporal server alone spent ~6 core-ms a photo on them at 32 (~2.4 at
 * 96), beside the model on the same cores: the CLIP stand-in's model stage kept 0.82× of its bare
 * loop at 32 and 0.93× at 64 (800 photos; docs/self_hosted_models.md). A killed batch redoes at
 * most 64 photos.
 */
export const RUN_DEFAULTS = {
  backend: 'mock',
  batchSize: 64,
  maxConcurrentBatches: 4,
  batchesPerPage: 200,
} as const;
