/**
 * `pcc run --backend local --model <VLM>` end to end on the stand-ins built by the tests: one run
 * per supported architecture (prompt and precision reach the model), and a gpu worker killed with
 * SIGKILL mid-batch whose batch resumes from its heartbeat on a new worker, every photo captioned once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { writeFlorence2StandIn } from '../src/stand-ins/florence2';
import { STAND_IN_WORDS } from '../src/stand-ins/stand-in-files';
import { catalogOf, SAMPLE_LIBRARY, tempDir, waitFor } from './helpers/fixtures';
import {
  exportedCaptions,
  killHard,
  runPcc,
  startPcc,
  startTestServer,
  testEnv,
  type CaptionRow,
  type Proc,
} from './helpers/processes';
import { STAND_IN_CAPTIONERS } from './helpers/vlm-stand-ins';

const WORDS = new Set(STAND_IN_WORDS);

/** A few JPEGs from the sample library. */
function smallLibrary(count: number): string {
  const root = tempDir('pcc-vlm-lib-');
  const from = path.join(SAMPLE_LIBRARY, 'orientation');
  for (const f of fs
    .readdirSync(from)
    .filter((x) => x.endsWith('.jpg'))
    .slice(0, count))
    fs.copyFileSync(path.join(from, f), path.join(root, f));
  return root;
}

function expectStandInCaption(row: CaptionRow): void {
  expect(row.status).toBe('success');
  const words = (row.caption ?? '').split(/\s+/).filter(Boolean);
  expect(words.length).toBeGreaterThan(0);
  for (const w of words) expect(WORDS.has(w)).toBe(true);
}

describe('local VLM captioners through pcc run (stand-ins)', () => {
  let server: TemporalEndpoint;
  const procs: Proc[] = [];
  const models = tempDir('pcc-vlm-models-');
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    procs.forEach(killHard);
    await server?.stop();
  });

  // One model per architecture: the two Florence-2 sizes share every line of code, so the second is
  // covered by local-vlm.test.ts.
  const perArchitecture = STAND_IN_CAPTIONERS.filter(
    (s, i, all) => all.findIndex((o) => o.architecture === s.architecture) === i,
  );
  it.each(perArchitecture.map((s) => [s.architecture, s]))(
    '%s captions every photo through the gpu queue, with the run’s prompt and precision',
    async (_arch, standIn) => {
      standIn.write(models);
      const lib = smallLibrary(2);
      const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: models });
      const prompt = standIn.family === 'florence2' ? 'more-detailed' : 'What is in this photo?';
      const out = await runPcc(
        ['run', lib, '--backend', 'local', '--model', standIn.id, '--dtype', 'q4', '--prompt', prompt],
        env,
      );
      expect(out).toContain(`execution provider: ${standIn.id} (q4) on CPU`);
      const rows = await exportedCaptions(env, dataDir);
      expect(rows).toHaveLength(2);
      rows.forEach(expectStandInCaption);
      const run = catalogOf(dataDir, (c) => c.runs.latestRun())!;
      expect(run.config).toMatchObject({ model: standIn.id, prompt, dtype: 'q4' });
    },
  );

  it('a prompt the model cannot honour fails before the first photo', async () => {
    writeFlorence2StandIn(models);
    const lib = smallLibrary(1);
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: models });
    const out = await runPcc(
      [
        'run',
        lib,
        '--backend',
        'local',
        '--model',
        'onnx-community/Florence-2-base-ft',
        '--prompt',
        'Who is this?',
      ],
      env,
      2,
    );
    expect(out).toMatch(/takes a task, not free text: --prompt caption, detailed, more-detailed/);
    expect(catalogOf(dataDir, (c) => c.runs.latest())).toBeUndefined();
  });

  it('kill -9 of the gpu worker mid-batch: the batch resumes on a new worker and every photo is captioned once', async () => {
    // A stand-in with real work in its vision encoder, so a batch lasts long enough to be killed in.
    const slowModels = tempDir('pcc-vlm-slow-');
    writeFlorence2StandIn(slowModels, 'onnx-community/Florence-2-base-ft', { visionLayers: 4 });
    const lib = smallLibrary(12);
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: slowModels });
    const io = startPcc(['worker', '--queues', 'io,cpu'], env);
    let gpu = startPcc(['worker', '--queues', 'gpu'], env);
    procs.push(io, gpu);
    await waitFor(
      'workers',
      () => io.output().includes('workers polling') && gpu.output().includes('workers polling'),
    );
    const started = await runPcc(
      [
        'run',
        lib,
        '--backend',
        'local',
        '--model',
        'onnx-community/Florence-2-base-ft',
        '--detach',
        '--batch-size',
        '12',
      ],
      env,
    );
    const workflowId = /Started run (pcc-run-\S+)/.exec(started)![1];
    const batchId = `${workflowId}/batch-00000`;
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    // Kill once the batch has reported captions (heartbeat details) but is not done.
    const captionedBefore = await waitFor(
      'a captionBatch with heartbeats',
      async () => {
        const d = await client.workflow
          .getHandle(batchId)
          .describe()
          .catch(() => undefined);
        const pending = d?.raw.pendingActivities?.find(
          (a) => a.activityType?.name === 'captionBatch' && a.heartbeatDetails?.payloads?.length,
        );
        return pending ? true : undefined;
      },
      120_000,
      50,
    );
    expect(captionedBefore).toBe(true);
    killHard(gpu);
    await gpu.exited;
    gpu = startPcc(['worker', '--queues', 'gpu'], env);
    procs.push(gpu);
    await waitFor(
      'the run to complete',
      () => catalogOf(dataDir, (c) => c.runs.latest()?.status === 'completed') || undefined,
      180_000,
      500,
    );
    const rows = await exportedCaptions(env, dataDir);
    expect(rows).toHaveLength(12);
    rows.forEach(expectStandInCaption);
    // The interrupted batch's captionBatch ran a second attempt, which started from the heartbeat:
    // the new worker captioned fewer photos than the batch holds.
    const history = await client.workflow.getHandle(batchId).fetchHistory();
    const attempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
    const resumedWith = Number(/captionBatch resumed with (\d+) of 12/.exec(gpu.output())?.[1]);
    expect(resumedWith).toBeGreaterThan(0);
    await connection.close();
  });
});
