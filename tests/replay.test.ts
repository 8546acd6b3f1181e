/**
 * Golden histories: workflow histories recorded from real runs are replayed against today's
 * workflow code, so a change that would break runs in flight (non-determinism) fails CI. No
 * Temporal server is needed to replay. When a change must behave differently, guard it with
 * `patched()` and record new histories beside the old ones:
 *
 *   PCC_RECORD_HISTORIES=1 npx jest tests/replay.test.ts
 *
 * records a mock run (three batches, continue-as-new after two, a pause and a resume) and a keywords
 * run (clustering, the AI layer, vision on cluster medoids) into tests/fixtures/histories/. Add
 * `-t 'privacy run'` (or `'people run'`, another scenario's words) to record only one of them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { Connection, Client } from '@temporalio/client';
import { readConfig } from '../src/config';
import { resolveTemporalCli } from '../src/temporal/cli-binary';
import { FakeProviderServer } from '../src/fakes/provider-server';
import {
  REPO_ROOT,
  SAMPLE_LIBRARY,
  SHARED,
  STAND_IN_CLUSTER_FLAGS,
  jpegLibrary,
  tempDir,
  waitFor,
} from './helpers/fixtures';
import { runPcc, startPcc, startTestServer, testEnv } from './helpers/processes';

const HISTORIES = path.join(REPO_ROOT, 'tests', 'fixtures', 'histories');

const record = process.env.PCC_RECORD_HISTORIES === '1';

/** Replays a folder of histories in a child process (scripts/replay-histories.js). */
function replay(dir: string) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'replay-histories.js'), dir], {
    encoding: 'utf8',
  });
}

describe('golden histories', () => {
  (record ? it.skip : it)('every committed history replays against today’s workflows', () => {
    const out = replay(HISTORIES);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^(\d+) replayed, 0 failed$/m);
    expect(Number(/^(\d+) replayed/m.exec(out.stdout)?.[1])).toBeGreaterThanOrEqual(3);
  });

  (record ? it.skip : it)('a history that today’s code would not produce is caught', () => {
    // The recorded libraryRun history with its first activity renamed: replay must refuse it.
    const index = JSON.parse(fs.readFileSync(path.join(HISTORIES, 'index.json'), 'utf8')) as Record<
      string,
      string
    >;
    const file = Object.keys(index).find((f) => f.startsWith('libraryRun-'))!;
    const dir = tempDir('pcc-replay-');
    fs.writeFileSync(
      path.join(dir, file),
      fs.readFileSync(path.join(HISTORIES, file), 'utf8').replace(/"scanLibrary"/g, '"scanLibraryRenamed"'),
    );
    fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ [file]: index[file] }));
    const out = replay(dir);
    expect(out.status).toBe(1);
    expect(out.stdout).toMatch(/FAILED .*DeterminismViolationError/);
  });

  (record ? it : it.skip)('records the golden histories', async () => {
    const server = await startTestServer();
    try {
      const lib = tempDir('pcc-golden-');
      const src = path.join(SAMPLE_LIBRARY, 'orientation');
      for (const f of fs
        .readdirSync(src)
        .filter((f) => f.endsWith('.jpg'))
        .slice(0, 10))
        fs.copyFileSync(path.join(src, f), path.join(lib, f));
      // Recorded in clear text (PCC_CODEC=off): they replay without a key and a reviewer can read them.
      const { env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_CODEC: 'off' });
      const args = ['run', lib, '--backend', 'mock', '--batch-size', '4', '--max-concurrent-batches', '1'];
      const run = startPcc([...args, '--batches-per-page', '2', '--mock-latency-ms', '300'], env);
      const id = await waitFor('the run to start', () => /Started run (\S+)/.exec(run.output())?.[1], 60_000);
      await runPcc(['pause', id], env);
      await new Promise((r) => setTimeout(r, 1500));
      await runPcc(['resume', id], env);
      expect(await run.exited).toBe(0);

      const connection = await Connection.connect({ address: server.address });
      const client = new Client({ connection });
      fs.mkdirSync(HISTORIES, { recursive: true });
      const stamp = new Date().toISOString().slice(0, 10);
      const executions = [];
      for await (const e of client.workflow.list({ query: `WorkflowId = "${id}"` })) executions.push(e);
      // The CLI writes the JSON form Temporal's replayer reads (and the UI downloads).
      const temporal = resolveTemporalCli(readConfig(process.env), { install: true });
      const show = (workflowId: string, runId?: string) =>
        execFileSync(
          temporal,
          [
            'workflow',
            'show',
            '--address',
            server.address,
            '--workflow-id',
            workflowId,
            '--output',
            'json',
            ...(runId ? ['--run-id', runId] : []),
          ],
          { encoding: 'utf8', maxBuffer: 64 << 20 },
        );
      const index: Record<string, string> = fs.existsSync(path.join(HISTORIES, 'index.json'))
        ? (JSON.parse(fs.readFileSync(path.join(HISTORIES, 'index.json'), 'utf8')) as Record<string, string>)
        : {};
      const children: string[] = [];
      for (const [i, e] of executions.sort((a, b) => +a.startTime - +b.startTime).entries()) {
        const json = show(id, e.runId);
        fs.writeFileSync(path.join(HISTORIES, `libraryRun-${stamp}-${i}.json`), json);
        index[`libraryRun-${stamp}-${i}.json`] = id;
        for (const ev of (JSON.parse(json) as { events: Array<Record<string, { workflowId?: string }>> })
          .events) {
          const child = ev.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
          if (child) children.push(child);
        }
      }
      for (const [i, child] of children.entries()) {
        fs.writeFileSync(path.join(HISTORIES, `processBatch-${stamp}-${i}.json`), show(child));
        index[`processBatch-${stamp}-${i}.json`] = child;
      }
      fs.writeFileSync(path.join(HISTORIES, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
      await connection.close();
      expect(executions.length).toBeGreaterThanOrEqual(2);
    } finally {
      await server.stop();
    }
  });
  /** Records one run's libraryRun history and its first batch's under `<name>-<date>`. */
  async function recordScenario(name: string, args: (lib: string) => string[], extraEnv: NodeJS.ProcessEnv) {
    const server = await startTestServer();
    const fake = await new FakeProviderServer().start();
    try {
      const lib = jpegLibrary(`pcc-golden-${name}-`);
      const { env } = testEnv({
        TEMPORAL_ADDRESS: server.address,
        PCC_MODELS_DIR: path.join(SHARED, 'models'),
        OPENAI_API_KEY: 'sk-test-key',
        OPENAI_BASE_URL: `${fake.url}/v1`,
        PCC_CODEC: 'off',
        ...extraEnv,
      });
      const out = await runPcc(['run', lib, ...args(lib)], env);
      const id = /Started run (\S+)/.exec(out)![1];
      const temporal = resolveTemporalCli(readConfig(process.env), { install: true });
      const show = (workflowId: string) =>
        execFileSync(
          temporal,
          ['workflow', 'show', '--address', server.address, '--workflow-id', workflowId, '--output', 'json'],
          { encoding: 'utf8', maxBuffer: 64 << 20 },
        );
      const stamp = new Date().toISOString().slice(0, 10);
      const index = JSON.parse(fs.readFileSync(path.join(HISTORIES, 'index.json'), 'utf8')) as Record<
        string,
        string
      >;
      const json = show(id);
      fs.writeFileSync(path.join(HISTORIES, `${name}-${stamp}.json`), json);
      index[`${name}-${stamp}.json`] = id;
      const child = (JSON.parse(json) as { events: Array<Record<string, { workflowId?: string }>> }).events
        .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
        .find(Boolean);
      if (child) {
        fs.writeFileSync(path.join(HISTORIES, `${name}Batch-${stamp}.json`), show(child));
        index[`${name}Batch-${stamp}.json`] = child;
      }
      fs.writeFileSync(path.join(HISTORIES, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
      return { out, json };
    } finally {
      await fake.stop();
      await server.stop();
    }
  }

  const cluster = STAND_IN_CLUSTER_FLAGS;

  (record ? it : it.skip)(
    'records a keywords run (clustering, the AI layer, vision on medoids)',
    async () => {
      const { out, json } = await recordScenario(
        'keywordsRun',
        () => [...cluster, '--vision-backend', 'openai', '--local-only', 'orientation/Portrait_*'],
        {},
      );
      expect(out).toMatch(/Vision: \d+ medoids asked/);
      expect(json).toMatch(/visionTagMedoid/);
    },
  );

  (record ? it : it.skip)('records a privacy run (the NSFW gate before cloud captions)', async () => {
    const { out } = await recordScenario(
      'privacyRun',
      () => ['--backend', 'openai', '--nsfw-check', 'on', '--nsfw-threshold', '0.1', ...cluster],
      { PCC_NSFW_MODEL: path.join(SHARED, 'models-real', 'open-nsfw', 'open_nsfw.onnx') },
    );
    expect(out).toMatch(/skipped_private [1-9]/);
  });

  (record ? it : it.skip)(
    'records a people run (people sets scored, studio rule, vision on the rest)',
    async () => {
      const { json } = await recordScenario(
        'peopleRun',
        () => [...cluster, '--vision-backend', 'openai', '--people-sets', 'local', '--studio-rule', 'on'],
        {},
      );
      expect(json).toMatch(/scorePeople/);
    },
  );
});
