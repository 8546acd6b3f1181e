/**
 * npm run bench:xmp -- --photos 2000
 *
 * Sidecars/s of `pcc xmp --apply` (plan, merge-read, write through exiftool-vendored) beside a bare
 * ExifTool batch (one `exiftool -@ argfile` process, -execute per file) writing the same tags to
 * the same sidecar paths.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Catalog } from '../catalog/catalog';
import { readConfig } from '../config';
import { writeRunSidecars } from '../services/write-sidecars';

import { endExiftool, exiftoolScript } from '../images/exiftool';
import type { RunConfig } from '../shared/payloads';
import { makeSyntheticLibrary } from './synthetic-library';

const TERMS = ['beach', 'family', 'sunset', 'dog', 'mountain', 'city', 'snow', 'party'];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { photos: { type: 'string', default: '2000' } } });
  const photos = Number(values.photos);
  const libDir = path.join(os.tmpdir(), `pcc-bench-xmp-lib-${photos}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-xmp-data-'));
  console.log(`generating ${photos} photos …`);
  const files = await makeSyntheticLibrary(libDir, { photos, largeFraction: 0, perFolder: 250 });
  const clean = () => {
    for (const f of files) fs.rmSync(f.replace(/\.jpg$/, '.xmp'), { force: true });
  };
  clean();

  // A catalog as a finished run leaves it: photos, a work list, captions and keywords.
  const catalog = Catalog.open(dataDir);
  const runId = 'bench-run';
  const config = { roots: [libDir], backend: 'mock', model: 'mock-v1', promptHash: 'bench' } as RunConfig;
  catalog.runs.ensure(runId, 'bench', config);
  const work = catalog.transaction(() =>
    files.map((f, i) => {
      const sha1 = crypto.createHash('sha1').update(fs.readFileSync(f)).digest('hex');
      const photoId = catalog.photos.upsertPhoto({ sha1, size: 1, format: 'jpg', isRaw: false });
      const st = fs.statSync(f);
      catalog.photos.upsertPath(photoId, {
        absPath: f,
        root: libDir,
        relPath: path.relative(libDir, f),
        size: st.size,
        mtimeMs: Math.trunc(st.mtimeMs),
      });
      catalog.results.upsert({
        photoId,
        stage: 'caption',
        key: { backend: 'mock', model: 'mock-v1', promptHash: 'bench' },
        status: 'success',
        output: `Caption number ${i}.`,
        runId,
      });
      const proposal = (layer: 'CK' | 'AI', term: string) =>
        ({ photoId, layer, term, source: 'bench', sourceKind: 'heuristic', state: 'approved' }) as const;
      catalog.keywords.propose([
        proposal('CK', TERMS[i % 8]),
        proposal('CK', TERMS[(i + 3) % 8]),
        proposal('AI', TERMS[(i + 5) % 8]),
      ]);
      return { photoId, absPath: f, relPath: path.relative(libDir, f) };
    }),
  );
  catalog.runs.setWorkList(runId, work);

  console.log('pcc xmp --apply …');
  let start = Date.now();
  const result = await writeRunSidecars(
    { catalog: () => catalog, config: readConfig({ ...process.env, PCC_DATA_DIR: dataDir }) },
    { runId, naming: 'photo.xmp' },
  );
  const pccSeconds = (Date.now() - start) / 1000;
  await endExiftool();
  if (result.written !== files.length)
    throw new Error(
      `pcc wrote ${result.written} of ${files.length}: ${JSON.stringify(result.errors.slice(0, 3))}`,
    );
  const pccRate = files.length / pccSeconds;
  console.log(`  ${result.written} sidecars in ${pccSeconds.toFixed(1)} s: ${pccRate.toFixed(1)}/s`);

  clean();
  const argfile = path.join(dataDir, 'args.txt');
  const lines: string[] = [];
  files.forEach((f, i) => {
    const ck = [TERMS[i % 8], TERMS[(i + 3) % 8]];
    const ai = TERMS[(i + 5) % 8];
    for (const t of [...ck, ai]) lines.push(`-XMP-dc:Subject=${t}`);
    for (const t of ck) lines.push(`-XMP-lr:HierarchicalSubject=CK|${t}`);
    lines.push(
      `-XMP-lr:HierarchicalSubject=AI|${ai}`,
      `-XMP-dc:Description=Caption number ${i}.`,
      '-overwrite_original',
    );
    lines.push(f.replace(/\.jpg$/, '.xmp'), '-execute');
  });
  fs.writeFileSync(argfile, `${lines.join('\n')}\n`);
  console.log('bare exiftool batch …');
  start = Date.now();
  const bare = spawnSync('perl', [exiftoolScript(), '-q', '-@', argfile], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const bareSeconds = (Date.now() - start) / 1000;
  if (bare.status !== 0) throw new Error(`exiftool exited ${bare.status}`);
  const bareRate = files.length / bareSeconds;
  console.log(`  ${files.length} sidecars in ${bareSeconds.toFixed(1)} s: ${bareRate.toFixed(1)}/s`);
  clean();
  catalog.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `RESULT xmp photos=${files.length} pcc_per_s=${pccRate.toFixed(2)} exiftool_per_s=${bareRate.toFixed(2)} ratio=${(pccRate / bareRate).toFixed(3)}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
