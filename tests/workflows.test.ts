/**
 * Workflow tests with stub activities: the real libraryRun/processBatch workflows (the built
 * bundle) on one Temporal test server for the whole file, activities replaced by in-memory stubs.
 * Pause, resume, the cost cap, a refused key, continue-as-new and cancellation, in seconds.
 */
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import path from 'node:path';
import { libraryRun, type LibraryRunResult } from '../src/workflows/library-run';
import { pauseSignal, progressQuery, resumeSignal } from '../src/workflows/definitions';
import { buildRunConfig } from '../src/runs/run-request';
import { WORKFLOW_TASK_QUEUE, taskQueueOf } from '../src/shared/queues';
import type { CaptionOutcome, LoadedPhoto, RunConfig, ScanSummary } from '../src/shared/payloads';
import { REPO_ROOT, SAMPLE_LIBRARY, SHARED, waitFor } from './helpers/fixtures';
import { startTestServer } from './helpers/processes';
import type { TemporalEndpoint } from '../src/temporal/dev-server';

const BUNDLE = path.join(REPO_ROOT, 'dist', 'workflow-bundle.js');

// Worker state changes are INFO: keep the test output to warnings.
Runtime.install({ logger: new DefaultLogger('WARN') });

/** A library of `photos` photos as the stubs see it, and what the workflows asked of them. */
class StubLibrary {
  calls: string[] = [];
  finished: Array<{ status: string; counts: Record<string, number> }> = [];
  /** captionPhoto answers this error for the next N calls (a refused key). */
  refuseKeyFor = 0;
  costPerPhoto = 0;
  latencyMs = 0;

  constructor(
    readonly photos: number,
    readonly batchSize: number,
  ) {}

  activities() {
    const batches = Math.ceil(this.photos / this.batchSize);
    const photo = (id: number): LoadedPhoto => ({
      photoId: id,
      sha1: String(id).padStart(40, '0'),
      relPath: `p${id}.jpg`,
      status: 'success',
      private: false,
      needsCaption: true,
    });
    return {
      scanLibrary: async (): Promise<ScanSummary> => {
        this.calls.push('scanLibrary');
        return {
          total: this.photos,
          batches,
          filesSeen: this.photos,
          photosSeen: this.photos,
          alreadyDone: 0,
          duplicatePaths: 0,
          skippedVideos: 0,
          skippedSidecars: 0,
          skippedOther: 0,
          unreadable: 0,
        };
      },
      loadBatch: async (input: { batch: { batchIndex: number } }): Promise<LoadedPhoto[]> => {
        this.calls.push(`loadBatch ${input.batch.batchIndex}`);
        const first = input.batch.batchIndex * this.batchSize;
        const n = Math.min(this.batchSize, this.photos - first);
        return Array.from({ length: n }, (_, i) => photo(first + i + 1));
      },
      captionPhoto: async (input: { photo: { photoId: number } }): Promise<CaptionOutcome> => {
        if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
        if (this.refuseKeyFor > 0) {
          this.refuseKeyFor--;
          throw ApplicationFailure.nonRetryable('401 invalid api key', 'AuthFailed');
        }
        this.calls.push(`captionPhoto ${input.photo.photoId}`);
        return {
          photoId: input.photo.photoId,
          status: 'success',
          caption: `photo ${input.photo.photoId}`,
          usage: { inputTokens: 1, outputTokens: 1, costUsd: this.costPerPhoto },
        };
      },
      persistBatch: async () => {
        this.calls.push('persistBatch');
      },
      resolveRunDates: async () => {
        this.calls.push('resolveRunDates');
      },
      finishRun: async (input: { status: string; counts: Record<string, number> }) => {
        this.finished.push({ status: input.status, counts: input.counts });
      },
      // Embeddings, clustering and keywords (runs with --cluster): files are never read here.
      embedBatch: async () => [],
      persistEmbeddings: async () => 0,
      stageClusterInput: async () => ({
        file: 'in',
        imageFile: 'in',
        captionsFile: 'captions',
        rows: 0,
        dim: 0,
        missing: 0,
      }),
      clusterLibrary: async () => ({
        file: 'clusters',
        clusterCount: this.medoids.length,
        noise: 0,
        seconds: 0,
      }),
      proposeAiKeywords: async () => {
        this.calls.push('proposeAiKeywords');
        return { file: 'ai', photos: 0 };
      },
      scorePeople: async () => {
        this.calls.push('scorePeople');
        return { file: 'people', photos: 0 };
      },
      writeReports: async (input: { peopleFile?: string }) => {
        this.calls.push(`writeReports people=${input.peopleFile}`);
        return {
          photos: this.photos,
          clusters: this.medoids.length,
          noise: 0,
          captioned: this.photos,
          errors: 0,
          vocabularyFallbacks: 0,
          outDir: 'out',
          files: [],
        };
      },
      planMedoidVision: async () => ({
        toAsk: this.medoids.map((cluster) => ({
          cluster,
          photoId: cluster * 10,
          sha1: 'x',
          relPath: `m${cluster}.jpg`,
          proxyPath: '/nowhere.jpg',
        })),
        answered: 0,
        privateClusters: 1,
        peopleClusters: 2,
      }),
      visionTagMedoid: async (input: { medoid: { cluster: number } }) => {
        this.calls.push(`vision ${input.medoid.cluster}`);
        if (this.refuseVision.includes(input.medoid.cluster)) return { skipped: 'refused by the model' };
        return { tags: ['dog'], usage: { inputTokens: 1, outputTokens: 1, costUsd: this.costPerMedoid } };
      },
      storeMedoidVision: async (answer: { cluster: number; tags?: string[]; skipped?: string }) => {
        this.stored.push(answer);
        return { proposed: 1 };
      },
      // OCR: the plan lists each medoid, the cpu side reads a chunk, io stores it.
      planPhotoText: async () => ({
        toRead: this.medoids.map((cluster) => ({
          photoId: cluster * 10,
          files: ['/nowhere.jpg'],
          relPath: 'm.jpg',
        })),
        readBefore: 0,
      }),
      readPhotoText: async (input: { photos: Array<{ photoId: number }> }) => {
        this.calls.push(`ocr ${input.photos.map((p) => p.photoId).join(',')}`);
        return input.photos.map((p) => ({ photoId: p.photoId, lines: [] }));
      },
      storePhotoText: async (input: { reads: unknown[] }) => {
        this.calls.push(`storeText ${input.reads.length}`);
        return { proposed: 0 };
      },
    };
  }

  medoids: number[] = [];
  refuseVision: number[] = [];
  costPerMedoid = 0;
  stored: Array<{ cluster: number; tags?: string[]; skipped?: string }> = [];

  captioned(): number[] {
    return this.calls.filter((c) => c.startsWith('captionPhoto')).map((c) => Number(c.split(' ')[1]));
  }
}

describe('libraryRun with stub activities', () => {
  let server: TemporalEndpoint;
  let env: TestWorkflowEnvironment;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer();
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
  });
  afterAll(async () => {
    await env?.teardown();
    await server?.stop();
  });

  /** A cloud-style run (one activity per photo) over the stub library. */
  function configFor(lib: StubLibrary, extra: Partial<Parameters<typeof buildRunConfig>[0]> = {}): RunConfig {
    return buildRunConfig(
      {
        roots: [path.join(SAMPLE_LIBRARY, 'orientation')],
        backend: 'openai',
        batchSize: lib.batchSize,
        maxConcurrentBatches: 2,
        apiMaxAttempts: 2,
        ...extra,
      },
      { ...process.env, OPENAI_API_KEY: 'sk-test-key', PCC_MODELS_DIR: path.join(SHARED, 'models') },
    );
  }

  /** Runs `body` with workers for the workflows, io and the provider queue, all on the stubs. */
  async function withWorkers<T>(lib: StubLibrary, body: () => Promise<T>): Promise<T> {
    const activities = lib.activities();
    const common = { connection: env.nativeConnection, namespace: 'default' };
    const workers = await Promise.all([
      Worker.create({
        ...common,
        taskQueue: WORKFLOW_TASK_QUEUE,
        workflowBundle: { codePath: BUNDLE },
        activities,
      }),
      Worker.create({ ...common, taskQueue: taskQueueOf('api-openai'), activities }),
      Worker.create({ ...common, taskQueue: taskQueueOf('cpu'), activities }),
      Worker.create({ ...common, taskQueue: taskQueueOf('gpu'), activities }),
    ]);
    const running = workers.map((w) => w.run());
    try {
      return await body();
    } finally {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
    }
  }

  /** Waits until the run pauses itself (a pause with a reason, not a user's pause). */
  const pausedWithReason = (handle: Awaited<ReturnType<typeof start>>, what: string) =>
    waitFor(
      what,
      async () => {
        const p = await handle.query(progressQuery);
        return p.paused && p.pauseReason ? p : undefined;
      },
      20_000,
      50,
    );

  const start = (config: RunConfig) =>
    env.client.workflow.start(libraryRun, {
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId: `stub-run-${++n}-${Date.now()}`,
      args: [{ config }],
    });

  it('runs every batch once across continue-as-new pages and finishes the run', async () => {
    const lib = new StubLibrary(10, 2);
    const result = await withWorkers(lib, async () => {
      const handle = await start(configFor(lib, { batchesPerPage: 2 }));
      return (await handle.result()) as LibraryRunResult;
    });
    expect(result.byStatus.success).toBe(10);
    expect(lib.calls.filter((c) => c === 'scanLibrary')).toHaveLength(1);
    expect(lib.calls.filter((c) => c.startsWith('loadBatch')).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => `loadBatch ${i}`),
    );
    expect(lib.captioned().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(lib.finished).toEqual([{ status: 'completed', counts: expect.objectContaining({ success: 10 }) }]);
  });

  it('pause holds new batches, resume continues', async () => {
    const lib = new StubLibrary(8, 2);
    lib.latencyMs = 150;
    await withWorkers(lib, async () => {
      const handle = await start(configFor(lib, { maxConcurrentBatches: 1 }));
      await waitFor('the first photo', () => lib.captioned().length > 0, 20_000, 20);
      await handle.signal(pauseSignal);
      await waitFor('the pause', async () => (await handle.query(progressQuery)).paused, 10_000, 50);
      // The batch in hand finishes; no new one starts while paused.
      await new Promise((r) => setTimeout(r, 1200));
      const held = lib.captioned().length;
      expect(held).toBeLessThan(8);
      await new Promise((r) => setTimeout(r, 600));
      expect(lib.captioned().length).toBe(held);
      await handle.signal(resumeSignal);
      const result = (await handle.result()) as LibraryRunResult;
      expect(result.byStatus.success).toBe(8);
    });
  });

  it('the cost cap pauses the run; resuming with a higher cap finishes it', async () => {
    const lib = new StubLibrary(6, 2);
    lib.costPerPhoto = 0.01;
    await withWorkers(lib, async () => {
      const handle = await start(configFor(lib, { maxConcurrentBatches: 1, maxCostUsd: 0.02 }));
      const paused = await pausedWithReason(handle, 'the cap to pause the run');
      expect(paused.pauseReason).toMatch(/spend \$0\.0200 has reached the cap \$0\.0200/);
      // Resuming without raising the cap keeps it paused, with the same reason.
      await handle.signal(resumeSignal);
      expect((await handle.query(progressQuery)).paused).toBe(true);
      await handle.signal(resumeSignal, { maxCostUsd: 1 });
      const result = (await handle.result()) as LibraryRunResult;
      expect(result.byStatus.success).toBe(6);
      expect(result.spendUsd).toBeCloseTo(0.06, 6);
    });
  });

  it('a refused key pauses the run; on resume the interrupted batch runs again and nobody pays twice', async () => {
    const lib = new StubLibrary(4, 2);
    lib.refuseKeyFor = 2; // the whole first batch
    await withWorkers(lib, async () => {
      const handle = await start(configFor(lib, { maxConcurrentBatches: 1 }));
      const paused = await pausedWithReason(handle, 'the refused key to pause the run');
      expect(paused.pauseReason).toMatch(/refused the API key: 401 invalid api key/);
      await handle.signal(resumeSignal);
      const result = (await handle.result()) as LibraryRunResult;
      expect(result.byStatus.success).toBe(4);
      expect(lib.captioned().sort()).toEqual([1, 2, 3, 4]);
      // The interrupted batch ran again under a new child id.
      expect(lib.calls.filter((c) => c === 'loadBatch 0')).toHaveLength(2);
    });
  });

  it('cancellation records the run as cancelled', async () => {
    const lib = new StubLibrary(20, 2);
    lib.latencyMs = 200;
    await withWorkers(lib, async () => {
      const handle = await start(configFor(lib, { maxConcurrentBatches: 1 }));
      await waitFor('the first photo', () => lib.captioned().length > 0, 20_000, 20);
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      expect(lib.finished.map((f) => f.status)).toEqual(['cancelled']);
      expect(lib.captioned().length).toBeLessThan(20);
    });
  });

  it('vision on medoids: one request per planned medoid, refusals stored as skipped, the cost cap never overrun', async () => {
    const lib = new StubLibrary(4, 2);
    lib.medoids = [0, 1, 2, 3, 4, 5];
    lib.refuseVision = [1];
    const cluster = { cluster: true, visionBackend: 'openai' } as const;
    const free = await withWorkers(lib, async () => {
      const handle = await start(configFor(lib, cluster));
      return (await handle.result()) as LibraryRunResult;
    });
    expect(lib.calls.filter((c) => c.startsWith('vision')).sort()).toEqual(
      lib.medoids.map((m) => `vision ${m}`),
    );
    expect(lib.calls).toContain('proposeAiKeywords');
    // People sets are on by default: person presence is scored and handed to the report step.
    expect(lib.calls.filter((c) => /scorePeople|writeReports/.test(c))).toEqual([
      'scorePeople',
      'writeReports people=people',
    ]);
    // OCR on every medoid (the default), one chunk here, stored once.
    expect(lib.calls.filter((c) => c.startsWith('ocr') || c.startsWith('storeText'))).toEqual([
      'ocr 0,10,20,30,40,50',
      'storeText 6',
    ]);
    expect(free.vision).toMatchObject({
      asked: 6,
      answered: 5,
      skipped: 1,
      privateClusters: 1,
      peopleClusters: 2,
    });
    expect(lib.stored.find((s) => s.cluster === 1)).toMatchObject({ skipped: 'refused by the model' });

    // $0.01 per photo caption (4 photos) plus $0.3 per medoid under a $1 cap: two medoids fit.
    const capped = new StubLibrary(4, 2);
    capped.medoids = [0, 1, 2, 3, 4, 5];
    capped.costPerPhoto = 0.01;
    capped.costPerMedoid = 0.3;
    const result = await withWorkers(capped, async () => {
      const handle = await start(configFor(capped, { ...cluster, maxCostUsd: 1 }));
      return (await handle.result()) as LibraryRunResult;
    });
    expect(result.vision).toMatchObject({ asked: 3, answered: 3, skipped: 3 });
    expect(result.spendUsd).toBeCloseTo(0.04 + 0.9, 6);
    expect(result.spendUsd).toBeLessThanOrEqual(1);
    expect(capped.stored.filter((s) => s.skipped).map((s) => s.skipped)).toEqual([
      'cost cap of $1 reached',
      'cost cap of $1 reached',
      'cost cap of $1 reached',
    ]);
  });
});
