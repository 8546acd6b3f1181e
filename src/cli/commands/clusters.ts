/**
 * `pcc clusters …`: the manual clustering queue from the command line — the same operations as the
 * review studio's Queue page and the API (services/cluster-queue.ts) — and exporting clusters
 * to folders (services/cluster-export.ts).
 */
import type { Command } from 'commander';
import { registerClustersExport } from './clusters-export';

export function registerClusters(program: Command): void {
  const clusters = program
    .command('clusters')
    .description(
      'sort photos into clusters by hand (queue, suggestions, auto-move, undo, action log) and export clusters to folders',
    );
  registerClustersExport(clusters);
}
