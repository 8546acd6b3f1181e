import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Catalog } from '../../catalog/catalog';
import { summarizeClusters } from '../../reports/cluster-reports';

/** The one catalog connection of the API process (WAL: it sees what workers commit). */
export const CATALOG = Symbol('CATALOG');

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
  constructor(@Inject(CATALOG) private readonly catalog: Catalog) {}

  clustersOf(id: string): RunClustersView {
    const catalog = this.catalog;
    const run = catalog.runs.run(id);
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
  }
}
