import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Catalog } from '../../catalog/catalog';
import { summarizeClusters } from '../../reports/cluster-reports';

export const CATALOG_DIR = Symbol('CATALOG_DIR');

export interface ClusterView {
  id: number;
  label: string;
  labelSource: string;
  size: number;
  medoid: string | null;
  localOnly: boolean;
  nearest: Array<{ relPath: string; distance: number | null; caption: string | null; status: string | null }>;
}

export interface RunClustersView {
  runId: string;
  space: string;
  params: unknown;
  clusters: ClusterView[];
}

/** Reads a run's clusters from the catalog (written by writeReports or `pcc report`). */
@Injectable()
export class ClustersService {
  constructor(@Inject(CATALOG_DIR) private readonly dataDir: string) {}

  clustersOf(id: string): RunClustersView {
    const catalog = Catalog.open(this.dataDir);
    try {
      const run = catalog.runs.find(id);
      if (!run) throw new NotFoundException(`no run ${id} in the catalog`);
      const clustering = catalog.clusters.clusteringOf(run.id);
      if (!clustering) {
        throw new NotFoundException(
          `run ${id} has not been clustered: start it with "cluster": true, or run \`pcc report --run ${id}\``,
        );
      }
      const { clusters } = summarizeClusters(catalog, run.id);
      return {
        runId: run.id,
        space: clustering.space,
        params: clustering.params,
        clusters: clusters.map((c) => ({
          id: c.id,
          label: c.label,
          labelSource: c.labelSource,
          size: c.size,
          medoid: c.medoid?.relPath ?? null,
          localOnly: c.localOnly,
          nearest: c.nearest.map((m) => ({
            relPath: m.outcome.relPath,
            distance: m.distance,
            caption: m.outcome.status === 'success' ? (m.outcome.caption ?? null) : null,
            status: m.outcome.status ?? null,
          })),
        })),
      };
    } finally {
      catalog.close();
    }
  }
}
