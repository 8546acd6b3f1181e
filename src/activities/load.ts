import fs from 'node:fs';
import { heartbeat } from '@temporalio/activity';
import type { ActivityDeps } from './context';
import { mapLimit } from './context';
import {
  CorruptImageError,
  decodePhoto,
  proxyPathFor,
  thumbnailPathFor,
  thumbnailShortEdge,
  thumbnailShortEdgeOf,
} from '../images/loader';
import { lightOfFile, type LightStats } from '../images/light';
import { readInventoryBatch } from '../images/inventory';
import { LOAD_KEY, type StageResult } from '../catalog/results.repository';
import type { BatchRef, CaptionKey, LoadedPhoto } from '../shared/payloads';
import type { PhotoStatus } from '../shared/status';
import { runLogger } from '../logging/logger';
import { localOnlyMatcher } from '../library/local-only';
import type { PhotoMetadata } from '../catalog/metadata.repository';
import { existingSidecarKeywords } from '../library/sidecars';
import { userKeywordsOf } from '../services/keyword-proposals';

export interface LoadInput {
  batch: BatchRef;
  /** Decode again even when a proxy from an earlier run exists (dry runs and --force). */
  redecode: boolean;
  /** Write proxies for later stages; false when nothing downstream reads pixels (dry run, mock). */
  writeProxies: boolean;
  /**
   * The embedder reads review thumbnails whose shorter side is at least this (EmbedSettings.inputEdge):
   * a photo whose thumbnail is smaller (a panorama) gets a proxy even without writeProxies.
   */
  thumbnailEdgeNeeded?: number;
  /** Photos that already have a result for this key from this same run are left out (a re-run batch). */
  captionKey?: CaptionKey;
  /** Globs of local-only photos, matched against the path relative to its root. */
  localOnly: string[];
  /** Caption again photos whose caption has one of these statuses (or all, with force). */
  force?: boolean;
  retryStatuses?: PhotoStatus[];
  /** Decode files that end early instead of recording them as error_corrupt. */
  acceptTruncated?: boolean;
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
      const captionKey = input.captionKey;
      const captionOf = new Map(
        catalog.runs
          .batch(runId, batchIndex, batchSize)
          .map(
            (item) =>
              [
                item,
                captionKey ? catalog.results.get(item.photoId, 'caption', captionKey) : undefined,
              ] as const,
          ),
      );
      // A photo already captioned in this same run (a re-run batch) is left out.
      const items = [...captionOf.keys()].filter((item) => captionOf.get(item)?.runId !== runId);
      // The inventory of the whole batch comes from one ExifTool process, alongside the decodes.
      const needInventory = items.filter((i) => input.redecode || !catalog.metadata.has(i.photoId));
      const inventoryRead = readInventoryBatch(
        needInventory.map((i) => ({ photoId: i.photoId, absPath: i.absPath })),
      ).catch((err: Error) => {
        log.warn({ event: 'batch.inventory_failed', reason: err.message });
        return new Map<number, PhotoMetadata>();
      });
      const nsfwOf = (photoId: number) => {
        const score = catalog.metadata.nsfwScore(photoId);
        return score === undefined ? {} : { nsfwScore: score };
      };
      const hashes = new Map<number, string>();
      const lights = new Map<number, LightStats>();
      const notes = new Map<number, string>();
      let done = 0;
      const loaded = await mapLimit(items, deps.decodeConcurrency, async (item): Promise<LoadedPhoto> => {
        const proxyPath = proxyPathFor(deps.config.dataDir, item.sha1, deps.proxyLongEdge);
        const existing = captionOf.get(item);
        const base = {
          needsCaption:
            !existing || Boolean(input.force) || (input.retryStatuses ?? []).includes(existing.status),
          caption: existing?.status === 'success' ? (existing.output ?? undefined) : undefined,
          captionStatus: existing?.status,
          photoId: item.photoId,
          sha1: item.sha1,
          relPath: item.relPath,
          private: isPrivate(item.relPath),
          ...nsfwOf(item.photoId),
        };
        try {
          const decodedBefore = catalog.results.get(item.photoId, 'load', LOAD_KEY)?.status === 'success';
          const thumbPath = thumbnailPathFor(deps.config.dataDir, item.sha1);
          const missing =
            input.redecode ||
            !decodedBefore ||
            !fs.existsSync(thumbPath) ||
            (input.writeProxies && !fs.existsSync(proxyPath)) ||
            !catalog.metadata.has(item.photoId);
          let thumbShortEdge: number | undefined;
          if (missing) {
            // One decode validates and writes the proxy (when a stage reads pixels) and the review
            // thumbnail. Like ExifTool's inventory read, it only ever reads the original.
            const decoded = await decodePhoto(item.absPath, {
              longEdge: deps.proxyLongEdge,
              proxyPath: input.writeProxies ? proxyPath : undefined,
              thumbPath,
              raw: item.isRaw,
              acceptTruncated: input.acceptTruncated,
            });
            thumbShortEdge = decoded.thumbShortEdge;
            hashes.set(item.photoId, decoded.dhash);
            lights.set(item.photoId, decoded.light);
            if (decoded.note) notes.set(item.photoId, decoded.note);
          } else {
            // Decoded before: its note (a warning it was decoded past) stays the photo's.
            const before = catalog.results.get(item.photoId, 'load', LOAD_KEY)?.reason;
            if (before) notes.set(item.photoId, before);
            // Loaded before pcc measured light: the stored thumbnail is enough, no decode.
            if (!catalog.metadata.hasLight(item.photoId))
              lights.set(item.photoId, await lightOfFile(thumbPath));
          }
          let withProxy = input.writeProxies;
          if (input.thumbnailEdgeNeeded) {
            if (thumbShortEdge === undefined) {
              // Loaded before: the photo's size in the catalog gives it (no sharp call), else its header.
              const size = catalog.metadata.get(item.photoId);
              thumbShortEdge =
                size?.width && size.height
                  ? thumbnailShortEdgeOf(size.width, size.height)
                  : await thumbnailShortEdge(thumbPath);
            }
            // A thumbnail too small for the embedder (a panorama's): that photo gets a proxy after all.
            if (!withProxy && thumbShortEdge < input.thumbnailEdgeNeeded) {
              if (!fs.existsSync(proxyPath))
                await decodePhoto(item.absPath, {
                  longEdge: deps.proxyLongEdge,
                  proxyPath,
                  raw: item.isRaw,
                  acceptTruncated: input.acceptTruncated,
                });
              withProxy = true;
            }
          }
          return {
            ...base,
            status: 'success',
            proxyPath: withProxy ? proxyPath : undefined,
            // Only for an embedder that may read it: every field here is in the batch's history.
            ...(input.thumbnailEdgeNeeded ? { thumbPath, thumbShortEdge } : {}),
          };
        } catch (err) {
          if (err instanceof CorruptImageError || isSourceError(err, item.absPath)) {
            const reason =
              err instanceof CorruptImageError ? err.message : `unreadable: ${(err as Error).message}`;
            log.warn({ event: 'photo.corrupt', relPath: item.relPath, reason }, 'photo could not be decoded');
            return { ...base, status: 'error_corrupt', reason };
          }
          throw err;
        } finally {
          heartbeat({ done: ++done });
        }
      });
      const inventory = await inventoryRead;
      // Keywords a person already gave the photo (in the file or an existing sidecar) are theirs.
      const sidecarKeywords = new Map<number, { flat: string[]; hierarchical: string[] }>();
      for (const item of needInventory) {
        try {
          const found = await existingSidecarKeywords(item.absPath);
          if (found) sidecarKeywords.set(item.photoId, found);
        } catch (err) {
          log.warn({ event: 'sidecar.unreadable', relPath: item.relPath, reason: (err as Error).message });
        }
      }
      catalog.transaction(() => {
        for (const m of inventory.values()) {
          catalog.metadata.upsert({ ...m, phash: hashes.get(m.photoId) });
          const side = sidecarKeywords.get(m.photoId);
          catalog.keywords.importUserKeywords(
            m.photoId,
            userKeywordsOf(
              [...m.keywords, ...(side?.flat ?? [])],
              [...m.hierarchical, ...(side?.hierarchical ?? [])],
            ),
          );
        }
        catalog.metadata.setLight([...lights].map(([photoId, light]) => ({ photoId, light })));
        for (const [photoId, phash] of hashes)
          if (!inventory.has(photoId)) catalog.metadata.setPhash(photoId, phash);
      });
      const records: StageResult[] = loaded.map((p) => ({
        photoId: p.photoId,
        stage: 'load',
        key: LOAD_KEY,
        status: p.status,
        // A photo that decoded keeps what decoding noticed (a warning) as its note.
        reason: p.status === 'success' ? notes.get(p.photoId) : p.reason,
        runId,
      }));
      catalog.results.upsertMany(records);
      return loaded;
    },
  };
}
