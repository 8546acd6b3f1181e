import type { Command } from 'commander';
import { asUsageError, cliConfig, UsageError, withCatalog } from '../context';
import { formatSeconds } from '../progress';
import { buildRunConfig, RunRequestError } from '../../runs/run-request';
import { getBackend } from '../../backends/registry';
import {
  ASSUMED_PHOTOS_PER_CLUSTER,
  estimateRun,
  estimateVision,
  type VisionEstimate,
} from '../../library/estimate';
import { visionPrompt } from '../../backends/backend';
import { DEFAULT_API_RPS } from '../../workers/create-workers';

interface EstimateOptions {
  backend: string;
  model?: string;
  prompt?: string;
  maxEdge: string;
  maxWorkers: string;
  rps?: string;
  latency: string;
  include: string[];
  exclude: string[];
  localOnly: string[];
  visionBackend?: string;
  visionModel?: string;
  clusters?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerEstimate(program: Command): void {
  program
    .command('estimate')
    .description('photos remaining, tokens, cost and time of a run — without calling any API')
    .argument('<dirs...>', 'library folders')
    .option('--backend <name>', 'caption backend', 'openai')
    .option('--model <id>', 'model id (default: the backend default)')
    .option('--prompt <text>', 'caption prompt')
    .option('--max-edge <px>', 'long edge sent to the model', '1024')
    .option('--max-workers <n>', 'requests in flight across all workers', '8')
    .option('--rps <n>', 'queue rate limit in requests/s')
    .option('--latency <s>', 'assumed seconds per request', '3')
    .option('--include <glob>', 'only files matching this glob; repeatable', collect, [])
    .option('--exclude <glob>', 'skip files matching this glob; repeatable', collect, [])
    .option('--local-only <glob>', 'never sent to a cloud model (not billed); repeatable', collect, [])
    .option('--vision-backend <name>', 'also price vision tags: one request per cluster medoid')
    .option('--vision-model <id>', 'model of the vision backend (default: its default)')
    .option(
      '--clusters <n>',
      'clusters to expect (default: the last clustering of these folders, or one per 15 photos)',
    )
    .option('--json', 'machine-readable output')
    .action(async (dirs: string[], opts: EstimateOptions) => {
      const config = cliConfig();
      let runConfig;
      try {
        // Validation only: an estimate needs no key, so the key check is skipped.
        runConfig = buildRunConfig(
          {
            roots: dirs,
            backend: 'mock',
            model: opts.model,
            prompt: opts.prompt,
            include: opts.include,
            exclude: opts.exclude,
          },
          process.env,
        );
        getBackend(opts.backend);
      } catch (err) {
        if (err instanceof RunRequestError || (err as Error).name === 'UnknownBackendError')
          throw new UsageError((err as Error).message);
        throw err;
      }
      const backend = getBackend(opts.backend);
      const model = opts.model ?? backend.defaultModel;
      const rps = opts.rps
        ? Number(opts.rps)
        : backend.queue.startsWith('api-')
          ? DEFAULT_API_RPS
          : undefined;
      const estimate = await withCatalog(config, (catalog) =>
        estimateRun(catalog, {
          roots: runConfig.roots,
          include: opts.include,
          exclude: opts.exclude,
          localOnly: opts.localOnly,
          backend,
          model,
          prompt: runConfig.prompt,
          promptHash: runConfig.promptHash,
          maxEdge: Number(opts.maxEdge),
          concurrency: Number(opts.maxWorkers),
          rps,
          latencySeconds: Number(opts.latency),
        }),
      );
      let vision: VisionEstimate | undefined;
      if (opts.visionBackend) {
        const visionBackend = asUsageError(() => getBackend(opts.visionBackend!));
        if (!visionBackend.tag)
          throw new UsageError(`--vision-backend ${visionBackend.name} cannot tag photos`);
        const given = opts.clusters === undefined ? undefined : Number(opts.clusters);
        if (given !== undefined && !(Number.isInteger(given) && given >= 0))
          throw new UsageError(`--clusters must be a whole number, got "${opts.clusters}"`);
        const last = await withCatalog(config, (catalog) => {
          const run = catalog.runs.latestRun((r) => r.config.roots.join('\n') === runConfig.roots.join('\n'));
          return run ? catalog.clusters.clusteringOf(run.id)?.clusterCount : undefined;
        });
        const clusters = given ?? last ?? Math.ceil(estimate.photos / ASSUMED_PHOTOS_PER_CLUSTER);
        vision = estimateVision({
          backend: visionBackend,
          model: opts.visionModel ?? visionBackend.defaultModel,
          maxEdge: Number(opts.maxEdge),
          prompt: visionPrompt([], 10),
          clusters,
          clustersFrom: given !== undefined ? 'given' : last !== undefined ? 'last clustering' : 'assumed',
        });
      }
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ backend: backend.name, model, ...estimate, ...(vision ? { vision } : {}) }, null, 2)}\n`,
        );
        return;
      }
      const usd = (v: number | undefined) =>
        v === undefined ? 'unknown (no price in data/pricing.json)' : `$${v.toFixed(2)}`;
      process.stdout.write(
        [
          `Estimate for ${backend.name} / ${model} (no API called)`,
          `  photos ${estimate.photos}: done ${estimate.done}, remaining ${estimate.remaining}` +
            (estimate.keptLocal ? ` (${estimate.keptLocal} local-only, not sent)` : ''),
          `  tokens: input ${estimate.inputTokens.toLocaleString('en')} · output ${estimate.outputTokens.toLocaleString('en')} (estimated)`,
          `  cost: input ${usd(estimate.inputUsd)} + output ${usd(estimate.outputUsd)} = ${usd(estimate.totalUsd)}` +
            (estimate.priceAsOf ? ` (prices as of ${estimate.priceAsOf})` : ''),
          `  time: ${formatSeconds(estimate.seconds)} at ${estimate.photosPerSecond.toFixed(1)} photos/s ` +
            `(${opts.maxWorkers} in flight, ${opts.latency} s/request${rps ? `, ≤ ${rps}/s` : ''})`,
          ...(vision
            ? [
                `  vision tags (${opts.visionBackend} / ${opts.visionModel ?? getBackend(opts.visionBackend!).defaultModel}): ` +
                  `${vision.requests} medoid requests (${vision.clustersFrom === 'assumed' ? `assumed one cluster per ${ASSUMED_PHOTOS_PER_CLUSTER} photos; --clusters sets it` : `clusters ${vision.clustersFrom}`}), ` +
                  `at most ${usd(vision.totalUsd)}; private clusters are never sent`,
              ]
            : []),
        ].join('\n') + '\n',
      );
    });
}
