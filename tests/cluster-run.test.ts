/**
 * Clustering end to end on the labelled clothing photos (folder = label) with the stand-in models:
 * `pcc run --cluster --vocabulary` captions, embeds, clusters, scores and writes the reports, and
 * `pcc report` writes them again (or re-clusters in another mode). Quality is not asserted (the
 * stand-in weights are random); completeness and file formats are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { SHARED, listFiles, tempDir } from './helpers/fixtures';
import { killHard, runPcc, startTestServer, testEnv, type Proc } from './helpers/processes';

const CLOTHING = path.join(SHARED, 'photos', 'labeled', 'clothing');
const MODELS = path.join(SHARED, 'models');

function readCsv(file: string): Array<Record<string, string>> {
  return parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
}

describe('clustering a labelled library end to end', () => {
  let server: TemporalEndpoint;
  const procs: Proc[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    procs.forEach(killHard);
    await server?.stop();
  });

  it('pcc run --cluster writes reports with every photo exactly once; pcc report rewrites and re-clusters', async () => {
    const photos = listFiles(CLOTHING)
      .map((f) => path.relative(CLOTHING, f).split(path.sep).join('/'))
      .sort();
    const folders = [...new Set(photos.map((p) => p.split('/')[0]))].sort();
    const { env, dataDir } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: MODELS });
    const work = tempDir('pcc-cluster-');
    const vocabulary = path.join(work, 'clothing.yaml');
    fs.writeFileSync(
      vocabulary,
      `labels:\n${folders.map((f) => `  - ${f.toUpperCase()}\n`).join('')}  - dress\n`,
    );
    const runDir = path.join(work, 'run-reports');
    const out = await runPcc(
      [
        'run',
        CLOTHING,
        '--cluster',
        '--vocabulary',
        vocabulary,
        '--min-cluster-size',
        '5',
        '--report-dir',
        runDir,
      ],
      env,
    );
    expect(out).toMatch(/Clusters: \d+ groups, \d+ photos unclustered · \d+ captioned, 0 errors/);

    // The run's history shows the stages on their queues: vectors staged and reports written by
    // io, clustering and vocabulary scoring on pcc-cpu.
    const workflowId = /Started run (pcc-run-\S+)/.exec(out)![1];
    const connection = await Connection.connect({ address: server.address });
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    await connection.close();
    const scheduled = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a !== null && a !== undefined)
      .map((a) => `${a.activityType?.name}@${a.taskQueue?.name}`);
    expect(scheduled).toEqual(
      expect.arrayContaining([
        'stageClusterInput@pcc-io',
        'clusterLibrary@pcc-cpu',
        'scoreVocabulary@pcc-cpu',
        'writeReports@pcc-io',
      ]),
    );

    const exported = readCsv(path.join(runDir, 'cluster_export.csv'));
    expect(exported.map((r) => r.rel_path).sort()).toEqual(photos);
    for (const r of exported) {
      expect(Number(r.cluster_id)).toBeGreaterThanOrEqual(-1);
      // A distance for every grouped photo, none for the unclustered.
      if (Number(r.cluster_id) >= 0) expect(Number(r.distance_to_centroid)).toBeGreaterThanOrEqual(0);
      expect(r.distance_to_centroid === '').toBe(Number(r.cluster_id) < 0);
      expect(r.caption).not.toBe('');
    }
    // The staged vectors and labels are gone once the catalog has them.
    expect(fs.readdirSync(path.join(dataDir, 'staging', 'clusters'))).toEqual([]);
    const md = fs.readFileSync(path.join(runDir, 'cluster_report.md'), 'utf8');
    expect(md).toContain(`${photos.length} captioned, 0 errors, 0 vocabulary fallbacks`);
    const sizes = [...md.matchAll(/ — (\d+) photos/g)].map((m) => Number(m[1]));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(photos.length);
    expect(sizes.slice(0, -1)).toEqual([...sizes.slice(0, -1)].sort((a, b) => b - a)); // largest first

    const medoids = readCsv(path.join(runDir, 'folder_medoids.csv'));
    expect(medoids.map((m) => m.folder)).toEqual(folders);
    for (const m of medoids) expect(m.medoid_rel_path.startsWith(`${m.folder}/`)).toBe(true);

    const scores = readCsv(path.join(runDir, 'vocabulary_scores.csv'));
    expect(scores.map((s) => s.rel_path).sort()).toEqual(photos);
    for (const s of scores) {
      expect(folders).toContain(s.top1);
      expect(s.top5_labels.split('|')).toHaveLength(5);
      const p = s.top5_scores.split('|').map(Number);
      expect(p).toEqual([...p].sort((a, b) => b - a));
      for (const label of s.approved_labels.split('|').filter(Boolean)) expect(folders).toContain(label);
      expect(s.model_name).toBe('Xenova/clip-vit-base-patch32');
    }

    // The same reports again from the catalog, into another folder.
    const again = path.join(work, 'again');
    await runPcc(['report', '--out', again], env);
    expect(fs.readFileSync(path.join(again, 'cluster_export.csv'), 'utf8')).toBe(
      fs.readFileSync(path.join(runDir, 'cluster_export.csv'), 'utf8'),
    );

    // Another mode from the same embeddings, without running the pipeline again.
    const windowed = path.join(work, 'windowed');
    const log = await runPcc(
      ['report', '--out', windowed, '--cluster-mode', 'time-window', '--cluster-threshold', '0.95'],
      env,
    );
    expect(log).toContain(`clustering ${photos.length} photos (time-window on image embeddings)`);
    expect(
      readCsv(path.join(windowed, 'cluster_export.csv'))
        .map((r) => r.rel_path)
        .sort(),
    ).toEqual(photos);

    expect(await runPcc(['stats'], env)).toMatch(
      /Clusters of run pcc-run-\S+: \d+ groups, \d+ unclustered \(image embeddings/,
    );

    const refused = await runPcc(['report', '--run', 'no-such-run'], env, 2);
    expect(refused).toMatch(/no run no-such-run in the catalog/);
  });

  it('a top-up run and a repeated run both report the whole library, not only their new photos', async () => {
    const lib = tempDir('pcc-topup-');
    const folders = fs.readdirSync(CLOTHING).sort().slice(0, 2);
    const all: string[] = [];
    for (const f of folders) {
      fs.mkdirSync(path.join(lib, f));
      for (const name of fs.readdirSync(path.join(CLOTHING, f)).sort().slice(0, 12)) all.push(`${f}/${name}`);
    }
    const held = all.slice(-3);
    for (const rel of all.filter((r) => !held.includes(r)))
      fs.copyFileSync(path.join(CLOTHING, rel), path.join(lib, rel));
    const { env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_MODELS_DIR: MODELS });
    const reports = (dir: string) =>
      readCsv(path.join(dir, 'cluster_export.csv'))
        .map((r) => r.rel_path)
        .sort();
    const out = tempDir('pcc-topup-reports-');
    await runPcc(['run', lib, '--cluster', '--report-dir', path.join(out, 'first')], env);
    expect(reports(path.join(out, 'first'))).toEqual(all.filter((r) => !held.includes(r)).sort());

    for (const rel of held) fs.copyFileSync(path.join(CLOTHING, rel), path.join(lib, rel));
    const topUp = await runPcc(['run', lib, '--cluster', '--report-dir', path.join(out, 'topup')], env);
    expect(topUp).toMatch(/completed in .*: 3 photos/);
    expect(reports(path.join(out, 'topup'))).toEqual([...all].sort());

    const repeat = await runPcc(['run', lib, '--cluster', '--report-dir', path.join(out, 'repeat')], env);
    expect(repeat).toMatch(/completed in .*: 0 photos/);
    expect(reports(path.join(out, 'repeat'))).toEqual([...all].sort());
    // The run's effective settings are frozen beside its results.
    const frozen = JSON.parse(fs.readFileSync(path.join(out, 'repeat', 'config.json'), 'utf8'));
    expect(frozen.settings.roots).toEqual([lib]);
    expect(frozen.clustering.autoMinClusterSize).toBe(true);
    expect(fs.readFileSync(path.join(out, 'repeat', 'cluster_report.md'), 'utf8')).toMatch(
      /min cluster size 3 \(adapted to the library\)/,
    );
  });
});
