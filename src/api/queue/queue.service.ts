import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { Catalog } from '../../catalog/catalog';
import type { Decision } from '../../catalog/decisions.repository';
import { CATALOG } from '../clusters/clusters.service';
import { SearchService } from '../search/search.service';
import { ClusterQueue, QueueError, type QueuePage, type QueueQuery } from '../../services/cluster-queue';
import { exportClusterLog } from '../../services/cluster-log';
import { DecisionError } from '../../services/decisions';
import type {
  AssignDto,
  AutoMoveDto,
  ExcludeDto,
  NewClusterDto,
  QueueQueryDto,
  RenameDto,
} from './queue.dto';

/** The manual clustering queue over HTTP (services/cluster-queue.ts); undo is `POST /decisions/:id/undo`. */
@Injectable()
export class QueueService {
  private readonly queue: ClusterQueue;

  constructor(
    @Inject(CATALOG) private readonly catalog: Catalog,
    // The server's one search (its vectors stay loaded once per process).
    private readonly search: SearchService,
  ) {
    this.queue = new ClusterQueue(catalog);
  }

  private runId(id: string): string {
    const run = this.catalog.runs.run(id);
    if (!run) throw new NotFoundException(`no run ${id.slice(0, 80)} in the catalog`);
    return run.id;
  }

  private act<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof QueueError) throw new BadRequestException(err.message);
      if (err instanceof DecisionError) throw new ConflictException(err.message);
      throw err;
    }
  }

  /** A `search:` queue is the photos a search finds (up to 500, at the default cut-off). */
  private async resolve(runId: string, q: { source?: string }): Promise<QueueQuery> {
    const query: QueueQuery = { runId, source: q.source };
    if (q.source?.startsWith('search:')) {
      const page = await this.search.query({ q: q.source.slice(7), run: runId, limit: '500' });
      query.photoIds = page.results.map((r) => r.photoId);
    }
    return query;
  }

  async page(id: string, q: QueueQueryDto): Promise<QueuePage> {
    const runId = this.runId(id);
    const base = await this.resolve(runId, q);
    return this.act(() =>
      this.queue.page({
        ...base,
        offset: q.offset,
        limit: q.limit,
        shuffle: q.shuffle,
        manual: q.manual,
        space: q.space,
      }),
    );
  }

  assign(id: string, body: AssignDto): Decision {
    const runId = this.runId(id);
    return this.act(() =>
      this.queue.assign({
        runId,
        photoIds: body.photoIds,
        toCluster: body.toCluster,
        client: body.client ?? 'studio',
      }),
    );
  }

  newCluster(id: string, body: NewClusterDto): Decision {
    const runId = this.runId(id);
    return this.act(() =>
      this.queue.newCluster({
        runId,
        photoIds: body.photoIds,
        name: body.name,
        client: body.client ?? 'studio',
      }),
    );
  }

  rename(id: string, cluster: number, body: RenameDto): Decision {
    const runId = this.runId(id);
    return this.act(() =>
      this.queue.rename({ runId, cluster, name: body.name, client: body.client ?? 'studio' }),
    );
  }

  exclude(id: string, body: ExcludeDto): Decision {
    const runId = this.runId(id);
    return this.act(() =>
      this.queue.exclude({
        runId,
        photoIds: body.photoIds,
        include: body.include,
        client: body.client ?? 'studio',
      }),
    );
  }

  async autoMove(id: string, body: AutoMoveDto): Promise<{ decision: Decision | null; moved: number }> {
    const runId = this.runId(id);
    const base = await this.resolve(runId, body);
    const decision = this.act(() =>
      this.queue.autoMove({
        ...base,
        threshold: body.threshold,
        space: body.space,
        client: body.client ?? 'studio',
      }),
    );
    return { decision: decision ?? null, moved: decision?.photoIds.length ?? 0 };
  }

  log(id: string): string {
    return exportClusterLog(this.catalog, this.runId(id))
      .map((l) => JSON.stringify(l))
      .join('\n');
  }
}
