/**
 * Keywords end to end on the sample library: a real run (mock captions, stand-in CLIP, clustering,
 * a vocabulary and a concept bank) with vision tags from the official OpenAI SDK against the
 * loopback fake. Each cluster's medoid is sent exactly once, private clusters never; members get
 * the vision tags as proposals; `pcc tags approve` on a cluster chip writes it to every member's
 * sidecar, a rejected keyword reaches none, the user's own keywords stay, and every app's field
 * (dc:subject, lr:hierarchicalSubject, digiKam:TagsList) reads back the same keyword set.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { Catalog } from '../src/catalog/catalog';
import { uploadImage } from '../src/backends/upload-image';
import { FakeProviderServer } from '../src/fakes/provider-server';
import { proxyPathFor } from '../src/images/loader';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { SHARED, catalogOf, jpegLibrary, listFiles, tempDir } from './helpers/fixtures';
import { runPcc, startTestServer, testEnv } from './helpers/processes';

const MODELS = path.join(SHARED, 'models');
const isPrivate = (relPath: string) => relPath.startsWith('orientation/Portrait_');

describe('keywords: vision on medoids, review, approved-only sidecars', () => {
  let server: TemporalEndpoint;
  const fake = new FakeProviderServer();
  const et = new ExifTool({ taskTimeoutMillis: 20_000 });
  beforeAll(async () => {
    server = await startTestServer();
    await fake.start();
  });
  afterAll(async () => {
    await et.end();
    await fake.stop();
    await server?.stop();
  });

  it('sends each non-private medoid once, proposes to members, writes only what a person approved', async () => {
    const lib = jpegLibrary('pcc-kwlib-');
    // A photo the user already keyworded in Lightroom.
    const userSidecar = path.join(lib, 'orientation', 'Landscape_1.xmp');
    await et.write(
      userSidecar,
      { Subject: ['family', 'holiday'], HierarchicalSubject: ['People|family'], Rating: 3 } as never,
      { writeArgs: ['-overwrite_original'] },
    );
    const work = tempDir('pcc-kwfiles-');
    fs.writeFileSync(path.join(work, 'tags.yaml'), 'labels: [landscape, portrait, camera]\n');
    fs.writeFileSync(path.join(work, 'concepts.txt'), 'overcast\nreflection\n');
    const { dataDir, env } = testEnv({
      TEMPORAL_ADDRESS: server.address,
      PCC_MODELS_DIR: MODELS,
      OPENAI_API_KEY: 'sk-test-key',
      OPENAI_BASE_URL: `${fake.url}/v1`,
    });
    const args = [
      'run',
      lib,
      '--cluster',
      '--cluster-mode',
      'cosine-threshold',
      '--cluster-threshold',
      '0.95',
      '--vocabulary',
      path.join(work, 'tags.yaml'),
      '--concept-bank',
      path.join(work, 'concepts.txt'),
      // Random stand-in weights: every term passes so the pipeline is exercised, not judged.
      '--ai-min-score',
      '-1',
      '--vision-backend',
      'openai',
      // Local-only: the portraits (on the stand-in model they share a cluster with two camera photos).
      '--local-only',
      'orientation/Portrait_*',
    ];
    // The model refuses the first medoid it is shown (a 400, e.g. a content policy).
    fake.script = [{ status: 400, message: 'content policy: refused' }];
    const out = await runPcc(args, env);
    expect(out).toMatch(/Clusters: \d+ groups/);
    expect(out).toMatch(
      /Vision: \d+ medoids asked, \d+ clusters tagged, 1 skipped, \d+ private clusters kept local/,
    );

    const visionRequests = () => fake.requests.filter((r) => r.prompt?.includes('JSON only'));
    const clusters = catalogOf(dataDir, (c) => {
      const run = c.runs.latestRun()!;
      const byCluster = new Map<number, Array<{ photoId: number; relPath: string; sha1: string }>>();
      for (const m of c.clusters.members(run.id).values()) {
        if (m.cluster < 0) continue;
        const list = byCluster.get(m.cluster) ?? [];
        list.push({
          photoId: m.photoId,
          relPath: c.photos.pathsOf(m.photoId)[0].relPath,
          sha1: c.photos.get(m.photoId)!.sha1,
        });
        byCluster.set(m.cluster, list);
      }
      return [...byCluster.entries()].map(([cluster, members]) => ({
        cluster,
        members,
        private: members.some((m) => isPrivate(m.relPath)),
        keywords: new Map(members.map((m) => [m.photoId, c.keywords.keywordsOf(m.photoId)])),
      }));
    });
    const open = clusters.filter((c) => !c.private);
    const closed = clusters.filter((c) => c.private);
    expect(open.length).toBeGreaterThan(0);
    expect(closed.length).toBeGreaterThan(0);
    // One request per non-private cluster, each for a different medoid, none for a private photo.
    expect(visionRequests()).toHaveLength(open.length);
    expect(new Set(visionRequests().map((r) => r.imageSha1)).size).toBe(open.length);
    const sent = new Set(visionRequests().map((r) => r.imageSha1));
    for (const c of closed)
      for (const m of c.members.filter((x) => isPrivate(x.relPath))) {
        const img = await uploadImage(proxyPathFor(dataDir, m.sha1, 1024), 1024);
        expect(
          sent.has(crypto.createHash('sha1').update(Buffer.from(img.base64, 'base64')).digest('hex')),
        ).toBe(false);
      }
    // Members of open clusters got the vision tags proposed (not approved); the refused cluster got
    // AI|vision-skipped and keeps its local keywords; private ones got nothing from vision.
    const visionOf = (kws: ReturnType<Catalog['keywords']['keywordsOf']>) =>
      kws.filter((k) => k.sources.some((s) => s.sourceKind === 'vision'));
    const refused = open.filter((c) =>
      [...c.keywords.values()].every(
        (kws) =>
          visionOf(kws)
            .map((k) => k.path)
            .join() === 'AI|vision-skipped',
      ),
    );
    expect(refused).toHaveLength(1);
    for (const kws of refused[0].keywords.values())
      expect(kws.some((k) => k.sources.some((s) => s.sourceKind === 'concept'))).toBe(true);
    for (const c of open.filter((x) => x !== refused[0]))
      for (const kws of c.keywords.values()) {
        const vision = visionOf(kws);
        expect(vision.map((k) => `${k.path}:${k.state}`).sort()).toEqual([
          'AI|beach:proposed',
          'AI|dog:proposed',
          'AI|sunset:proposed',
        ]);
        expect(vision[0].sources.find((s) => s.sourceKind === 'vision')).toMatchObject({
          source: 'vision:openai/gpt-4.1-mini',
          fromCluster: c.cluster,
        });
        // Caption and concept terms are proposed too; vocabulary labels are approved by the policy.
        expect(kws.some((k) => k.sources.some((s) => s.sourceKind === 'concept'))).toBe(true);
        expect(kws.filter((k) => k.layer === 'CK').every((k) => k.state === 'approved')).toBe(true);
      }
    for (const c of closed)
      for (const kws of c.keywords.values())
        expect(kws.some((k) => k.sources.some((s) => s.sourceKind === 'vision'))).toBe(false);

    // The same command again: every answer is stored, nothing is asked twice.
    await runPcc(args, env);
    expect(visionRequests()).toHaveLength(open.length);

    // Review: approve "dog" on one open cluster (the chip), reject "sunset" everywhere.
    // (Among the clusters vision answered: which one the fake refuses depends on its proxy's bytes.)
    const answered = open.filter((c) => c !== refused[0]);
    const target =
      answered.find((c) => c.members.some((m) => m.relPath === 'orientation/Landscape_1.jpg')) ?? answered[0];
    const listed = await runPcc(
      ['tags', 'list', '--cluster', String(target.cluster), '--source', 'vision'],
      env,
    );
    expect(listed).toMatch(
      new RegExp(
        `cluster ${target.cluster}\\tAI\\|dog\\t${target.members.length}/${target.members.length} photos\\t${target.members.length} proposed`,
      ),
    );
    const approved = await runPcc(
      ['tags', 'approve', '--cluster', String(target.cluster), '--term', 'dog'],
      env,
    );
    expect(approved).toMatch(
      new RegExp(
        `approved AI\\|dog on ${target.members.length} photo\\(s\\) \\(cluster ${target.cluster}\\)`,
      ),
    );
    await runPcc(['tags', 'reject', '--term', 'sunset'], env);
    const nothingSaid = await runPcc(['tags', 'approve'], env, 2);
    expect(nothingSaid).toMatch(/say which keywords to approve/);

    const written = await runPcc(['xmp', '--apply'], env);
    expect(written).toMatch(/sidecars written, \d+ unchanged, 0 errors/);
    const asList = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
    const sidecars = listFiles(lib).filter((f) => f.endsWith('.xmp'));
    const targetPaths = new Set(
      target.members.map((m) => path.join(lib, m.relPath.replace(/\.jpg$/, '.xmp'))),
    );
    for (const file of sidecars) {
      const tags = (await et.read(file)) as Record<string, unknown>;
      const subject = asList(tags.Subject);
      const hierarchical = asList(tags.HierarchicalSubject);
      const tagsList = asList(tags.TagsList);
      // Each app's field reads the same keyword set.
      expect(new Set(hierarchical.map((h) => h.split('|').pop()))).toEqual(new Set(subject));
      expect(new Set(tagsList)).toEqual(new Set(hierarchical.map((h) => h.replace(/\|/g, '/'))));
      expect(subject).not.toContain('sunset');
      expect(subject).not.toContain('beach'); // proposed, never approved
      expect(hierarchical.includes('AI|dog')).toBe(targetPaths.has(file));
    }
    for (const file of targetPaths) expect(fs.existsSync(file)).toBe(true);
    const user = (await et.read(userSidecar)) as Record<string, unknown>;
    expect(asList(user.Subject)).toEqual(expect.arrayContaining(['family', 'holiday']));
    expect(asList(user.HierarchicalSubject)).toEqual(expect.arrayContaining(['People|family', 'holiday']));
    expect(user.Rating).toBe(3);

    // The report shows each cluster's chips, with the person's decisions.
    const reportDir = path.join(work, 'report');
    await runPcc(['report', '--out', reportDir], env);
    const md = fs.readFileSync(path.join(reportDir, 'cluster_report.md'), 'utf8');
    const n = target.members.length;
    expect(md).toContain(`\`AI|dog\` ${n}/${n} approved`);
    expect(md).toMatch(/`AI\|sunset` \d+\/\d+ rejected/);

    const estimate = await runPcc(['estimate', lib, '--vision-backend', 'openai'], env);
    expect(estimate).toMatch(
      new RegExp(
        `vision tags \\(openai / gpt-4.1-mini\\): ${clusters.length} medoid requests \\(clusters last clustering\\)`,
      ),
    );
  });
});
