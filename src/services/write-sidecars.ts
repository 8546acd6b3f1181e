import path from 'node:path';
import type { ActivityDeps } from '../activities/context';
import {
  appendAudit,
  applySidecars,
  planSidecars,
  type SidecarNaming,
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
