import fs from 'node:fs';
import { heartbeat } from '@temporalio/activity';
import type { ActivityDeps } from './context';
import { mapLimit } from './context';
import { CorruptImageError, decodePhoto, proxyPathFor, thumbnailPathFor } from '../images/loader';
import { readInventory } from '../images/inventory';
import { LOAD_KEY, type StageResult } from '../catalog/results.repository';
import type { BatchRef, CaptionKey, LoadedPhoto } from '../shared/payloads';
import type { PhotoStatus } from '../shared/status';
import { runLogger } from '../logging/logger';
import { localOnlyMatcher } from '../library/local-only';

export interface LoadInput {
  batch: BatchRef;
  /** Decode again even when a proxy from an earlier run exists (dry runs and --force). */
  redecode: boolean;
  /** Write proxies for later stages; false when nothing downstream reads pixels (dry run, mock). */
  writeProxies: boolean;
  /** Photos that already have a result for this key from this same run are left out (a re-run batch). */
  captionKey?: CaptionKey;
  /** Globs of local-only photos, matched against the path relative to its root. */
  localOnly: string[];
  /** Caption again photos whose caption has one of these statuses (or all, with force). */
  force?: boolean;
  retryStatuses?: PhotoStatus[];
}

/** Errors about the photo itself (vanished, unreadable) are the photo's status; others retry the batch. */
function isSourceError(err: unknown, absPath: string): boolean {
  const e = err as NodeJS.ErrnoException;
  return e?.path === absPath && ['ENOENT', 'EACCES', 'EPERM', 'EISDIR'].includes(e.code ?? '');
}

export function createLoadActivities(deps: ActivityDeps) {
  return {
    /** Decodes and validates one batch, writes proxies, records each photo's load status. */
    async loadBatch(input: LoadInput): Promise<LoadedPhoto[]> {
      const { runId, batchIndex, batchSize } = input.batch;
      const catalog = deps.catalog();
      const log = runLogger(deps.config.dataDir, runId);
      const isPrivate = localOnlyMatcher(input.localOnly);
      const items = catalog.runs.batch(runId, batchIndex, batchSize).filter((item) => {
        if (!input.captionKey) return true;
        return catalog.results.get(item.photo_id, 'caption', input.captionKey)?.run_id !== runId;
      });
      let done = 0;
      const loaded = await mapLimit(items, deps.decodeConcurrency, async (item): Promise<LoadedPhoto> => {
        const proxyPath = proxyPathFor(deps.config.dataDir, item.sha1, deps.proxyLongEdge);
        const existing = input.captionKey
          ? catalog.results.get(item.photo_id, 'caption', input.captionKey)
          : undefined;
        const base = {
          needsCaption:
            !existing || Boolean(input.force) || (input.retryStatuses ?? []).includes(existing.status),
          caption: existing?.status === 'success' ? (existing.output ?? undefined) : undefined,
          captionStatus: existing?.status,
          photoId: item.photo_id,
          sha1: item.sha1,
          relPath: item.rel_path,
          private: isPrivate(item.rel_path),
        };
        try {
          const decodedBefore = catalog.results.get(item.photo_id, 'load', LOAD_KEY)?.status === 'success';
          const thumbPath = thumbnailPathFor(deps.config.dataDir, item.sha1);
          const missing =
            input.redecode ||
            !decodedBefore ||
            !fs.existsSync(thumbPath) ||
            (input.writeProxies && !fs.existsSync(proxyPath)) ||
            !catalog.metadata.has(item.photo_id);
          if (missing) {
            // One decode validates, writes the proxy (when a stage reads pixels) and the review
            // thumbnail; ExifTool reads the inventory alongside. Both only read the original.
            const [decoded, inventory] = await Promise.all([
              decodePhoto(item.abs_path, {
                longEdge: deps.proxyLongEdge,
                proxyPath: input.writeProxies ? proxyPath : undefined,
                thumbPath,
                raw: item.is_raw === 1,
              }),
              readInventory(item.photo_id, item.abs_path).catch((err: Error) => {
                log.warn({ event: 'photo.inventory_failed', relPath: item.rel_path, reason: err.message });
                return undefined;
              }),
            ]);
            if (inventory) catalog.metadata.upsert({ ...inventory, phash: decoded.dhash });
          }
          return { ...base, status: 'success', proxyPath: input.writeProxies ? proxyPath : undefined };
        } catch (err) {
          if (err instanceof CorruptImageError || isSourceError(err, item.abs_path)) {
            const reason =
              err instanceof CorruptImageError ? err.message : `unreadable: ${(err as Error).message}`;
            log.warn(
              { event: 'photo.corrupt', relPath: item.rel_path, reason },
              'photo could not be decoded',
            );
            return { ...base, status: 'error_corrupt', reason };
          }
          throw err;
        } finally {
          heartbeat({ done: ++done });
        }
      });
      const records: StageResult[] = loaded.map((p) => ({
        photoId: p.photoId,
        stage: 'load',
        key: LOAD_KEY,
        status: p.status,
        reason: p.reason,
        runId,
      }));
      catalog.results.upsertMany(records);
      return loaded;
    },
  };
}
