/**
 * End to end against a real Temporal dev server: `pcc run` over the sample library plus the broken
 * files, then exports. Workers run inside the pcc process, as a user's `pcc run` does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { Catalog } from '../src/catalog/catalog';
import { readConfig } from '../src/config';
import { dataConverterFor } from '../src/temporal/payload-codec';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { hashTree, jpegLibrary, listFiles, makeLibrary, sampleCounts, tempDir } from './helpers/fixtures';
import { exportedCaptions, runPcc, startTestServer, testEnv } from './helpers/processes';

describe('a library run over good and broken photos', () => {
  let server: TemporalEndpoint;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.stop());

  it('captions every good photo, marks every broken one error_corrupt, completes, and leaves the library untouched', async () => {
    const lib = makeLibrary();
    const before = hashTree(lib);
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address });
    const out = await runPcc(['run', lib, '--backend', 'mock', '--batch-size', '8'], env);
    expect(out).toMatch(/Started run pcc-run-/);
    expect(out).toMatch(/completed in/);

    const { good, goodFiles, broken } = sampleCounts();
    const catalog = Catalog.open(dataDir);
    try {
      const run = catalog.runs.latest()!;
      expect(run.status).toBe('completed');
      const counts = JSON.parse(run.counts_json!);
      expect(counts).toEqual({
        success: good,
        error_corrupt: broken,
        error_api: 0,
        error_model: 0,
        skipped_private: 0,
      });
      // Every broken file is error_corrupt with a reason; nothing in library/ is.
      const rows = await exportedCaptions(env, dataDir);
      // One line per file: identical copies each get theirs, naming the first path.
      expect(rows).toHaveLength(goodFiles + broken);
      expect(rows.filter((r) => r.duplicate_of)).toHaveLength(goodFiles - good);
      expect(new Set(rows.map((r) => r.rel_path)).size).toBe(rows.length);
      for (const r of rows) {
        expect(Object.keys(r)).toEqual(expect.arrayContaining(['caption', 'rel_path', 'status']));
        if (r.rel_path.startsWith('broken/')) {
          expect(r).toMatchObject({
            status: 'error_corrupt',
            caption: null,
            reason: expect.stringMatching(/^\w+: /),
          });
        } else {
          expect(r.status).toBe('success');
          expect(r.caption).toMatch(/\w+/);
        }
      }
      // HEIC and JPEG XL decode (sharp's prebuilt libvips cannot): they are successes, not corrupt.
      const heic = rows.filter((r) => /\.(heic|jxl)$/i.test(r.rel_path) && !r.rel_path.includes('misnamed'));
      expect(heic.length).toBeGreaterThanOrEqual(7);
      expect(heic.every((r) => r.status === 'success')).toBe(true);
      // Reasons are recorded for each corrupt photo.
      const reasons = catalog.runs
        .workList(run.id)
        .map((w) =>
          catalog.results.get(w.photoId, 'load', { backend: 'sharp', model: 'decode', promptHash: '' }),
        );
      expect(
        reasons.filter((r) => r?.status === 'error_corrupt').every((r) => (r?.reason ?? '').length > 5),
      ).toBe(true);
    } finally {
      catalog.close();
    }
    expect(hashTree(lib)).toEqual(before);
    expect(listFiles(lib).some((f) => f.endsWith('.xmp') || f.includes('.pcc'))).toBe(false);

    // The recorded histories replay against today's workflow code: the workflows are deterministic.
    const workflowId = /Started run (pcc-run-\S+)/.exec(out)![1];
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      for (const id of [workflowId, `${workflowId}/batch-00000`]) {
        const history = await client.workflow.getHandle(id).fetchHistory();
        await Worker.runReplayHistory(
          {
            workflowsPath: require.resolve('../src/workflows'),
            dataConverter: dataConverterFor(readConfig(env)),
          },
          history,
          id,
        );
      }
    } finally {
      await connection.close();
    }
  });

  it('--dry-run decodes every photo without a model and lists the corrupt files', async () => {
    const lib = makeLibrary();
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address });
    const out = await runPcc(['run', lib, '--dry-run'], env);
    expect(out).toMatch(/Corrupt or unreadable files:/);
    expect(out).toMatch(/broken\/truncated\.jpg/);
    const catalog = Catalog.open(dataDir);
    try {
      expect(catalog.results.summary().filter((r) => r.stage === 'caption')).toEqual([]);
      const counts = JSON.parse(catalog.runs.latest()!.counts_json!);
      expect(counts.error_corrupt).toBe(sampleCounts().broken);
    } finally {
      catalog.close();
    }
  });

  it('--limit, a plain re-run, --force and --retry-status behave as named', async () => {
    // The small all-JPEG library: seven runs in a row, each as telling on 26 photos as on all of them.
    const lib = jpegLibrary('pcc-rerun-lib-');
    const good = listFiles(lib).length;
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address });
    const counts = () => {
      const c = Catalog.open(dataDir);
      try {
        const run = c.runs.latest()!;
        return {
          ...JSON.parse(run.counts_json!),
          total: JSON.parse(run.scan_json!).total,
          alreadyDone: JSON.parse(run.scan_json!).alreadyDone,
        };
      } finally {
        c.close();
      }
    };

    await runPcc(['run', lib, '--limit', '10'], env);
    expect(counts()).toMatchObject({ success: 10, total: 10 });

    await runPcc(['run', lib], env);
    expect(counts()).toMatchObject({ success: good - 10, total: good - 10, alreadyDone: 10 });

    await runPcc(['run', lib], env);
    expect(counts()).toMatchObject({ total: 0, alreadyDone: good });

    await runPcc(['run', lib, '--force', '--mock-error-rate', '0.4'], env);
    const forced = counts();
    expect(forced.total).toBe(good);
    expect(forced.error_api).toBeGreaterThan(0);
    expect(forced.success + forced.error_api).toBe(good);

    await runPcc(['run', lib, '--retry-status', 'error_api'], env);
    expect(counts()).toMatchObject({ total: forced.error_api, success: forced.error_api, error_api: 0 });

    await runPcc(['run', lib, '--retry-status', 'error_api'], env);
    expect(counts()).toMatchObject({ total: 0 });

    const bad = await runPcc(['run', lib, '--retry-status', 'oops'], env, 2);
    expect(bad).toMatch(
      /unknown status "oops"; use one or more of success, error_corrupt, error_api, error_model/,
    );
    const unknown = await runPcc(['run', lib, '--backend', 'nope'], env, 2);
    expect(unknown).toMatch(/unknown caption backend "nope"; known backends: mock/);
  });

  it('takes its options from pcc.yaml (flags win), its folder from PHOTOS_DIR, and shows the settings it used', async () => {
    const lib = makeLibrary(['library']);
    const cwd = tempDir('pcc-yaml-');
    fs.writeFileSync(
      path.join(cwd, 'pcc.yaml'),
      `roots: [${JSON.stringify(lib)}]\nlibrary:\n  include: ["library/orientation/**"]\nruntime:\n  batch_size: 4\n  max_concurrent_batches: 1\n`,
    );
    const { env } = testEnv({ TEMPORAL_ADDRESS: server.address });
    const out = await runPcc(['run', '--max-concurrent-batches', '2'], env, 0, cwd);
    expect(out).toMatch(/completed in .*: 18 photos/);
    const id = /Started run (\S+)/.exec(out)![1];
    const stats = await runPcc(['stats', '--run', id], env, 0, cwd);
    expect(stats).toContain(`Settings of run ${id} (from ${path.join(cwd, 'pcc.yaml')} and flags)`);
    expect(stats).toMatch(/"batchSize": 4,/);
    expect(stats).toMatch(/"maxConcurrentBatches": 2,/);

    // A mistake in the file names the file, the line and the key, before any photo.
    fs.writeFileSync(path.join(cwd, 'pcc.yaml'), 'runtime:\n  batch_size: 0\n');
    const refused = await runPcc(['run', lib], env, 2, cwd);
    expect(refused).toMatch(/pcc\.yaml:2: runtime\.batch_size must be from 1 to 512, got 0/);

    // No folder and no file: PHOTOS_DIR from the environment (config.env) is the library.
    fs.rmSync(path.join(cwd, 'pcc.yaml'));
    const fromEnv = await runPcc(
      ['run', '--include', 'library/cameras/**'],
      { ...env, PHOTOS_DIR: lib },
      0,
      cwd,
    );
    expect(fromEnv).toMatch(/completed in .*: \d+ photos/);
    expect(await runPcc(['run'], env, 2, cwd)).toMatch(/give a library folder: .*PHOTOS_DIR/);
  });
});
