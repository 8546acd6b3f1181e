import crypto from 'node:crypto';
import fs from 'node:fs';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import type { ActivityDeps } from './context';
import { mapLimit } from './context';
import { walkLibrary, type FoundFile } from '../library/walk';
import { formatOf } from '../library/formats';
import { LOAD_KEY } from '../catalog/results.repository';
import type { ScanIssueKind } from '../catalog/runs.repository';
import type { RunConfig, ScanSummary } from '../shared/payloads';
import type { PhotoStatus } from '../shared/status';
import { runLogger } from '../logging/logger';

export interface ScanInput {
  runId: string;
  workflowId: string;
  config: RunConfig;
}

async function sha1Of(absPath: string): Promise<string> {
  const hash = crypto.createHash('sha1');
  for await (const chunk of fs.createReadStream(absPath, { highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function createScanActivities(deps: ActivityDeps) {
  return {
    /**
     * Walks the roots, hashes new or changed files, upserts photos and paths, and stores the run's
     * work list (the photos this run will process, in batch order). Returns counts, never the list.
     */
    async scanLibrary(input: ScanInput): Promise<ScanSummary> {
      const { runId, config } = input;
      const catalog = deps.catalog();
      const log = runLogger(deps.config.dataDir, runId);
      for (const root of config.roots) {
        if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
          throw ApplicationFailure.nonRetryable(`library folder not found: ${root}`, 'LibraryNotFound');
        }
      }
      catalog.runs.ensure(runId, input.workflowId, config);
      log.info({ event: 'scan.start', roots: config.roots }, 'scan started');

      const issues: Array<{ absPath: string; kind: ScanIssueKind; reason?: string }> = [];
      const counts = { files: 0, videos: 0, sidecars: 0, other: 0, unreadable: 0 };
      // First path (in walk order) of every distinct photo seen under the roots.
      const firstPath = new Map<number, { absPath: string; relPath: string }>();
      let duplicatePaths = 0;
      let pending: FoundFile[] = [];

      const flush = async () => {
        const hashed = await mapLimit(pending, 4, async (file) => {
          try {
            const st = await fs.promises.stat(file.absPath);
            const known = catalog.photos.knownPath(file.absPath);
            const unchanged = known && known.size === st.size && known.mtimeMs === Math.trunc(st.mtimeMs);
            const sha1 = unchanged ? undefined : await sha1Of(file.absPath);
            return { file, st, knownPhotoId: unchanged ? known.photoId : undefined, sha1 };
          } catch (err) {
            issues.push({ absPath: file.absPath, kind: 'unreadable', reason: (err as Error).message });
            counts.unreadable++;
            return undefined;
          }
        });
        catalog.transaction(() => {
          for (const h of hashed) {
            if (!h) continue;
            const seen = {
              absPath: h.file.absPath,
              root: h.file.root,
              relPath: h.file.relPath,
              size: h.st.size,
              mtimeMs: Math.trunc(h.st.mtimeMs),
            };
            let photoId = h.knownPhotoId;
            if (photoId === undefined) {
              photoId = catalog.photos.upsertPhoto({
                sha1: h.sha1 as string,
                size: h.st.size,
                format: formatOf(h.file.absPath),
                isRaw: h.file.kind === 'raw',
              });
              catalog.photos.upsertPath(photoId, seen);
            } else {
              catalog.photos.touchPath(h.file.absPath);
            }
            if (firstPath.has(photoId)) duplicatePaths++;
            else firstPath.set(photoId, { absPath: h.file.absPath, relPath: h.file.relPath });
          }
        });
        pending = [];
        heartbeat({ filesSeen: counts.files });
      };

      const onProblem = (p: { absPath: string; reason: string }) => {
        issues.push({ absPath: p.absPath, kind: 'unreadable', reason: p.reason });
        counts.unreadable++;
      };
      for await (const file of walkLibrary(config.roots, config, onProblem)) {
        Context.current().cancellationSignal.throwIfAborted();
        counts.files++;
        if (file.kind === 'image' || file.kind === 'raw') {
          pending.push(file);
          if (pending.length >= 256) await flush();
        } else {
          const kind: ScanIssueKind =
            file.kind === 'video'
              ? 'skipped_video'
              : file.kind === 'sidecar'
                ? 'skipped_sidecar'
                : 'skipped_other';
          if (kind === 'skipped_video') counts.videos++;
          else if (kind === 'skipped_sidecar') counts.sidecars++;
          else counts.other++;
          issues.push({ absPath: file.absPath, kind });
        }
      }
      await flush();

      const selected = selectWork(deps, config, [...firstPath.entries()]);
      const work = config.limit !== undefined ? selected.slice(0, config.limit) : selected;
      catalog.runs.setWorkList(runId, work);
      catalog.runs.replaceScanIssues(runId, issues);

      const summary: ScanSummary = {
        total: work.length,
        batches: Math.ceil(work.length / config.batchSize),
        filesSeen: counts.files,
        photosSeen: firstPath.size,
        alreadyDone: firstPath.size - selected.length,
        duplicatePaths,
        skippedVideos: counts.videos,
        skippedSidecars: counts.sidecars,
        skippedOther: counts.other,
        unreadable: counts.unreadable,
      };
      catalog.runs.recordScan(runId, summary);
      log.info({ event: 'scan.done', ...summary }, 'scan finished');
      return summary;
    },
  };
}

/**
 * Which photos a run processes. Default: those without a final record for this caption key (and not
 * known corrupt). --force: all. --retry-status: only those whose last status is listed. --dry-run:
 * all (it exists to re-check every file).
 */
function selectWork(
  deps: ActivityDeps,
  config: RunConfig,
  photos: Array<[number, { absPath: string; relPath: string }]>,
): Array<{ photoId: number; absPath: string; relPath: string }> {
  const results = deps.catalog().results;
  const key = { backend: config.backend, model: config.model, promptHash: config.promptHash };
  const retry = new Set<PhotoStatus>(config.retryStatuses);
  const chosen: Array<{ photoId: number; absPath: string; relPath: string }> = [];
  for (const [photoId, where] of photos) {
    let take: boolean;
    if (config.dryRun || config.force) {
      take = true;
    } else {
      const load = results.get(photoId, 'load', LOAD_KEY);
      const status: PhotoStatus | undefined =
        load?.status === 'error_corrupt' ? 'error_corrupt' : results.get(photoId, 'caption', key)?.status;
      take = retry.size > 0 ? status !== undefined && retry.has(status) : status === undefined;
      // --accept-truncated brings back the files refused earlier for ending early.
      if (!take && config.acceptTruncated && load?.status === 'error_corrupt')
        take = (load.reason ?? '').startsWith('truncated:');
      // A photo still missing its embedding comes back for that alone (its caption is kept).
      if (!take && config.embed && retry.size === 0 && status !== 'error_corrupt') {
        take = !deps.catalog().embeddings.has(photoId, 'image', config.embed.imageModel);
      }
    }
    if (take) chosen.push({ photoId, ...where });
  }
  return chosen;
}
