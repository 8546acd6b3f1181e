/**
 * The NSFW gate end to end: real Open-NSFW weights score every photo on this machine before any
 * queue can send it away. With the threshold lowered so that some sample photos count as private,
 * the fake cloud provider (official OpenAI SDK) receives none of them — neither for captions nor
 * for medoid vision — and the run summary counts them.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { Catalog } from '../src/catalog/catalog';
import { uploadImage } from '../src/backends/upload-image';
import { FakeProviderServer } from '../src/fakes/provider-server';
import { proxyPathFor } from '../src/images/loader';
import { NsfwScorer } from '../src/models/nsfw';
import { ReviewViews } from '../src/services/review-views';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { SHARED, STAND_IN_CLUSTER_FLAGS, jpegLibrary } from './helpers/fixtures';
import { runPcc, startTestServer, testEnv } from './helpers/processes';

const NSFW = path.join(SHARED, 'models-real', 'open-nsfw', 'open_nsfw.onnx');
const THRESHOLD = 0.1;

describe('privacy gate: Open-NSFW before any cloud request', () => {
  let server: TemporalEndpoint;
  const fake = new FakeProviderServer();
  beforeAll(async () => {
    server = await startTestServer();
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
    await server?.stop();
  });

  it('keeps photos at or above the threshold off the cloud for captions and vision, and counts them', async () => {
    const lib = jpegLibrary('pcc-nsfwlib-');
    const { dataDir, env } = testEnv({
      TEMPORAL_ADDRESS: server.address,
      PCC_MODELS_DIR: path.join(SHARED, 'models'),
      PCC_NSFW_MODEL: NSFW,
      OPENAI_API_KEY: 'sk-test-key',
      OPENAI_BASE_URL: `${fake.url}/v1`,
    });
    const out = await runPcc(
      [
        'run',
        lib,
        '--backend',
        'openai',
        '--nsfw-check',
        'on',
        '--nsfw-threshold',
        String(THRESHOLD),
        ...STAND_IN_CLUSTER_FLAGS,
        '--vision-backend',
        'openai',
      ],
      env,
    );
    const seen = (() => {
      const c = Catalog.open(dataDir);
      try {
        const run = c.runs.latestRun()!;
        const key = { backend: 'openai', model: run.config.model, promptHash: run.config.promptHash };
        const members = c.clusters.members(run.id);
        const persons = c.metadata.personScores();
        return c.runs.workList(run.id).map((w) => ({
          ...w,
          score: c.metadata.nsfwScore(w.photoId),
          person: persons.get(w.photoId),
          caption: c.results.get(w.photoId, 'caption', key),
          cluster: members.get(w.photoId)?.cluster ?? -1,
        }));
      } finally {
        c.close();
      }
    })();
    // Every photo was scored here; the stored score is what the real weights say about its proxy.
    for (const p of seen) expect(p.score).toBeGreaterThanOrEqual(0);
    const scorer = await NsfwScorer.create(NSFW);
    const again = await scorer.score(seen.map((p) => proxyPathFor(dataDir, p.sha1, 1024)));
    await scorer.release();
    expect(again).toEqual(seen.map((p) => p.score));
    const privateOnes = seen.filter((p) => (p.score ?? 0) >= THRESHOLD);
    const open = seen.filter((p) => (p.score ?? 0) < THRESHOLD);
    expect(privateOnes.length).toBeGreaterThan(0);
    expect(open.length).toBeGreaterThan(0);

    // Captions: private photos were never sent; each says why.
    for (const p of privateOnes) {
      expect(p.caption?.status).toBe('skipped_private');
      expect(p.caption?.reason).toMatch(/NSFW score \d\.\d\d ≥ 0\.1: never sent to openai/);
    }
    for (const p of open) expect(p.caption?.status).toBe('success');
    expect(out).toMatch(new RegExp(`skipped_private ${privateOnes.length}\\b`));
    const sha = async (p: { sha1: string }) => {
      const img = await uploadImage(proxyPathFor(dataDir, p.sha1, 1024), 1024);
      return crypto.createHash('sha1').update(Buffer.from(img.base64, 'base64')).digest('hex');
    };
    const sent = new Set(fake.requests.filter((r) => r.imageSha1).map((r) => r.imageSha1));
    for (const p of privateOnes) expect(sent.has(await sha(p))).toBe(false);

    // Vision: one request per cluster that is neither private nor a people set (half its members or
    // more with a person: CLIP person share or NSFW score ≥ 0.5, the defaults), none for the others.
    for (const p of seen) expect(p.person).toBeGreaterThanOrEqual(0);
    const clusters = new Map<number, typeof seen>();
    for (const p of seen.filter((x) => x.cluster >= 0))
      clusters.set(p.cluster, [...(clusters.get(p.cluster) ?? []), p]);
    const notPrivate = [...clusters.values()].filter((ms) => ms.every((m) => (m.score ?? 0) < THRESHOLD));
    const isPeople = (ms: typeof seen) =>
      ms.filter((m) => Math.max(m.person ?? 0, m.score ?? 0) >= 0.5).length / ms.length >= 0.5;
    const asked = notPrivate.filter((ms) => !isPeople(ms));
    expect(fake.requests.filter((r) => r.prompt?.includes('JSON only'))).toHaveLength(asked.length);
    expect(out).toMatch(new RegExp(`${clusters.size - notPrivate.length} private clusters kept local`));
    const peopleKept = notPrivate.length - asked.length;
    if (peopleKept) expect(out).toMatch(new RegExp(`${peopleKept} people sets kept local`));
    else expect(out).not.toMatch(/people sets kept local/);

    // The review studio marks (and blurs) the same clusters and photos as private.
    const c = Catalog.open(dataDir);
    try {
      const runId = c.runs.latestRun()!.id;
      const cards = new ReviewViews(c).clusters(runId).clusters.filter((x) => x.id >= 0);
      const privateIds = [...clusters.entries()]
        .filter(([, ms]) => ms.some((m) => (m.score ?? 0) >= THRESHOLD))
        .map(([id]) => id)
        .sort();
      expect(
        cards
          .filter((x) => x.private)
          .map((x) => x.id)
          .sort(),
      ).toEqual(privateIds);
      expect(new ReviewViews(c).photo(privateOnes[0].photoId, runId)?.private).toBe(true);
    } finally {
      c.close();
    }
  });
});
