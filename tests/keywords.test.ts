/**
 * Keywords with provenance: caption mining on real caption sentences (table-driven), aliases and
 * the user's keyword tree, the approval policy, the catalog's review semantics (a person's decision
 * sticks, the user's own keywords are never rejected, apply-to-cluster), and the AI layer's CLIP
 * check on the stand-in model (shapes only: no quality is claimed from random weights).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Catalog } from '../src/catalog/catalog';
import { writeMatrixFile } from '../src/clustering/input-file';
import { matrix } from '../src/clustering/matrix';
import { readConfig } from '../src/config';
import { mineCaption, TermMapper } from '../src/tags/caption-terms';
import { parseAliases, parseKeywordTree, parseTermList } from '../src/tags/keyword-settings';
import { parseApprovalPolicy, policyState } from '../src/tags/approval-policy';
import { proposeAiKeywordsFile } from '../src/services/ai-keywords';
import { clusterChips } from '../src/services/review-keywords';
import { decideKeywords, movePhotos, undoDecision } from '../src/services/decisions';
import { userKeywordsOf } from '../src/services/keyword-proposals';
import { parseTags, visionPrompt } from '../src/backends/backend';
import { SHARED, tempDir } from './helpers/fixtures';

describe('caption mining', () => {
  // Real, human-style captions and the terms a person would pick from each; `absent` lists words
  // that must not become keywords (generic, grammatical, or a guessed proper noun).
  const table: Array<{ caption: string; expected: string[]; absent?: string[] }> = [
    {
      caption: 'A blue glass vase stands on a wooden window sill in soft morning light.',
      expected: ['blue glass', 'vase', 'window sill'],
      absent: ['a', 'stands', 'soft'],
    },
    {
      caption: 'A marble statue of a man in front of an old church in Venice on an overcast day.',
      expected: ['marble statue', 'statue', 'man', 'church', 'overcast', 'venice'],
      absent: ['front', 'day'],
    },
    {
      caption: 'Colorful graffiti covers a brick wall next to a parked red car.',
      expected: ['graffiti', 'brick wall', 'red car', 'car'],
      absent: ['graffito', 'next'],
    },
    {
      caption: 'Long exposure of cars driving on a highway at night, with light trails.',
      expected: ['long exposure', 'car', 'highway', 'night', 'light trail'],
      absent: ['exposure', 'trail'],
    },
    {
      caption: 'Two children playing with a dog on a sandy beach at sunset.',
      expected: ['child', 'dog', 'beach', 'sunset'],
      absent: ['two', 'children'],
    },
    {
      caption: 'The image shows a reflection of buildings in a canal in Murano.',
      expected: ['reflection', 'building', 'canal', 'murano'],
      absent: ['image'],
    },
    {
      caption: 'A close-up photo of a cat sleeping on a sofa.',
      expected: ['cat', 'sofa'],
      absent: ['photo', 'close-up'],
    },
    {
      caption: 'A black and white photograph of an elderly woman reading a newspaper in Paris.',
      expected: ['black and white', 'woman', 'newspaper'],
      // Paris is not on the city whitelist: a model's guess of a place is not kept.
      absent: ['photograph', 'paris'],
    },
    {
      caption: 'Fishing boats moored in a small harbour under a foggy sky.',
      expected: ['fishing boat', 'harbour', 'foggy', 'sky'],
    },
  ];
  it.each(table)('$caption', ({ caption, expected, absent }) => {
    const terms = mineCaption(caption, { cities: ['Venice', 'Murano'] });
    expect(terms).toEqual(expect.arrayContaining(expected));
    for (const word of absent ?? []) expect(terms).not.toContain(word);
    expect(new Set(terms).size).toBe(terms.length);
    for (const t of terms) expect(t).toBe(t.toLowerCase());
  });

  it('an empty caption gives nothing, and hostile text stays plain words', () => {
    expect(mineCaption('')).toEqual([]);
    const terms = mineCaption('A sign reading "=HYPERLINK(evil)" and <script>alert(1)</script> on a door.');
    expect(terms).toContain('door');
    for (const t of terms) expect(t).not.toMatch(/[<>\n]/);
  });

  it('maps aliases and words onto the user keyword tree (Lightroom export with synonyms)', () => {
    const lightroom = [
      'Vehicles',
      '\tCar',
      '\t\t{auto}',
      '\t\t{automobile}',
      '\tFishing Boats',
      '[Places]',
      '\tItaly',
      '\t\tVenice',
      '\t\tMurano',
    ].join('\n');
    const { tree, aliases } = parseKeywordTree(lightroom);
    expect(tree).toEqual([
      { leaf: 'Vehicles', path: 'Vehicles' },
      { leaf: 'Car', path: 'Vehicles|Car' },
      { leaf: 'Fishing Boats', path: 'Vehicles|Fishing Boats' },
      { leaf: 'Italy', path: 'Places|Italy' },
      { leaf: 'Venice', path: 'Places|Italy|Venice' },
      { leaf: 'Murano', path: 'Places|Italy|Murano' },
    ]);
    const mapper = new TermMapper(tree, {
      ...aliases,
      ...parseAliases('car: [motorcar]\nstatue: [sculpture]\n'),
    });
    expect(mapper.map('auto')).toEqual({ term: 'Car', path: 'Vehicles|Car', mappedFrom: 'auto' });
    expect(mapper.map('motorcar')).toEqual({ term: 'Car', path: 'Vehicles|Car', mappedFrom: 'motorcar' });
    expect(mapper.map('car')).toEqual({ term: 'Car', path: 'Vehicles|Car', mappedFrom: 'car' });
    expect(mapper.map('fishing boat')).toMatchObject({
      term: 'Fishing Boats',
      path: 'Vehicles|Fishing Boats',
    });
    expect(mapper.map('murano')).toMatchObject({ term: 'Murano', path: 'Places|Italy|Murano' });
    expect(mapper.map('sculpture')).toEqual({ term: 'statue', mappedFrom: 'sculpture' });
    expect(mapper.map('dog')).toEqual({ term: 'dog' });
    // Pipe paths work too.
    expect(parseKeywordTree('Animals|Dog\nAnimals|Cat\n').tree[1]).toEqual({
      leaf: 'Cat',
      path: 'Animals|Cat',
    });
    expect(parseTermList('- overcast\n- Long Exposure\n- overcast\n')).toEqual(['overcast', 'long exposure']);
    expect(() => parseAliases('car: 3\n')).toThrow(/needs a term/);
  });

  it('vision answers are data: control characters, long junk and duplicates are dropped', () => {
    expect(
      parseTags('```json\n{"tags":["Dog","dog","be\\u0000ach","' + 'x'.repeat(80) + '", 5]}\n```'),
    ).toEqual(['dog', 'be ach']);
    expect(visionPrompt(['Venice', 'Murano'], 8)).toMatch(/up to 8 .*one of: Venice, Murano.*JSON only/);
    // Leading dashes, quotes, formula starts and newlines stay plain text on one line (they reach
    // SQL as parameters, XMP through the JSON import, CSV through csvRows: all tested elsewhere).
    expect(parseTags('{"tags":["-o /etc/passwd","say \\"hi\\"","=HYPERLINK(1)","line\\nbreak"]}')).toEqual([
      '-o /etc/passwd',
      'say "hi"',
      '=hyperlink(1)',
      'line break',
    ]);
  });
});

describe('approval policy', () => {
  it('approves what a rule names and leaves the rest proposed; bad rules are named', () => {
    const rules = parseApprovalPolicy(['CK:vocabulary', 'AI:vision>=0.9', '*:exif']);
    expect(policyState(rules, { layer: 'CK', sourceKind: 'vocabulary', score: 0.2 })).toBe('approved');
    expect(policyState(rules, { layer: 'AI', sourceKind: 'vision', score: 0.95 })).toBe('approved');
    expect(policyState(rules, { layer: 'AI', sourceKind: 'vision', score: 0.5 })).toBe('proposed');
    expect(policyState(rules, { layer: 'AI', sourceKind: 'vision' })).toBe('proposed');
    expect(policyState(rules, { layer: 'AI', sourceKind: 'caption', score: 0.99 })).toBe('proposed');
    expect(policyState(rules, { layer: 'AI', sourceKind: 'exif' })).toBe('approved');
    expect(() => parseApprovalPolicy(['AI:telepathy'])).toThrow(/"AI:telepathy" is not LAYER:SOURCE/);
  });
});

describe('keyword review in the catalog', () => {
  function seed() {
    const dataDir = tempDir('pcc-kw-');
    const catalog = Catalog.open(dataDir);
    const runId = 'run-kw';
    catalog.runs.ensure(runId, 'wf', { roots: ['/lib'], localOnly: [] } as never);
    const work = Array.from({ length: 6 }, (_, i) => {
      const photoId = catalog.photos.upsertPhoto({ sha1: `sha${i}`, size: 1, format: 'jpeg', isRaw: false });
      catalog.photos.upsertPath(photoId, {
        absPath: `/lib/p${i}.jpg`,
        root: '/lib',
        relPath: `p${i}.jpg`,
        size: 1,
        mtimeMs: 1,
      });
      return { photoId, absPath: `/lib/p${i}.jpg`, relPath: `p${i}.jpg` };
    });
    catalog.runs.setWorkList(runId, work);
    const ids = work.map((w) => w.photoId);
    // Two clusters of three.
    catalog.clusters.replace(
      runId,
      { params: {}, space: 'image', clusterCount: 2, noise: 0, folders: [] },
      ids.map((photoId, i) => ({ photoId, cluster: i < 3 ? 0 : 1, distance: i % 3 })),
    );
    return { catalog, runId, ids };
  }
  const proposal = (photoId: number, term: string, source = 'caption', score = 0.3) =>
    ({ photoId, layer: 'AI', term, source, sourceKind: 'caption', score, state: 'proposed' }) as const;

  it('a person decision sticks through later proposals; apply-to-cluster reaches every member; undo data is logged', () => {
    const { catalog, runId, ids } = seed();
    catalog.keywords.propose([
      proposal(ids[0], 'statue'),
      proposal(ids[1], 'statue', 'caption', 0.4),
      proposal(ids[3], 'statue'),
    ]);
    const chips = clusterChips(catalog, { runId, term: 'statue' });
    expect(chips.map((c) => [c.cluster, c.photos, c.members, c.proposed, c.score])).toEqual([
      [0, 2, 3, 2, 0.4],
      [1, 1, 3, 1, 0.3],
    ]);
    // Approving the chip of cluster 0 gives "statue" to all three members (one was not proposed).
    const [outcome] = decideKeywords(catalog, { runId, cluster: 0, term: 'statue' }, 'approve', {
      applyToCluster: true,
      client: 'test',
    });
    expect(outcome).toMatchObject({ cluster: 0, changed: 3 });
    expect(ids.slice(0, 3).map((id) => catalog.keywords.keywordsOf(id)[0].state)).toEqual([
      'approved',
      'approved',
      'approved',
    ]);
    expect(catalog.keywords.keywordsOf(ids[2])[0].sources).toEqual([
      { source: 'user', sourceKind: 'user', runId, fromCluster: 0 },
    ]);
    expect(catalog.keywords.keywordsOf(ids[3])[0].state).toBe('proposed');
    // Reject for one photo only; a re-run proposing it again does not bring it back.
    decideKeywords(catalog, { runId, photoIds: [ids[0]], term: 'statue' }, 'reject', {
      applyToCluster: false,
      client: 'test',
    });
    catalog.keywords.propose([proposal(ids[0], 'statue', 'caption', 0.9)]);
    catalog.keywords.propose([
      { ...proposal(ids[0], 'statue', 'vision:openai/gpt-4.1-mini', 0.9), sourceKind: 'vision' },
    ]);
    const k = catalog.keywords.keywordsOf(ids[0])[0];
    expect(k.state).toBe('rejected');
    expect(k.sources.map((s) => s.source).sort()).toEqual(['caption', 'vision:openai/gpt-4.1-mini']);
    expect(catalog.keywords.approvedOf(ids[0])).toEqual([]);
    const log = catalog.decisions.list();
    expect(log.map((d) => [d.action, d.term, d.cluster ?? null, d.photoIds.length])).toEqual([
      ['reject', 'statue', null, 1],
      ['approve', 'statue', 0, 3],
    ]);
    expect(log[1].before).toEqual([
      { photoId: ids[0], source: 'caption', state: 'proposed', decidedBy: 'policy' },
      { photoId: ids[1], source: 'caption', state: 'proposed', decidedBy: 'policy' },
      { photoId: ids[2], source: 'user', state: 'approved', decidedBy: 'person', inserted: true },
    ]);
    catalog.close();
  });

  it('undo takes a decision back exactly, in order, and is itself logged; moves are undone too', () => {
    const { catalog, runId, ids } = seed();
    catalog.keywords.propose([proposal(ids[0], 'statue'), proposal(ids[1], 'statue')]);
    const state = () =>
      ids.slice(0, 3).map(
        (id) =>
          catalog.keywords
            .keywordsOf(id)
            .map((k) => k.state)
            .join() || '-',
      );
    const [approve] = decideKeywords(catalog, { runId, cluster: 0, term: 'statue' }, 'approve', {
      applyToCluster: true,
      client: 'test',
    });
    expect(state()).toEqual(['approved', 'approved', 'approved']);
    const [reject] = decideKeywords(catalog, { runId, photoIds: [ids[1]], term: 'statue' }, 'reject', {
      applyToCluster: false,
      client: 'test',
    });
    expect(state()).toEqual(['approved', 'rejected', 'approved']);
    // The approval cannot be undone while the later rejection on the same photo stands.
    expect(() => undoDecision(catalog, approve.decisionId!, 'test')).toThrow(
      /decision \d+ \(reject AI\|statue\) came later/,
    );
    undoDecision(catalog, reject.decisionId!, 'test');
    expect(state()).toEqual(['approved', 'approved', 'approved']);
    const undo = undoDecision(catalog, approve.decisionId!, 'test');
    // Back to the proposals; the row the approval added to the third photo is gone.
    expect(state()).toEqual(['proposed', 'proposed', '-']);
    expect(undo).toMatchObject({ action: 'undo', undoes: approve.decisionId });
    expect(() => undoDecision(catalog, approve.decisionId!, 'test')).toThrow(/already undone/);
    expect(catalog.decisions.list().map((d) => d.action)).toEqual(['undo', 'undo', 'reject', 'approve']);

    const move = movePhotos(catalog, { runId, photoIds: [ids[0]], toCluster: 1, client: 'test' });
    expect(catalog.clusters.members(runId).get(ids[0])?.cluster).toBe(1);
    undoDecision(catalog, move.id, 'test');
    expect(catalog.clusters.members(runId).get(ids[0])?.cluster).toBe(0);
    expect(() => movePhotos(catalog, { runId, photoIds: [9999], toCluster: 1, client: 'test' })).toThrow(
      /not in run/,
    );
    catalog.close();
  });

  it("the user's own keywords are imported approved, never rejected, and never relabelled as pcc's", () => {
    const { catalog, runId, ids } = seed();
    expect(userKeywordsOf(['holiday', 'Venice', 'beach'], ['Places|Italy|Venice', 'CK|beach'])).toEqual([
      { layer: 'USER', term: 'Venice', path: 'Places|Italy|Venice' },
      { layer: 'CK', term: 'beach', path: 'CK|beach' },
      { layer: 'USER', term: 'holiday', path: 'holiday' },
    ]);
    catalog.keywords.importUserKeywords(ids[0], [{ layer: 'USER', term: 'holiday', path: 'holiday' }]);
    // pcc proposed "dog" (and wrote it): finding it in the sidecar later keeps pcc as its source.
    catalog.keywords.propose([proposal(ids[0], 'dog')]);
    catalog.keywords.importUserKeywords(ids[0], [{ layer: 'AI', term: 'dog', path: 'AI|dog' }]);
    const outcomes = decideKeywords(catalog, { runId, photoIds: [ids[0]] }, 'reject', {
      applyToCluster: false,
      client: 'test',
    });
    expect(outcomes.map((o) => [o.term, o.changed, o.skippedUser])).toEqual([
      ['dog', 1, 0],
      ['holiday', 0, 1],
    ]);
    expect(
      catalog.keywords.keywordsOf(ids[0]).map((k) => `${k.path}:${k.state}:${k.sources[0].source}`),
    ).toEqual(['AI|dog:rejected:caption', 'holiday:approved:user']);
    catalog.close();
  });
});

describe('the AI layer on the stand-in CLIP (shapes only)', () => {
  it('scores caption and concept terms against image vectors: at most max_ai_tags, best first, none under the cut', async () => {
    const dir = tempDir('pcc-ai-');
    const dim = 512;
    const rng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const r = rng(7);
    const data = new Float32Array(3 * dim).map(() => r());
    const imageFile = path.join(dir, 'input-image.f32');
    writeMatrixFile(
      imageFile,
      { photoIds: [1, 2, 3], times: [null, null, null], folders: ['', '', ''], dim },
      matrix(3, dim, data),
    );
    const captionsFile = path.join(dir, 'captions.json');
    fs.writeFileSync(
      captionsFile,
      JSON.stringify({
        1: 'A marble statue in front of a church in Venice on an overcast day.',
        2: 'A dog on a beach.',
      }),
    );
    process.env.PCC_MODELS_DIR = path.join(SHARED, 'models');
    const config = readConfig({
      ...process.env,
      PCC_MODELS_DIR: path.join(SHARED, 'models'),
      PCC_DATA_DIR: dir,
    });
    const base = {
      autoApprove: parseApprovalPolicy(),
      conceptBank: ['reflection', 'graffiti', 'long exposure'],
      cities: ['Venice'],
      aliases: { sculpture: 'statue' },
      tree: [],
    };
    const run = (maxAiTags: number, aiMinScore: number) =>
      proposeAiKeywordsFile(config, {
        runId: 'r',
        imageFile,
        captionsFile,
        keywords: { ...base, maxAiTags, aiMinScore },
        model: 'Xenova/clip-vit-base-patch32',
        dtype: 'fp32',
      });
    const all = await run(100, -1);
    const byPhoto = new Map(all.rows.map((row) => [row.photoId, row.terms]));
    expect(
      byPhoto
        .get(1)!
        .filter((t) => t.sourceKind === 'caption')
        .map((t) => t.term)
        .sort(),
    ).toEqual(['church', 'marble statue', 'overcast', 'statue', 'venice'].sort());
    // No caption: the concept bank only.
    expect(
      byPhoto
        .get(3)!
        .map((t) => t.term)
        .sort(),
    ).toEqual(['graffiti', 'long exposure', 'reflection']);
    for (const terms of byPhoto.values()) {
      const scores = terms.map((t) => t.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      for (const s of scores) expect(Math.abs(s)).toBeLessThanOrEqual(1);
    }
    const capped = await run(2, -1);
    for (const row of capped.rows) expect(row.terms.length).toBeLessThanOrEqual(2);
    const cut = (await run(100, 0)).rows.flatMap((row) => row.terms);
    for (const t of cut) expect(t.score).toBeGreaterThanOrEqual(0);
    expect(cut.length).toBeLessThan(all.rows.flatMap((row) => row.terms).length);
  });
});
