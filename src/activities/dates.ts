import type { ActivityDeps } from './context';
import { DATE_TRUST_THRESHOLD, resolveDates, type DateClues } from '../library/dates';
import { runLogger } from '../logging/logger';
import { policyOfRun, withPolicy } from '../services/keyword-proposals';

export const DATE_UNCERTAIN = 'date-uncertain';

export function createDateActivities(deps: ActivityDeps) {
  return {
    /**
     * Resolves capture dates for a run's photos (folder by folder, so neighbours vote) and tags the
     * ones below the trust threshold AI|date-uncertain.
     */
    async resolveRunDates(input: { runId: string }): Promise<{ resolved: number; uncertain: number }> {
      const catalog = deps.catalog();
      const clues: DateClues[] = [];
      for (const w of catalog.runs.workList(input.runId)) {
        const m = catalog.metadata.get(w.photoId);
        if (!m) continue;
        clues.push({
          photoId: w.photoId,
          relPath: w.relPath,
          dateOriginal: m.dateOriginal,
          createDate: m.createDate,
          modifyDate: m.modifyDate,
          fileMtime: m.fileMtime,
        });
      }
      let uncertain = 0;
      const rules = policyOfRun(catalog, input.runId);
      catalog.transaction(() => {
        for (const r of resolveDates(clues)) {
          catalog.metadata.setResolvedDate(r.photoId, r.date ?? null, r.trust, `${r.source}: ${r.reason}`);
          if (r.trust < DATE_TRUST_THRESHOLD) {
            uncertain++;
            const proposal = {
              photoId: r.photoId,
              layer: 'AI' as const,
              term: DATE_UNCERTAIN,
              source: 'date-resolver',
              sourceKind: 'date' as const,
              score: Math.round((1 - r.trust) * 1000) / 1000,
              runId: input.runId,
            };
            catalog.keywords.propose(withPolicy(rules, [proposal]));
          } else {
            catalog.keywords.withdrawTerm(r.photoId, 'AI', DATE_UNCERTAIN, 'date');
          }
        }
      });
      runLogger(deps.config.dataDir, input.runId).info({
        event: 'dates.resolved',
        resolved: clues.length,
        uncertain,
      });
      return { resolved: clues.length, uncertain };
    },
  };
}
