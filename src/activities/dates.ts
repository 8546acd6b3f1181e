import type { ActivityDeps } from './context';
import { DATE_TRUST_THRESHOLD, resolveDates, type DateClues } from '../library/dates';
import { runLogger } from '../logging/logger';

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
      catalog.transaction(() => {
        for (const r of resolveDates(clues)) {
          catalog.metadata.setResolvedDate(r.photoId, r.date ?? null, r.trust, `${r.source}: ${r.reason}`);
          if (r.trust < DATE_TRUST_THRESHOLD) {
            uncertain++;
            catalog.metadata.addKeyword({
              photoId: r.photoId,
              kind: 'AI',
              term: DATE_UNCERTAIN,
              source: 'date-resolver',
              runId: input.runId,
            });
          } else {
            catalog.metadata.removeKeyword(r.photoId, 'AI', DATE_UNCERTAIN);
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
