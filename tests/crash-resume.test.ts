/**
 * Crash resume, the promise pcc is built on: kill -9 a worker, the Temporal server itself, or the
 * `pcc run` process in the middle of a run; start it again; the run completes with exactly one final
 * record per photo, and no photo of a batch that had completed is captioned a second time
 * (the mock backend's call log is the witness, like a provider's request log).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Catalog } from '../src/catalog/catalog';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { jpegLibrary, listFiles, tempDir, waitFor } from './helpers/fixtures';
import {
  killHard,
  runPcc,
  startPcc,
  startTestServer,
  stopLeftoverServer,
  testEnv,
  type Proc,
  freePort,
} from './helpers/processes';

// The small all-JPEG library (26 photos): a crash after 12 captions is mid-run, with room to
// resume; the mock's latency paces the run so the kill lands before the end (asserted below).
const RUN_FLAGS = ['--batch-size', '4', '--max-concurrent-batches', '2', '--mock-latency-ms', '200'];

function library(): { lib: string; good: number } {
  const lib = jpegLibrary('pcc-crash-lib-');
  return { lib, good: listFiles(lib).length };
}

function readCatalog<T>(dataDir: string, fn: (c: Catalog) => T): T {
  const c = Catalog.open(dataDir);
  try {
    return fn(c);
  } finally {
    c.close();
  }
}

function captioned(dataDir: string): Map<number, string> {
  return readCatalog(dataDir, (c) => {
    const run = c.runs.latest();
    const map = new Map<number, string>();
    if (!run) return map;
    const key = JSON.parse(run.config_json);
    for (const w of c.runs.workList(run.id)) {
      if (
        c.results.get(w.photoId, 'caption', {
          backend: key.backend,
          model: key.model,
          promptHash: key.promptHash,
        })
      ) {
        map.set(w.photoId, w.sha1);
      }
    }
    return map;
  });
}

async function waitForCompletion(dataDir: string, timeoutMs = 150_000): Promise<void> {
  await waitFor(
    'the run to complete',
    () => readCatalog(dataDir, (c) => c.runs.latest()?.status === 'completed'),
    timeoutMs,
    500,
  );
}

/**
 * The crash was mid-run; exactly one final record per photo; photos of batches finished before
 * the crash captioned once.
 */
function assertExactlyOnce(
  dataDir: string,
  callLog: string,
  beforeCrash: Map<number, string>,
  good: number,
): void {
  expect(beforeCrash.size).toBeLessThan(good);
  readCatalog(dataDir, (c) => {
    const run = c.runs.latest()!;
    expect(JSON.parse(run.counts_json!)).toMatchObject({ success: good, error_corrupt: 0 });
    const rows = c.results.summary().filter((r) => r.stage === 'caption');
    expect(rows).toEqual([expect.objectContaining({ status: 'success', n: good })]);
  });
  const calls = fs
    .readFileSync(callLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('\t')[0]);
  const timesCalled = new Map<string, number>();
  for (const sha1 of calls) timesCalled.set(sha1, (timesCalled.get(sha1) ?? 0) + 1);
  expect(beforeCrash.size).toBeGreaterThan(0);
  for (const sha1 of beforeCrash.values()) expect(timesCalled.get(sha1)).toBe(1);
  expect(timesCalled.size).toBe(good);
}

describe('crash resume', () => {
  const leftovers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of leftovers.splice(0)) await cleanup();
  });

  it('kill -9 of the worker mid-run: a new worker finishes the run, finished batches are not redone', async () => {
    const server = await startTestServer();
    leftovers.push(() => server.stop());
    const { lib, good } = library();
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address });
    env.PCC_MOCK_CALL_LOG = path.join(dataDir, 'calls.log');

    const worker1 = startPcc(['worker', '--queues', 'io,cpu'], env);
    leftovers.push(() => killHard(worker1));
    await waitFor('worker 1 to poll', () => worker1.output().includes('workers polling'));
    await runPcc(['run', lib, '--detach', ...RUN_FLAGS], env);

    await waitFor('a few batches to finish', () => captioned(dataDir).size >= 12);
    const beforeCrash = captioned(dataDir);
    killHard(worker1);
    await worker1.exited;

    const worker2 = startPcc(['worker', '--queues', 'io,cpu'], env);
    leftovers.push(() => killHard(worker2));
    await waitForCompletion(dataDir);
    assertExactlyOnce(dataDir, env.PCC_MOCK_CALL_LOG, beforeCrash, good);
    // The new worker did the rest: its pid is in the mock's call log.
    const pids = fs
      .readFileSync(env.PCC_MOCK_CALL_LOG, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[2]);
    expect(pids).toContain(String(worker2.child.pid));
  });

  it('kill -9 of the Temporal dev server mid-run: restarted on the same db file, the run completes', async () => {
    const serverDir = tempDir('pcc-temporal-');
    const port = await freePort();
    let server: TemporalEndpoint = await startTestServer(serverDir, port);
    leftovers.push(() => server.stop());
    const { lib, good } = library();
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address });
    env.PCC_MOCK_CALL_LOG = path.join(dataDir, 'calls.log');

    const worker = startPcc(['worker', '--queues', 'io,cpu'], env);
    leftovers.push(() => killHard(worker));
    await waitFor('the worker to poll', () => worker.output().includes('workers polling'));
    await runPcc(['run', lib, '--detach', ...RUN_FLAGS], env);

    await waitFor('a few batches to finish', () => captioned(dataDir).size >= 12);
    const beforeCrash = captioned(dataDir);
    process.kill(-(server.pid as number), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    server = await startTestServer(serverDir, port);

    await waitForCompletion(dataDir);
    expect(worker.child.exitCode).toBeNull();
    assertExactlyOnce(dataDir, env.PCC_MOCK_CALL_LOG, beforeCrash, good);
  });

  async function interruptAndRerun(
    interrupt: (p: Proc) => void,
  ): Promise<{ first: string; firstCode: number | null; second: string }> {
    const { lib, good } = library();
    const { dataDir, env } = testEnv({ PCC_TEMPORAL_PORT: String(await freePort()) });
    env.PCC_MOCK_CALL_LOG = path.join(dataDir, 'calls.log');
    leftovers.push(() => stopLeftoverServer(dataDir));

    const first = startPcc(['run', lib, ...RUN_FLAGS], env);
    leftovers.push(() => killHard(first));
    await waitFor('a few batches to finish', () => captioned(dataDir).size >= 12);
    const beforeCrash = captioned(dataDir);
    interrupt(first);
    const firstCode = await first.exited;

    const second = await runPcc(['run', lib, ...RUN_FLAGS], env);
    expect(second).toMatch(/Attached to the run in flight/);
    assertExactlyOnce(dataDir, env.PCC_MOCK_CALL_LOG, beforeCrash, good);
    return { first: first.output(), firstCode, second };
  }

  it('Ctrl-C on `pcc run`, then the same command again: it attaches to the run and finishes it', async () => {
    const { first, firstCode } = await interruptAndRerun((p) => p.child.kill('SIGINT'));
    expect(first).toMatch(/Interrupted\. Nothing is lost: run the same command again to continue/);
    expect(firstCode).toBe(130);
  });

  it('kill -9 of `pcc run` (its dev server survives), then the same command again: it attaches and finishes', async () => {
    const { second } = await interruptAndRerun((p) => killHard(p));
    expect(second).toMatch(/already running/);
  });
});
