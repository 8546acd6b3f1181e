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
