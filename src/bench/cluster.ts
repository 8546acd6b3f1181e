/**
 * npm run bench:cluster -- --points 44000 [--dim 512] [--clusters 40] [--noise 0.1]
 *   [--min-cluster-size 50] [--seed 42] [--skip-reference] [--python python3]
 *
 * pcc's default clustering (PCA → kNN → UMAP → HDBSCAN, `clusterVectors`) beside the Python
 * reference (umap-learn + hdbscan, bench/cluster_reference.py) on the same seeded synthetic
 * embeddings. Each side runs in its own process so wall time and peak RSS are its own; both
 * exclude data generation and imports. Quality is the adjusted Rand index against the known groups
 * (noise −1 counts as one more label) and between the two labelings.
 *
 * The reference runs from the venv `.tools/cluster-ref`, created here on first use with
 * `--python -m venv` and `pip install umap-learn hdbscan`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../config';
import { adjustedRandIndex } from '../clustering/ari';
import { clusterVectors, DEFAULT_CLUSTER_PARAMS, type ClusterParams } from '../clustering/cluster';
import { matrix } from '../clustering/matrix';
import { syntheticEmbeddings } from '../clustering/synthetic';

const VENV_DIR = path.join(PACKAGE_ROOT, '.tools', 'cluster-ref');
const VENV_PYTHON = path.join(VENV_DIR, 'bin', 'python');
const REFERENCE_SCRIPT = path.join(PACKAGE_ROOT, 'bench', 'cluster_reference.py');
const PCC_STAGES = ['pca', 'knn', 'umap', 'hdbscan'];

/** What the child process reports on its last stdout line. */
interface PccReport {
  seconds: number;
  peakMb: number;
  clusters: number;
  timings: Record<string, number>;
}

/** What bench/cluster_reference.py prints. */
interface ReferenceReport {
  umap_s: number;
  hdbscan_s: number;
  total_s: number;
  import_s: number;
  warmup_s: number;
  peak_mb: number;
  clusters: number;
  noise: number;
}

function intOption(values: Record<string, string | boolean | undefined>, name: string): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${values[name]}`);
  return n;
}

function pccParams(minClusterSize: number, seed: number): ClusterParams {
  return { ...DEFAULT_CLUSTER_PARAMS, minClusterSize, seed };
}

/** The last stdout line that parses as a JSON object (libraries may print before it). */
function lastJsonLine(stdout: string, who: string): unknown {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.trim().startsWith('{')) continue;
    try {
      return JSON.parse(line) as unknown;
    } catch {
      // not ours; keep looking
    }
  }
  throw new Error(`${who} printed no JSON report; stdout was:\n${stdout}`);
}

function noiseCount(labels: Int32Array): number {
  let n = 0;
  for (const l of labels) if (l < 0) n++;
  return n;
}

function clusterCount(labels: Int32Array): number {
  return new Set(Array.from(labels).filter((l) => l >= 0)).size;
}

// ---------------------------------------------------------------------------------------------
// Child: cluster the vectors in --input and report time, peak memory and labels.

function runChild(values: Record<string, string | boolean | undefined>): void {
  const input = values.input;
  const output = values.output;
  if (typeof input !== 'string' || typeof output !== 'string')
    throw new Error('--child needs --input and --output');
  const dim = intOption(values, 'dim');
  const buf = fs.readFileSync(input);
  const aligned = buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
  const data = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
  if (data.length % dim !== 0) throw new Error(`${input}: ${data.length} floats is not a multiple of ${dim}`);
  const vectors = matrix(data.length / dim, dim, data);
  const params = pccParams(intOption(values, 'min-cluster-size'), intOption(values, 'seed'));
  const t0 = performance.now();
  const result = clusterVectors({ vectors }, params);
  const seconds = (performance.now() - t0) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  fs.writeFileSync(
    output,
    new Uint8Array(result.labels.buffer, result.labels.byteOffset, result.labels.byteLength),
  );
  const report: PccReport = { seconds, peakMb, clusters: result.clusterCount, timings: result.timings };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Parent.

function runPcc(
  vectorsFile: string,
  labelsFile: string,
  dim: number,
  minClusterSize: number,
  seed: number,
): { report: PccReport; labels: Int32Array } {
  const args = [
    ...process.execArgv,
    __filename,
    '--child',
    '--input',
    vectorsFile,
    '--output',
    labelsFile,
    '--dim',
    String(dim),
    '--min-cluster-size',
    String(minClusterSize),
    '--seed',
    String(seed),
  ];
  const child = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`pcc child exited ${child.status ?? child.signal}`);
  const report = lastJsonLine(child.stdout, 'pcc child') as PccReport;
  const buf = fs.readFileSync(labelsFile);
  const labels = new Int32Array(buf.byteLength / 4);
  new Uint8Array(labels.buffer).set(buf);
  return { report, labels };
}

function manualInstallHint(python: string): string {
  return [
    'Install the reference by hand:',
    `  ${python} -m venv ${VENV_DIR}`,
    `  ${VENV_PYTHON} -m pip install umap-learn hdbscan`,
    'or run with --skip-reference.',
  ].join('\n');
}

/** Creates .tools/cluster-ref when it is missing; a failed attempt is removed so the next run retries. */
function ensureReferenceVenv(python: string): void {
  if (fs.existsSync(VENV_PYTHON)) return;
  const step = (what: string, cmd: string, args: string[]) => {
    console.log(`${what}: ${cmd} ${args.join(' ')}`);
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.error || r.status !== 0) {
      fs.rmSync(VENV_DIR, { recursive: true, force: true });
      const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
      throw new Error(`${what} failed (${why}).\n${manualInstallHint(python)}`);
    }
  };
  console.log(`reference venv ${path.relative(PACKAGE_ROOT, VENV_DIR)} is missing; creating it …`);
  fs.mkdirSync(path.dirname(VENV_DIR), { recursive: true });
  step('creating venv', python, ['-m', 'venv', VENV_DIR]);
  step('installing umap-learn and hdbscan', VENV_PYTHON, ['-m', 'pip', 'install', 'umap-learn', 'hdbscan']);
}

function runReference(
  vectorsFile: string,
  labelsFile: string,
  dim: number,
  minClusterSize: number,
  python: string,
): { report: ReferenceReport; labels: Int32Array; processSeconds: number } {
  const args = [
    REFERENCE_SCRIPT,
    '--input',
    vectorsFile,
    '--dim',
    String(dim),
    '--output',
    labelsFile,
    '--n-neighbors',
    String(DEFAULT_CLUSTER_PARAMS.nNeighbors),
    '--n-components',
    String(DEFAULT_CLUSTER_PARAMS.nComponents),
    '--min-cluster-size',
    String(minClusterSize),
  ];
  const t0 = performance.now();
  const child = spawnSync(VENV_PYTHON, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const processSeconds = (performance.now() - t0) / 1000;
  if (child.error) throw child.error;
  if (child.status !== 0)
    throw new Error(`reference exited ${child.status ?? child.signal}.\n${manualInstallHint(python)}`);
  const report = lastJsonLine(child.stdout, 'reference') as ReferenceReport;
  const labels = Int32Array.from(
    fs
      .readFileSync(labelsFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number),
  );
  return { report, labels, processSeconds };
}

const s1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'NaN');
const s3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'NaN');

function table(rows: [string, string, string][]): void {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const w2 = Math.max(...rows.map((r) => r[2].length));
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c.padStart(w2)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      points: { type: 'string', default: '44000' },
      dim: { type: 'string', default: '512' },
      clusters: { type: 'string', default: '40' },
      noise: { type: 'string', default: '0.1' },
      'min-cluster-size': { type: 'string', default: '50' },
      seed: { type: 'string', default: '42' },
      'skip-reference': { type: 'boolean', default: false },
      python: { type: 'string', default: 'python3' },
      // Internal: the child process that runs pcc's side.
      child: { type: 'boolean', default: false },
      input: { type: 'string' },
      output: { type: 'string' },
    },
  });
  if (values.child) return runChild(values);
  if (os.endianness() !== 'LE') throw new Error('the float32 exchange file assumes a little-endian machine');

  const points = intOption(values, 'points');
  const dim = intOption(values, 'dim');
  const clusters = intOption(values, 'clusters');
  const minClusterSize = intOption(values, 'min-cluster-size');
  const seed = intOption(values, 'seed');
  const noise = Number(values.noise);
  if (!(noise >= 0 && noise < 1)) throw new Error(`--noise must be in [0, 1), got ${values.noise}`);
  const python = values.python as string;
  const skipReference = values['skip-reference'] === true;
  if (!skipReference) ensureReferenceVenv(python);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-cluster-'));
  try {
    console.log(
      `generating ${points} × ${dim} embeddings: ${clusters} groups, ${noise * 100}% noise, seed ${seed} …`,
    );
    let t0 = performance.now();
    const { vectors, truth } = syntheticEmbeddings({ points, dim, clusters, noise, seed });
    const vectorsFile = path.join(dir, 'vectors.f32');
    fs.writeFileSync(
      vectorsFile,
      new Uint8Array(vectors.data.buffer, vectors.data.byteOffset, vectors.data.byteLength),
    );
    fs.writeFileSync(
      path.join(dir, 'truth.i32'),
      new Uint8Array(truth.buffer, truth.byteOffset, truth.byteLength),
    );
    console.log(`  ${s1((performance.now() - t0) / 1000)} s, ${noiseCount(truth)} noise points`);

    console.log(`pcc (umap-hdbscan, min cluster size ${minClusterSize}, seed ${seed}) in a child process …`);
    const pcc = runPcc(vectorsFile, path.join(dir, 'pcc-labels.i32'), dim, minClusterSize, seed);
    console.log(`  ${s1(pcc.report.seconds)} s`);

    let ref: ReturnType<typeof runReference> | undefined;
    if (skipReference) {
      console.log('reference skipped (--skip-reference)');
    } else {
      console.log(
        `reference (umap-learn + hdbscan, min cluster size ${minClusterSize}) without --seed: ` +
          'umap-learn runs multi-threaded and unseeded, its fastest mode; an untimed warm-up fit on ' +
          '2000 rows first, so numba compilation is not counted …',
      );
      t0 = performance.now();
      ref = runReference(vectorsFile, path.join(dir, 'reference-labels.txt'), dim, minClusterSize, python);
      if (ref.labels.length !== points)
        throw new Error(`reference wrote ${ref.labels.length} labels for ${points} points`);
      console.log(
        `  ${s1(ref.report.total_s)} s fit (process ${s1(ref.processSeconds)} s, imports ${s1(ref.report.import_s)} s, warm-up ${s1(ref.report.warmup_s)} s)`,
      );
    }

    const ariPcc = adjustedRandIndex(truth, pcc.labels);
    const ariRef = ref ? adjustedRandIndex(truth, ref.labels) : NaN;
    const ariBetween = ref ? adjustedRandIndex(pcc.labels, ref.labels) : NaN;
    const t = pcc.report.timings;
    const dash = '–';
    const rows: [string, string, string][] = [
      ['', 'pcc', 'reference'],
      ...PCC_STAGES.map((stage): [string, string, string] => [
        `${stage} s`,
        t[stage] === undefined ? dash : s1(t[stage]),
        !ref
          ? dash
          : stage === 'umap'
            ? s1(ref.report.umap_s)
            : stage === 'hdbscan'
              ? s1(ref.report.hdbscan_s)
              : dash,
      ]),
      ['total s', s1(pcc.report.seconds), ref ? s1(ref.report.total_s) : dash],
      ['clusters', String(clusterCount(pcc.labels)), ref ? String(clusterCount(ref.labels)) : dash],
      ['noise points', String(noiseCount(pcc.labels)), ref ? String(noiseCount(ref.labels)) : dash],
      ['peak MB', pcc.report.peakMb.toFixed(0), ref ? ref.report.peak_mb.toFixed(0) : dash],
      ['ARI vs truth', s3(ariPcc), ref ? s3(ariRef) : dash],
    ];
    console.log(
      `truth: ${clusters} groups, ${noiseCount(truth)} noise points; reference umap includes its kNN`,
    );
    table(rows);
    if (ref) console.log(`  ARI pcc vs reference: ${s3(ariBetween)}`);

    const refSeconds = ref ? ref.report.total_s : NaN;
    console.log(
      `RESULT cluster points=${points} pcc_s=${s1(pcc.report.seconds)} reference_s=${s1(refSeconds)} ` +
        `speedup=${Number.isFinite(refSeconds) ? (refSeconds / pcc.report.seconds).toFixed(2) : 'NaN'} ` +
        `pcc_peak_mb=${pcc.report.peakMb.toFixed(0)} ari_pcc=${s3(ariPcc)} ari_reference=${s3(ariRef)} ` +
        `ari_between=${s3(ariBetween)}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
