/**
 * npm run bench:pipeline -- --photos 5000 [--large-fraction 0.1] [--dir /tmp/pcc-bench-lib]
 *
 * The mock pipeline end to end (scan + hash, decode, proxy, caption, persist, all through Temporal)
 * beside a bare sharp decode+resize loop over the same files on the same machine.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { readConfig } from '../config';
import { ensureTemporal } from '../temporal/dev-server';
import { RunClient } from '../temporal/run-client';
import { createWorkers } from '../workers/create-workers';
import { buildRunConfig } from '../runs/run-request';
import { mapLimit } from '../activities/context';
import { totalOf } from '../shared/status';
import { makeSyntheticLibrary } from './synthetic-library';

async function bareLoop(files: string[], concurrency: number, longEdge: number): Promise<number> {
  const start = Date.now();
  // Only the size is kept: holding 44,000 decoded buffers (2.4 MB each) ran the machine out of memory.
  await mapLimit(files, concurrency, async (f) => {
    const pixels = await sharp(f)
      .autoOrient()
      .resize({ width: longEdge, height: longEdge, fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer();
    return pixels.length;
  });
  return files.length / ((Date.now() - start) / 1000);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      photos: { type: 'string', default: '5000' },
      'large-fraction': { type: 'string', default: '0.1' },
      dir: { type: 'string' },
      'batch-size': { type: 'string', default: '64' },
      'max-concurrent-batches': { type: 'string', default: '4' },
    },
  });
  const photos = Number(values.photos);
  const libDir = values.dir ?? path.join(os.tmpdir(), `pcc-bench-lib-${photos}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-data-'));
  console.log(`generating ${photos} synthetic JPEGs in ${libDir} …`);
  const files = await makeSyntheticLibrary(libDir, {
    photos,
    largeFraction: Number(values['large-fraction']),
  });
  const decodeConcurrency = Number(process.env.PCC_DECODE_CONCURRENCY) || 4;
  sharp.cache(false);

  // The bare loop gets its best in-flight count (tried on a sample), so the ratio never flatters pcc.
  const sample = files.slice(0, Math.min(files.length, 400));
  let best = { inFlight: decodeConcurrency, rate: 0 };
  for (const inFlight of [2, 4, 8, 16]) {
    const rate = await bareLoop(sample, inFlight, 1024);
    console.log(`  bare loop sample, ${inFlight} in flight: ${rate.toFixed(1)} photos/s`);
    if (rate > best.rate) best = { inFlight, rate };
  }
  console.log(`bare sharp decode+resize loop over all ${files.length} files, ${best.inFlight} in flight …`);
  const bareCpu = process.cpuUsage();
  const bare = await bareLoop(files, best.inFlight, 1024);
  const bareUsage = process.cpuUsage(bareCpu);
  const bareCoreMs = (bareUsage.user + bareUsage.system) / 1000 / files.length;
  console.log(`  ${bare.toFixed(1)} photos/s`);

  const config = readConfig({ ...process.env, PCC_DATA_DIR: dataDir });
  const endpoint = await ensureTemporal(config, { log: console.log });
  const workers = await createWorkers(config, endpoint, ['io', 'cpu']);
  void workers.run();
  const client = await RunClient.connect(endpoint, config);
  const runConfig = buildRunConfig({
    roots: [libDir],
    backend: 'mock',
    batchSize: Number(values['batch-size']),
    maxConcurrentBatches: Number(values['max-concurrent-batches']),
  });
  console.log(
    `pcc pipeline (mock backend, batch ${runConfig.batchSize}, ${runConfig.maxConcurrentBatches} batches in flight) …`,
  );
  const start = Date.now();
  // CPU of this process (workers: main thread, libvips and libuv threads), not of the Temporal
  // server or ExifTool's Perl: where the time goes on a machine with few cores.
  const cpuBefore = process.cpuUsage();
  const { workflowId } = await client.start(runConfig);
  const result = await client.result(workflowId);
  const seconds = (Date.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const done = totalOf(result.byStatus);
  const coreMsPerPhoto = (cpu.user + cpu.system) / 1000 / done;
  const pcc = done / seconds;
  console.log(`  ${done} photos in ${seconds.toFixed(1)} s: ${pcc.toFixed(1)} photos/s`, result.byStatus);

  let maxEvents = 0;
  for await (const wf of client.client.workflow.list({ query: `WorkflowId STARTS_WITH '${workflowId}'` })) {
    maxEvents = Math.max(maxEvents, wf.historyLength);
  }
  await workers.shutdown();
  await client.close();
  await endpoint.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `RESULT pipeline photos=${done} pcc_photos_per_s=${pcc.toFixed(2)} bare_photos_per_s=${bare.toFixed(2)} ratio=${(pcc / bare).toFixed(3)} max_history_events=${maxEvents} pcc_core_ms_per_photo=${coreMsPerPhoto.toFixed(1)} bare_core_ms_per_photo=${bareCoreMs.toFixed(1)}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
