import { heartbeat } from '@temporalio/activity';
import { Catalog } from '../catalog/catalog';
import type { PccConfig } from '../config';

/** What activities need from the process that hosts them; one per worker process. */
export interface ActivityDeps {
  config: PccConfig;
  /** Long edge of the proxy JPEG every compute stage reads. */
  proxyLongEdge: number;
  /** Photos decoded at once inside one loadBatch. */
  decodeConcurrency: number;
  catalog(): Catalog;
}

export function createActivityDeps(config: PccConfig, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  let catalog: Catalog | undefined;
  return {
    config,
    proxyLongEdge: config.tuning.proxyLongEdge,
    decodeConcurrency: config.tuning.decodeConcurrency,
    catalog: () => (catalog ??= Catalog.open(config.dataDir)),
    ...overrides,
  };
}

/**
 * Keeps an activity heartbeating every `everyMs` while `fn` awaits something long (a model load,
 * a remote request, a worker thread), with the latest `details()`, so Temporal notices a dead
 * worker within the heartbeat timeout. The one heartbeat loop of the activities.
 */
export async function withHeartbeats<T>(
  details: () => unknown,
  fn: () => Promise<T>,
  everyMs = 5_000,
): Promise<T> {
  const timer = setInterval(() => heartbeat(details()), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping result order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return results;
}
