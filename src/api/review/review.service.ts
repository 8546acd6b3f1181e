import fs from 'node:fs';
import path from 'node:path';
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { Response } from 'express';
import type { Catalog } from '../../catalog/catalog';
import type { Decision } from '../../catalog/decisions.repository';
import { CATALOG } from '../clusters/clusters.service';
import { RUN_CLIENT } from '../runs/runs.service';
import { RunClient, RunNotFoundError } from '../../temporal/run-client';
import { ReviewViews } from '../../services/review-views';
import { decideKeywords, DecisionError, movePhotos, undoDecision } from '../../services/decisions';
import { isNoop, planSidecars, type SidecarNaming } from '../../library/sidecars';
import { proxyPathFor, thumbnailPathFor } from '../../images/loader';
import { auditPathFor } from '../../services/write-sidecars';
import type { ClusterQueryDto, DecisionDto, MoveDto } from './review.dto';

export const STUDIO_OPTIONS = Symbol('STUDIO_OPTIONS');

export interface StudioOptions {
  dataDir: string;
  /** Library folders a run may be started on (PHOTOS_DIR, pcc.yaml roots, earlier runs). */
  roots: string[];
  temporalUiUrl?: string;
}

/** Streams a file from the data folder as the response. */
function sendFile(res: Response, file: string, type: string, cacheControl: string): void {
  res.setHeader('Cache-Control', cacheControl);
  res.type(type);
  fs.createReadStream(file).pipe(res);
}

/** The review studio's API: views from services/review-views.ts, decisions from services/decisions.ts. */
@Injectable()
export class ReviewService {
  private readonly views: ReviewViews;

  constructor(
    @Inject(CATALOG) private readonly catalog: Catalog,
    @Inject(RUN_CLIENT) private readonly client: RunClient,
    @Inject(STUDIO_OPTIONS) private readonly options: StudioOptions,
  ) {
    this.views = new ReviewViews(catalog);
  }

  private runId(id: string): string {
    const run = this.catalog.runs.run(id);
    if (!run) throw new NotFoundException(`no run ${id} in the catalog`);
    return run.id;
  }

  private clustered(id: string): string {
    const runId = this.runId(id);
    if (!this.catalog.clusters.clusteringOf(runId))
      throw new NotFoundException(
        `run ${id} has not been clustered: start it with clustering on, or run \`pcc report --run ${id}\``,
      );
    return runId;
  }

  about() {
    const runs = this.catalog.runs.recentRuns(50).map((r) => {
      const c = this.catalog.clusters.clusteringOf(r.id);
      return {
        id: r.id,
        workflowId: r.workflowId,
        status: r.status,
        createdAt: r.createdAt,
        roots: r.config.roots,
        backend: r.config.backend,
        clusters: c ? c.clusterCount : null,
      };
    });
    const roots = [...new Set([...this.options.roots, ...runs.flatMap((r) => r.roots)])].filter((r) =>
      fs.existsSync(r),
    );
    return { roots, temporalUi: this.options.temporalUiUrl ?? null, runs };
  }

  clusters(id: string, q: ClusterQueryDto) {
    const runId = this.clustered(id);
    return {
      runId,
      ...this.views.clusters(runId, {
        filter: {
          layer: q.layer,
          source: q.source,
          state: q.state,
          minScore: q.minScore,
          folder: q.folder,
          q: q.q,
          dateFrom: q.dateFrom,
          dateTo: q.dateTo,
        },
        sort: q.sort,
        offset: q.offset,
        limit: q.limit,
      }),
    };
  }

  cluster(id: string, cluster: number) {
    const runId = this.clustered(id);
    const view = this.views.cluster(runId, cluster);
    if (!view) throw new NotFoundException(`run ${id} has no cluster ${cluster}`);
    return { runId, ...view };
  }

  photo(photoId: number, run?: string) {
    const view = this.views.photo(photoId, run ? this.runId(run) : undefined);
    if (!view) throw new NotFoundException(`no photo ${photoId}`);
    return view;
  }

  thumbnail(sha1: string, res: Response) {
    if (!/^[0-9a-f]{40}$/.test(sha1))
      throw new BadRequestException('a thumbnail is named by the photo’s SHA-1');
    const file = thumbnailPathFor(this.options.dataDir, sha1);
    if (!fs.existsSync(file)) throw new NotFoundException('no thumbnail for this photo yet');
    // Content-addressed: the same name is always the same picture.
    sendFile(res, file, 'image/jpeg', 'private, max-age=31536000, immutable');
  }

  /**
   * Runs a decision. Keyword decisions refresh only the clusters of the photos they touched; a
   * move (memberships change) drops the run's cached views.
   */
  image(photoId: number, res: Response) {
    const photo = this.catalog.photos.get(photoId);
    if (!photo) throw new NotFoundException(`no photo ${photoId}`);
    const candidates = [
      proxyPathFor(this.options.dataDir, photo.sha1, 1024),
      thumbnailPathFor(this.options.dataDir, photo.sha1),
    ];
    const file = candidates.find((f) => fs.existsSync(f));
    if (!file) throw new NotFoundException('no image for this photo yet');
    sendFile(res, file, 'image/jpeg', 'private, max-age=3600');
  }

  audit(res: Response) {
    const file = auditPathFor(this.options.dataDir);
    if (!fs.existsSync(file)) throw new NotFoundException('nothing written yet: no audit');
    res.setHeader('Content-Disposition', 'attachment; filename="xmp_audit.csv"');
    sendFile(res, file, 'text/csv', 'no-cache');
  }

  private decided<T extends Decision | { outcomes: unknown }>(runId: string | undefined, fn: () => T): T {
    try {
      const result = fn();
      const decisions: Decision[] = [];
      if ('outcomes' in result) {
        for (const o of result.outcomes as Array<{ decisionId?: number }>)
          if (o.decisionId !== undefined) decisions.push(this.catalog.decisions.get(o.decisionId)!);
      } else decisions.push(result);
      for (const d of decisions) {
        const target = d.action === 'undo' ? this.catalog.decisions.get(d.undoes!) : d;
        const run = d.runId ?? runId;
        if (!run) continue;
        if (target?.action === 'move') this.views.invalidate(run);
        else this.views.refreshPhotos(run, d.photoIds);
      }
      return result;
    } catch (err) {
      if (err instanceof DecisionError) throw new ConflictException(err.message);
      throw err;
    }
  }

  decide(id: string, body: DecisionDto) {
    const runId = this.clustered(id);
    if (body.cluster === undefined && !body.photoIds?.length)
      throw new BadRequestException('say which photos: a cluster or photoIds');
    return this.decided(runId, () => ({
      outcomes: decideKeywords(
        this.catalog,
        { runId, cluster: body.cluster, photoIds: body.photoIds, layer: body.layer, term: body.term },
        body.action,
        { applyToCluster: body.applyToCluster ?? true, client: body.client ?? 'studio' },
      ),
    }));
  }

  move(id: string, body: MoveDto) {
    const runId = this.clustered(id);
    return this.decided(runId, () =>
      movePhotos(this.catalog, {
        runId,
        photoIds: body.photoIds,
        toCluster: body.toCluster,
        client: body.client ?? 'studio',
      }),
    );
  }

  decisions(limit?: string, run?: string) {
    const n = Math.min(500, Math.max(1, Number(limit) || 50));
    return this.catalog.decisions.list(n, run ? this.runId(run) : undefined);
  }

  undo(decisionId: number, client?: string) {
    return this.decided(undefined, () => undoDecision(this.catalog, decisionId, client ?? 'studio'));
  }

  async plan(id: string, naming: SidecarNaming) {
    const runId = this.runId(id);
    const plans = await planSidecars(this.catalog, runId, naming);
    const changing = plans.filter((p) => !isNoop(p));
    return {
      runId,
      naming,
      sidecars: plans.length,
      changing: changing.length,
      plans: changing.slice(0, 1000).map((p) => ({
        photoPath: p.photoPath,
        sidecarPath: p.sidecarPath,
        relPath: path.basename(p.photoPath),
        exists: p.exists,
        add: p.add,
        description: p.description,
      })),
    };
  }

  async write(id: string, naming: SidecarNaming) {
    const runId = this.runId(id);
    return this.client.startWrite({ runId, naming });
  }

  async writeProgress(workflowId: string) {
    try {
      return await this.client.writeProgress(workflowId);
    } catch (err) {
      if (err instanceof RunNotFoundError) throw new NotFoundException(err.message);
      throw err;
    }
  }
}
