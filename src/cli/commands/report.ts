import path from 'node:path';
import type { Command } from 'commander';
import { cliConfig, info, UsageError, withCatalog } from '../context';
import { addRunFlags, isReportFlag, requestFromFlags } from '../run-flags';
import { clusterLibraryInProcess } from '../../services/cluster-library';
import type { Catalog } from '../../catalog/catalog';
import type { Run } from '../../catalog/runs.repository';
import { writeReportFiles } from '../../reports/cluster-reports';
import type { RunConfig } from '../../shared/payloads';
import { buildClusterSettings, RunRequestError, type RunRequest } from '../../runs/run-request';
import { withSettings } from '../../tags/vocabulary';

interface ReportOptions extends Record<string, unknown> {
  run?: string;
  out?: string;
  recluster?: boolean;
  clusterMode?: string;
  vocabulary?: string;
  topK?: string;
  tagThreshold?: string;
  template?: string;
}

function pickRun(catalog: Catalog, id: string | undefined): { run: Run; config: RunConfig } {
  const run = id ? catalog.runs.run(id) : catalog.runs.latestRun();
  if (!run)
    throw new UsageError(
      id
        ? `no run ${id} in the catalog (see \`pcc runs\`)`
        : 'no run yet: start one with `pcc run <dir> --cluster`',
    );
  return { run, config: run.config };
}

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description(
      'cluster_export.csv, cluster_report.md, folder_medoids.csv (and vocabulary_scores.csv) for a run; clusters it first when needed',
    )
    .option('--run <id>', 'run id or workflow id (default: the latest run)')
    .option('--out <dir>', 'output folder (default: the current folder)')
    .option('--recluster', 'cluster again even when the run already has clusters');
  addRunFlags(command, isReportFlag).action(async (opts: ReportOptions) => {
    const config = cliConfig();
    const outDir = path.resolve(opts.out ?? '.');
    const summary = await withCatalog(config, async (catalog) => {
      const { run, config: runConfig } = pickRun(catalog, opts.run);
      const clustered = catalog.clusters.clustering(run.id);
      const flags = requestFromFlags(opts, isReportFlag);
      const asked = Object.keys(flags).length > 0;
      if (!clustered || opts.recluster || asked) {
        if (!runConfig.embed) {
          throw new UsageError(
            `run ${run.id} has no embeddings to cluster: run \`pcc run <dir> --cluster\` (or --embed) first`,
          );
        }
        // What the run asked for stays unless overridden; its group sizes only carry over to the
        // same mode (each mode has its own default minimum).
        const stored = runConfig.cluster;
        const mode = opts.clusterMode ?? stored?.params.mode;
        const sameMode = stored !== undefined && mode === stored.params.mode;
        const request: RunRequest = {
          ...flags,
          roots: runConfig.roots,
          cluster: true,
          clusterMode: mode,
          clusterSpace: flags.clusterSpace ?? stored?.space,
          minClusterSize:
            flags.minClusterSize ??
            (sameMode && !stored.params.autoMinClusterSize ? stored.params.minClusterSize : undefined),
          minSamples: flags.minSamples ?? (sameMode ? stored.params.minSamples : undefined),
          clusterSeed: flags.clusterSeed ?? stored?.params.seed,
          clusterThreshold: flags.clusterThreshold ?? stored?.params.threshold,
          windowMinutes: flags.windowMinutes ?? stored?.params.windowMinutes,
        };
        let settings;
        try {
          settings = buildClusterSettings(request, runConfig.embed.textModel !== undefined);
        } catch (err) {
          if (err instanceof RunRequestError) throw new UsageError(err.message);
          throw err;
        }
        if (!opts.vocabulary && stored?.vocabulary) {
          // The run's own vocabulary, with any --top-k / --tag-threshold / --template applied.
          try {
            settings.vocabulary = withSettings(stored.vocabulary, {
              topK: request.vocabularyTopK,
              threshold: request.vocabularyThreshold,
              template: request.vocabularyTemplate,
            });
          } catch (err) {
            throw new UsageError((err as Error).message);
          }
        } else if (!opts.vocabulary && (opts.topK ?? opts.tagThreshold ?? opts.template) !== undefined) {
          throw new UsageError(
            '--top-k, --tag-threshold and --template need a vocabulary: add --vocabulary <file>',
          );
        }
        const keywordFlags = [
          'maxAiTags',
          'aiMinScore',
          'conceptBank',
          'cities',
          'keywordAliases',
          'keywordTree',
          'autoApprove',
        ] as const;
        if (stored?.keywords && !keywordFlags.some((k) => flags[k] !== undefined)) {
          // The run's own AI-layer settings; vision is asked only by runs (it needs api workers).
          settings.keywords = { ...stored.keywords, vision: undefined };
        }
        const clustered = await clusterLibraryInProcess(
          catalog,
          config,
          run.id,
          runConfig.embed,
          settings,
          (m) => info(m),
        );
        info(`clustered in ${clustered.seconds.toFixed(1)} s`);
      }
      return writeReportFiles(catalog, run.id, outDir);
    });
    info(
      `${summary.photos} photos · ${summary.clusters} clusters · ${summary.noise} unclustered · ` +
        `${summary.captioned} captioned, ${summary.errors} errors, ${summary.vocabularyFallbacks} vocabulary fallbacks`,
    );
    for (const f of summary.files) info(`wrote ${f}`);
  });
}
