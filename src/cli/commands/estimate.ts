import type { Command } from 'commander';
import { cliConfig, UsageError, withCatalog } from '../context';
import { formatSeconds } from '../progress';
import { buildRunConfig, RunRequestError } from '../../runs/run-request';
import { getBackend } from '../../backends/registry';
import { estimateRun } from '../../library/estimate';
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
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ backend: backend.name, model, ...estimate }, null, 2)}\n`);
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
        ].join('\n') + '\n',
      );
    });
}
