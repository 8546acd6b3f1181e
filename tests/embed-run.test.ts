/**
 * Embeddings end to end on the stand-in models: `pcc run --embed` stores one image vector (512-d)
 * and one caption-text vector (384-d) per good photo; gpu workers with data folders of their own
 * reach the catalog host's staging area through --path-map, a killed one's batch is retried on
 * the other, and every photo still ends with exactly one embedding.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Catalog } from '../src/catalog/catalog';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { newCodecKey } from '../src/temporal/codec-keys';
import sharp from 'sharp';
import { embedImages } from '../src/models/embedder';
import { thumbnailPathFor } from '../src/images/loader';
import {
  SHARED,
  catalogOf,
  listFiles,
  makeLibrary,
  sampleCounts,
  tempDir,
  waitFor,
} from './helpers/fixtures';
import {
  exportedCaptions,
  killHard,
  mountNamespaces,
  runPcc,
  startPcc,
  startPccElsewhere,
  startTestServer,
  testEnv,
  type Proc,
} from './helpers/processes';

const MODELS = path.join(SHARED, 'models');

function embeddingCounts(dataDir: string) {
  const c = Catalog.open(dataDir);
  try {
    return c.embeddings.counts();
  } finally {
    c.close();
  }
}

describe('embeddings (stand-in CLIP and MiniLM)', () => {
  let server: TemporalEndpoint;
  const procs: Proc[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    procs.forEach(killHard);
    await server?.stop();
  });

  it('pcc run --embed stores an image and a caption vector for every good photo; export and stats show them', async () => {
    const lib = makeLibrary();
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: MODELS });
    const out = await runPcc(['run', lib, '--embed', '--batch-size', '16'], env);
    expect(out).toMatch(/execution provider: Xenova\/clip-vit-base-patch32 \(fp32\) on CPU/);
    const { good } = sampleCounts();
    expect(embeddingCounts(dataDir)).toEqual([
      { kind: 'caption', model: 'Xenova/all-MiniLM-L6-v2', dim: 384, n: good },
      { kind: 'image', model: 'Xenova/clip-vit-base-patch32', dim: 512, n: good },
    ]);
    expect(
      fs
        .readdirSync(path.join(dataDir, 'staging', 'embeddings'))
        .flatMap((d) => fs.readdirSync(path.join(dataDir, 'staging', 'embeddings', d))),
    ).toEqual([]);
    const file = path.join(dataDir, 'embeddings.jsonl');
    await runPcc(['export', 'embeddings', '--out', file, '--kind', 'image'], env);
    const rows = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(good);
    expect(Object.keys(rows[0]).sort()).toEqual(['dim', 'kind', 'model', 'rel_path', 'vector']);
    expect(
      rows.every(
        (r) => r.dim === 512 && r.vector.length === 512 && r.model === 'Xenova/clip-vit-base-patch32',
      ),
    ).toBe(true);
    // By default the caption vectors come too.
    await runPcc(['export', 'embeddings', '--out', file], env);
    const all = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; dim: number });
    expect(all.filter((r) => r.kind === 'image')).toHaveLength(good);
    expect(all.filter((r) => r.kind === 'caption').length).toBeGreaterThan(0);
    expect(all.filter((r) => r.kind === 'caption').every((r) => r.dim === 384)).toBe(true);
    expect(await runPcc(['stats'], env)).toMatch(/image Xenova\/clip-vit-base-patch32 \(512-d\): \d+ photos/);

    // A later run with --embed on an already captioned library embeds nothing twice and captions nothing again.
    const again = await runPcc(['run', lib, '--embed', '--batch-size', '16'], env);
    expect(again).toMatch(/completed in .*: 0 photos/);
  });

  it('an embedder whose input a review thumbnail covers reads the thumbnail (no proxy written); a panorama, whose thumbnail is too small, gets a proxy', async () => {
    const lib = tempDir('pcc-thumb-embed-');
    const noise = (width: number, height: number) =>
      sharp(Buffer.from(Array.from({ length: width * height * 3 }, (_, i) => (i * 7919) % 251)), {
        raw: { width, height, channels: 3 },
      });
    await noise(1600, 1200).jpeg().toFile(path.join(lib, 'landscape.jpg'));
    await noise(3000, 400).jpeg().toFile(path.join(lib, 'panorama.jpg'));
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: MODELS });
    await runPcc(['run', lib, '--embed', '--text-model', 'none'], env);

    const model = 'Xenova/clip-vit-base-patch32';
    const stored = catalogOf(dataDir, (c) =>
      [...c.photos.photosUnderRoots([lib])].map((p) => ({
        name: p.relPath,
        sha1: p.sha1,
        vector: c.embeddings.get(p.photoId, 'image', model),
      })),
    );
    const landscape = stored.find((p) => p.name === 'landscape.jpg')!;
    const panorama = stored.find((p) => p.name === 'panorama.jpg')!;
    // The panorama's 512×68 thumbnail is below CLIP's 224-px short side: only it has a proxy.
    expect(listFiles(path.join(dataDir, 'proxies')).map((f) => path.basename(f))).toEqual([
      `${panorama.sha1}.jpg`,
    ]);
    const options = { modelsDir: MODELS, dtype: 'fp32' as const, device: 'cpu' as const, batchSize: 2 };
    const [fromThumb, fromProxy] = await embedImages(
      model,
      [thumbnailPathFor(dataDir, landscape.sha1), listFiles(path.join(dataDir, 'proxies'))[0]],
      options,
    );
    const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
    expect(maxDiff(landscape.vector!, fromThumb)).toBeLessThan(1e-6);
    expect(maxDiff(panorama.vector!, fromProxy)).toBeLessThan(1e-6);
  });

  it('the local caption backend runs end to end on a stand-in vit-gpt2 (random weights, real layout: captions are random words)', async () => {
    const lib = makeLibrary();
    const fixtures = path.join(__dirname, 'fixtures', 'models');
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: fixtures });
    const out = await runPcc(['run', lib, '--backend', 'local', '--batch-size', '16'], env);
    expect(out).toMatch(/execution provider: Xenova\/vit-gpt2-image-captioning \(fp32\) on CPU/);
    const { goodFiles, broken } = sampleCounts();
    const rows = await exportedCaptions(env, dataDir);
    // One line per file: identical copies each get theirs.
    expect(rows.filter((r) => r.status === 'success')).toHaveLength(goodFiles);
    expect(rows.filter((r) => r.status === 'error_corrupt')).toHaveLength(broken);
    // The stand-in's vocabulary is known: every word of every caption comes from it.
    const tokenizer = JSON.parse(
      fs.readFileSync(path.join(fixtures, 'Xenova', 'vit-gpt2-image-captioning', 'tokenizer.json'), 'utf8'),
    );
    const vocab = new Set(
      Object.keys(tokenizer.model.vocab as Record<string, number>).map((t) => t.replace('\u0120', '')),
    );
    for (const r of rows.filter((x) => x.status === 'success')) {
      const words = (r.caption ?? '').split(/\s+/).filter(Boolean);
      expect(words.length).toBeGreaterThan(0);
      for (const w of words) expect(vocab.has(w)).toBe(true);
    }
  });

  it('a missing model fails at startup naming the folder, before any photo', async () => {
    const lib = makeLibrary(['library']);
    const { env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: '/nonexistent/models' });
    const out = await runPcc(['run', lib, '--embed'], env, 2);
    expect(out).toMatch(
      /model Xenova\/clip-vit-base-patch32 \(fp32\) is not in \/nonexistent\/models\/Xenova\/clip-vit-base-patch32/,
    );
  });

  it('gpu workers on "other machines" (own data folders, --path-map to the catalog host): kill -9 of one mid-run, the batch is retried on the other and every photo has exactly one embedding', async () => {
    const lib = makeLibrary(['library']);
    // Processes on several machines share the history keys, not a data folder.
    const keys = { PCC_CODEC_KEYS: newCodecKey() };
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: MODELS, ...keys });
    // The catalog host's data folder as the gpu hosts mount it: at another path. Where this
    // machine allows mount namespaces (root), the gpu workers cannot see it at its own path at all,
    // so a path the map missed fails the run; elsewhere a symlink stands in for the mount.
    const mount = path.join(tempDir('pcc-mnt-'), 'catalog-host-data');
    const isolated = mountNamespaces();
    if (!isolated) fs.symlinkSync(dataDir, mount);
    const gpuHost = () => {
      const host = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: MODELS, ...keys });
      gpuDataDirs.push(host.dataDir);
      const args = ['worker', '--queues', 'gpu', '--path-map', `${dataDir}=${mount}`];
      return isolated ? startPccElsewhere(args, host.env, dataDir, mount) : startPcc(args, host.env);
    };
    const gpuDataDirs: string[] = [];
    const io = startPcc(['worker', '--queues', 'io,cpu'], env);
    let gpu = gpuHost();
    procs.push(io, gpu);
    await waitFor(
      'workers',
      () => io.output().includes('workers polling') && gpu.output().includes('workers polling'),
    );
    const started = await runPcc(
      [
        'run',
        lib,
        '--embed',
        '--detach',
        '--batch-size',
        '16',
        '--inference-batch',
        '1',
        '--max-concurrent-batches',
        '1',
      ],
      env,
    );
    const workflowId = /Started run (pcc-run-\S+)/.exec(started)![1];
    // Kill while an embedBatch is running and has reported progress (heartbeat details).
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const inFlight = await waitFor(
      'an embedBatch in flight',
      async () => {
        for (let b = 0; b < 5; b++) {
          const id = `${workflowId}/batch-${String(b).padStart(5, '0')}`;
          const d = await client.workflow
            .getHandle(id)
            .describe()
            .catch(() => undefined);
          const pending = d?.raw.pendingActivities?.find(
            (a) => a.activityType?.name === 'embedBatch' && a.heartbeatDetails,
          );
          if (pending) return id;
        }
        return undefined;
      },
      120_000,
      50,
    );
    killHard(gpu);
    await gpu.exited;
    expect(gpu.output()).toContain(`path map: ${dataDir} → ${mount}`);
    gpu = gpuHost();
    procs.push(gpu);
    await waitFor(
      'the run to complete',
      () => {
        const c = Catalog.open(dataDir);
        try {
          return c.runs.latest()?.status === 'completed';
        } finally {
          c.close();
        }
      },
      180_000,
      500,
    );
    const { good } = sampleCounts();
    expect(embeddingCounts(dataDir).find((e) => e.kind === 'image')).toEqual({
      kind: 'image',
      model: 'Xenova/clip-vit-base-patch32',
      dim: 512,
      n: good,
    });
    // The interrupted batch's embedBatch really ran twice (a second attempt), and completed.
    const history = await client.workflow.getHandle(inFlight).fetchHistory();
    const attempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
    await connection.close();
    // The gpu hosts wrote their vectors into the catalog host's staging area (through the mount),
    // none into their own folders, and never opened a catalog.
    for (const own of gpuDataDirs) {
      expect(fs.existsSync(path.join(own, 'staging'))).toBe(false);
      expect(fs.existsSync(path.join(own, 'catalog.sqlite'))).toBe(false);
    }
  });
});
