/**
 * npm run bench:api -- --latency 800ms --workers 8 [--photos 200]
 *
 * Cloud captioning throughput through the whole pipeline (Temporal, per-photo activities, the
 * OpenAI SDK) against the loopback fake provider with a fixed latency, beside the ideal
 * workers / latency.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readConfig } from '../config';
import { ensureTemporal } from '../temporal/dev-server';
import { RunClient } from '../temporal/run-client';
import { createWorkers } from '../workers/create-workers';
import { prepareRun, startPreparedRun } from '../temporal/start-run';
import { FakeProviderServer } from '../fakes/provider-server';
import { makeSyntheticLibrary } from './synthetic-library';

function parseMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  if (!m) throw new Error(`--latency takes e.g. 800ms or 0.8s, got "${value}"`);
  return m[2] === 's' ? Number(m[1]) * 1000 : Number(m[1]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      latency: { type: 'string', default: '800ms' },
      workers: { type: 'string', default: '8' },
      photos: { type: 'string' },
    },
  });
  const latencyMs = parseMs(values.latency);
  const workers = Number(values.workers);
  const ideal = workers / (latencyMs / 1000);
  const photos = Number(values.photos ?? Math.max(100, Math.round(ideal * 25)));
  const libDir = path.join(os.tmpdir(), `pcc-bench-api-lib-${photos}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-api-data-'));
  console.log(`generating ${photos} synthetic 1024×768 JPEGs …`);
  await makeSyntheticLibrary(libDir, { photos, largeFraction: 0 });

  const fake = await new FakeProviderServer().start();
  fake.latencyMs = latencyMs;
  const env = {
    ...process.env,
    PCC_DATA_DIR: dataDir,
    OPENAI_API_KEY: 'sk-test-key',
    OPENAI_BASE_URL: `${fake.url}/v1`,
  };
  Object.assign(process.env, env);
  const config = readConfig(env);
  const endpoint = await ensureTemporal(config, { log: console.log });
  const group = await createWorkers(config, endpoint, ['io', 'api-openai'], {
    tuning: { 'api-openai': { maxWorkers: workers, rps: 10_000 } },
  });
  void group.run();
  const client = await RunClient.connect(endpoint, config);
  // Enough photos in flight to keep every worker slot busy.
  const runConfig = await prepareRun({
    roots: [libDir],
    backend: 'openai',
    batchSize: Math.max(16, workers * 2),
    maxConcurrentBatches: 4,
  });
  console.log(`captioning through the fake provider: ${latencyMs} ms per request, ${workers} workers …`);
  const { workflowId } = await startPreparedRun(client, runConfig);
  const result = await client.result(workflowId);
  const requests = fake.captionRequests().map((r) => r.at);
  const seconds = (Math.max(...requests) + latencyMs - Math.min(...requests)) / 1000;
  const rate = requests.length / seconds;
  console.log(
    `  ${result.byStatus.success} captioned, ${requests.length} requests in ${seconds.toFixed(1)} s (whole run ${result.seconds.toFixed(1)} s)`,
  );
  await group.shutdown();
  await client.close();
  await endpoint.stop();
  await fake.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `RESULT api workers=${workers} latency_ms=${latencyMs} photos_per_s=${rate.toFixed(2)} ideal_per_s=${ideal.toFixed(2)} ratio=${(rate / ideal).toFixed(3)}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
