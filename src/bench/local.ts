/**
 * npm run bench:local -- --model Xenova/clip-vit-base-patch32 [--photos 300] [--models-dir DIR]
 * npm run bench:local -- --model onnx-community/Florence-2-base-ft --stand-in [--vision-layers 16]
 *
 * Photos/s of a local model through pcc beside the same model called directly in a loop on the
 * same photos (read, preprocess, run). Two pipeline figures: the model stage (the run that adds
 * the model's output to a library the catalog already holds; the ≥ 0.9× target) and end to end
 * (a library pcc has never seen: the ingest's hashing, ExifTool, decode and thumbnails share the
 * cores with the model, so on a CPU this is bounded by their sum). Image-text embedding models
 * run as `--embed`; caption models as `--backend local`.
 *
 * `--stand-in` builds a random-weight stand-in (src/stand-ins) that does a real model's order of
 * work per photo, so the ratio says how much of the model's own speed the pipeline keeps; the
 * near-free stand-ins of ../shared/models measure only the plumbing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readConfig, PACKAGE_ROOT } from '../config';
import { ensureTemporal } from '../temporal/dev-server';
import { RunClient } from '../temporal/run-client';
import { createWorkers } from '../workers/create-workers';
import { prepareRun, startPreparedRun } from '../temporal/start-run';
import type { RunRequest } from '../runs/run-request';
import { embedImages, type DevicePreference } from '../models/embedder';
import { loadCaptioner } from '../models/captioner';
import { DEFAULT_IMAGE_MODEL, knownModel } from '../models/known-models';
import { writeCostlyClipStandIn } from '../stand-ins/clip';
import { writeFlorence2StandIn } from '../stand-ins/florence2';
import { totalOf } from '../shared/status';
import { makeSyntheticLibrary } from './synthetic-library';

/** A stand-in with a real model's order of work per photo, in a fresh models folder. */
function buildStandIn(id: string, sharedModels: string, layers: number | undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-models-'));
  const model = knownModel(id);
  if (model?.task === 'image-text-embedding') {
    writeCostlyClipStandIn(path.join(sharedModels, ...DEFAULT_IMAGE_MODEL.split('/')), dir, id, layers);
  } else if (model?.family === 'florence2') {
    writeFlorence2StandIn(dir, id, { visionLayers: layers ?? 16 });
  } else {
    throw new Error(`--stand-in builds CLIP-family and Florence-2 stand-ins, not ${id}`);
  }
  return dir;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'Xenova/clip-vit-base-patch32' },
      photos: { type: 'string', default: '300' },
      'models-dir': { type: 'string' },
      'inference-batch': { type: 'string', default: '16' },
      'stand-in': { type: 'boolean', default: false },
      'vision-layers': { type: 'string' },
    },
  });
  const id = values.model as string;
  const model = knownModel(id);
  if (!model) throw new Error(`unknown model ${id}`);
  const sharedModels = path.resolve(
    values['models-dir'] ?? process.env.PCC_MODELS_DIR ?? path.join(PACKAGE_ROOT, '..', 'shared', 'models'),
  );
  const layers = values['vision-layers'] === undefined ? undefined : Number(values['vision-layers']);
  const modelsDir = values['stand-in'] ? buildStandIn(id, sharedModels, layers) : sharedModels;
  const photos = Number(values.photos);
  const batch = Number(values['inference-batch']);
  const libDir = path.join(os.tmpdir(), `pcc-bench-local-lib-${photos}`);
  const files = await makeSyntheticLibrary(libDir, { photos, largeFraction: 0 });
  const device = (process.env.PCC_DEVICE as DevicePreference) || 'auto';
  const options = { modelsDir, dtype: 'fp32' as const, device, log: console.log };

  console.log(`direct loop: ${id} on ${photos} photos …`);
  let start = Date.now();
  if (model.task === 'caption') {
    const captioner = await loadCaptioner(id, options);
    await captioner.generate(await captioner.prepare(files[0])); // warm up
    start = Date.now();
    for (const f of files) await captioner.generate(await captioner.prepare(f));
  } else {
    await embedImages(id, files.slice(0, 2), { ...options, batchSize: 2 }); // load the session first
    start = Date.now();
    await embedImages(id, files, { ...options, batchSize: batch });
  }
  const direct = photos / ((Date.now() - start) / 1000);
  console.log(`  ${direct.toFixed(1)} photos/s (${(1000 / direct).toFixed(0)} ms a photo)`);

  const request = (): RunRequest =>
    model.task === 'caption'
      ? { roots: [libDir], backend: 'local', model: id }
      : {
          roots: [libDir],
          backend: 'mock',
          embed: true,
          embedModel: id,
          textModel: null,
          inferenceBatch: batch,
        };

  // 1. End to end: a library pcc has never seen — scan, hash, ExifTool, decode, thumbnail (and
  //    proxy), catalog, then the model, all on the same cores.
  console.log('pcc pipeline, end to end …');
  const endToEnd = await withPcc(modelsDir, async (run) => run(request()));
  // 2. The model stage: the same library already in the catalog (a mock-captioned ingest run
  //    first, timed apart), then the run that adds the model's output — what `pcc run --embed` or
  //    a local captioner costs on a library pcc holds, against the bare loop over the same photos.
  console.log('pcc pipeline, model stage on an ingested library …');
  const { ingest, stage } = await withPcc(modelsDir, async (run) => ({
    ingest: await run({ roots: [libDir], backend: 'mock' }),
    stage: await run(request()),
  }));
  const perS = (r: { photos: number; seconds: number }) => r.photos / r.seconds;
  console.log(
    `RESULT local model=${id}${values['stand-in'] ? ' stand_in=costly' : ''} photos=${photos} direct_ms_per_photo=${(1000 / direct).toFixed(0)} direct_photos_per_s=${direct.toFixed(2)} model_stage_photos_per_s=${perS(stage).toFixed(2)} model_stage_ratio=${(perS(stage) / direct).toFixed(3)} end_to_end_photos_per_s=${perS(endToEnd).toFixed(2)} end_to_end_ratio=${(perS(endToEnd) / direct).toFixed(3)} ingest_photos_per_s=${perS(ingest).toFixed(2)} main_thread_busy=${stage.mainThreadBusy.toFixed(2)}`,
  );
}

interface TimedRun {
  photos: number;
  seconds: number;
  /** How busy the main thread (io activities, catalog, Temporal dispatch) was while the run ran. */
  mainThreadBusy: number;
}

/** A fresh data folder with its own dev server and io, cpu and gpu workers in this process. */
async function withPcc<T>(
  modelsDir: string,
  body: (run: (request: RunRequest) => Promise<TimedRun>) => Promise<T>,
): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-local-data-'));
  const env = { ...process.env, PCC_DATA_DIR: dataDir, PCC_MODELS_DIR: modelsDir };
  Object.assign(process.env, env);
  const config = readConfig(env);
  const endpoint = await ensureTemporal(config, { log: console.log });
  const group = await createWorkers(config, endpoint, ['io', 'cpu', 'gpu']);
  void group.run();
  const client = await RunClient.connect(endpoint, config);
  try {
    return await body(async (request) => {
      const runConfig = await prepareRun(request);
      const loop = performance.eventLoopUtilization();
      const start = Date.now();
      const { workflowId } = await startPreparedRun(client, runConfig);
      const result = await client.result(workflowId);
      const seconds = (Date.now() - start) / 1000;
      const photos = totalOf(result.byStatus);
      console.log(`  ${(photos / seconds).toFixed(1)} photos/s`, result.byStatus);
      return { photos, seconds, mainThreadBusy: performance.eventLoopUtilization(loop).utilization };
    });
  } finally {
    await group.shutdown();
    await client.close();
    await endpoint.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
