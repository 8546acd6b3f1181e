import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../files/atomic-write';
import type { ActivityDeps } from '../activities/context';
import {
  appendAudit,
  applySidecars,
  planSidecars,
  type SidecarNaming,
  type SidecarPlan,
  type SidecarResult,
} from '../library/sidecars';

export interface WriteSidecarsInput {
  runId: string;
  naming: SidecarNaming;
  /** Audit CSV; default $PCC_DATA_DIR/xmp_audit.csv. */
  auditPath?: string;
  concurrency?: number;
}

export interface WriteSidecarsResult {
  written: number;
  unchanged: number;
  errors: Array<{ sidecarPath: string; reason: string }>;
  auditPath: string;
}

export function auditPathFor(dataDir: string, given?: string): string {
  return given ? path.resolve(given) : path.join(dataDir, 'xmp_audit.csv');
}

/** `pcc xmp --apply` (and the write workflow of the review studio, to come): plan, write, audit. */
export async function writeRunSidecars(
  deps: Pick<ActivityDeps, 'catalog' | 'config'>,
  input: WriteSidecarsInput,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<WriteSidecarsResult> {
  const catalog = deps.catalog();
  const plans = await planSidecars(catalog, input.runId, input.naming);
  const results: SidecarResult[] = await applySidecars(plans, {
    concurrency: input.concurrency ?? 2,
    onProgress: (done) => onProgress(done, plans.length),
  });
  const config = catalog.runs.run(input.runId)!.config;
  const auditPath = auditPathFor(deps.config.dataDir, input.auditPath);
  appendAudit(auditPath, results, `${config.backend}/${config.model}`, input.runId);
  return {
    written: results.filter((r) => r.status === 'written').length,
    unchanged: results.filter((r) => r.status === 'unchanged').length,
    errors: results
      .filter((r) => r.status === 'error')
      .map((r) => ({ sidecarPath: r.sidecarPath, reason: r.reason ?? '' })),
    auditPath,
  };
}

/** Where a write's plan waits between its chunks (claim check: plans never enter history). */
function planFile(dataDir: string, runId: string): string {
  return path.join(dataDir, 'staging', 'writes', `${runId.replace(/[^\w.-]+/g, '_')}-${Date.now()}.json`);
}

/** The write workflow's first step: plan every sidecar and stage the plans as a file. */
export async function stageSidecarPlan(
  deps: Pick<ActivityDeps, 'catalog' | 'config'>,
  input: { runId: string; naming: SidecarNaming; auditPath?: string },
): Promise<{ file: string; total: number; auditPath: string }> {
  const plans = await planSidecars(deps.catalog(), input.runId, input.naming);
  const file = planFile(deps.config.dataDir, input.runId);
  writeFileAtomic(file, JSON.stringify(plans));
  return { file, total: plans.length, auditPath: auditPathFor(deps.config.dataDir, input.auditPath) };
}

/** Writes plans [from, to) of a staged plan and appends their audit rows. */
export async function writeSidecarChunk(
  deps: Pick<ActivityDeps, 'catalog' | 'config'>,
  input: { runId: string; file: string; from: number; to: number; auditPath?: string },
  onProgress: (done: number) => void = () => undefined,
): Promise<Omit<WriteSidecarsResult, 'auditPath'>> {
  const plans = (JSON.parse(fs.readFileSync(input.file, 'utf8')) as SidecarPlan[]).slice(
    input.from,
    input.to,
  );
  const results = await applySidecars(plans, { concurrency: 2, onProgress });
  const config = deps.catalog().runs.run(input.runId)!.config;
  appendAudit(
    auditPathFor(deps.config.dataDir, input.auditPath),
    results,
    `${config.backend}/${config.model}`,
    input.runId,
  );
  return {
    written: results.filter((r) => r.status === 'written').length,
    unchanged: results.filter((r) => r.status === 'unchanged').length,
    errors: results
      .filter((r) => r.status === 'error')
      .map((r) => ({ sidecarPath: r.sidecarPath, reason: r.reason ?? '' })),
  };
}
