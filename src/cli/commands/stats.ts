import type { Command } from 'commander';
import { cliConfig, UsageError, withCatalog } from '../context';

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('what the catalog holds: photos, formats, results by stage and status, recent runs')
    .option('--json', 'machine-readable output')
    .option('--run <id>', 'also show one run (run id or workflow id)')
    .action((opts: { json?: boolean; run?: string }) => {
      const config = cliConfig();
      const stats = withCatalog(config, (catalog) => {
        const run = opts.run ? catalog.runs.run(opts.run) : catalog.runs.latestRun();
        if (opts.run && !run) throw new UsageError(`no run ${opts.run} in the catalog at ${config.dataDir}`);
        return {
          dataDir: config.dataDir,
          ...catalog.photos.counts(),
          results: catalog.results.summary(),
          spend: catalog.results.spend(),
          keywords: catalog.keywords.summary(),
          embeddings: catalog.embeddings.counts(),
          decodeNotes: catalog.results.decodeNotes(),
          runs: catalog.runs.recentRuns(10).map((r) => ({
            id: r.id,
            workflowId: r.workflowId,
            status: r.status,
            createdAt: r.createdAt,
            finishedAt: r.finishedAt ?? null,
            counts: r.counts ?? null,
          })),
          run: run && {
            id: run.id,
            workflowId: run.workflowId,
            status: run.status,
            config: run.config,
            scan: run.scan ?? null,
            counts: run.counts ?? null,
            clustering: (() => {
              const c = catalog.clusters.clusteringOf(run.id);
              return c
                ? {
                    space: c.space,
                    clusters: c.clusterCount,
                    noise: c.noise,
                    seconds: c.seconds ?? null,
                    at: c.createdAt,
                  }
                : null;
            })(),
          },
        };
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
        return;
      }
      const out: string[] = [
        `Catalog ${stats.dataDir}`,
        `  photos ${stats.photos} (paths ${stats.paths}, RAW ${stats.raw})`,
        `  formats ${
          Object.entries(stats.byFormat)
            .map(([f, n]) => `${f} ${n}`)
            .join(' · ') || '–'
        }`,
        'Results by stage / backend / model:',
      ];
      const groups = new Map<string, string[]>();
      for (const r of stats.results) {
        const k = `${r.stage} ${r.backend}/${r.model}`;
        groups.set(k, [...(groups.get(k) ?? []), `${r.status} ${r.n}`]);
      }
      for (const [k, v] of groups) out.push(`  ${k}: ${v.join(' · ')}`);
      if (!groups.size) out.push('  (none yet)');
      if (stats.decodeNotes.total) {
        out.push(`Decoded with a note: ${stats.decodeNotes.total} photos (captioned as usual)`);
        for (const n of stats.decodeNotes.rows) out.push(`  ${n.relPath} — ${n.note}`);
        if (stats.decodeNotes.total > stats.decodeNotes.rows.length)
          out.push(
            `  … and ${stats.decodeNotes.total - stats.decodeNotes.rows.length} more (pcc export captions lists them all)`,
          );
      }
      if (stats.embeddings.length) {
        out.push('Embeddings:');
        for (const e of stats.embeddings) out.push(`  ${e.kind} ${e.model} (${e.dim}-d): ${e.n} photos`);
      }
      if (stats.keywords.length) {
        out.push('Keywords (per photo and source; `pcc tags list` to review):');
        const byLayerState = new Map<string, string[]>();
        for (const k of stats.keywords) {
          const key = `${k.layer} ${k.state}`;
          byLayerState.set(key, [...(byLayerState.get(key) ?? []), `${k.sourceKind} ${k.n}`]);
        }
        for (const [k, v] of byLayerState) out.push(`  ${k}: ${v.join(' · ')}`);
      }
      if (stats.spend.length) {
        out.push('Spend (latest result per photo):');
        for (const s of stats.spend) {
          out.push(
            `  ${s.backend}/${s.model}: $${s.costUsd.toFixed(4)} for ${s.photos} photos (${s.inputTokens} in / ${s.outputTokens} out tokens)`,
          );
        }
      }
      out.push('Recent runs:');
      for (const r of stats.runs) {
        const c = r.counts
          ? Object.entries(r.counts)
              .map(([s, n]) => `${s} ${n}`)
              .join(' · ')
          : '';
        out.push(`  ${r.createdAt.slice(0, 19)}  ${r.status.padEnd(9)} ${r.workflowId}  ${c}`);
      }
      if (!stats.runs.length) out.push('  (none yet)');
      const clustering = stats.run?.clustering;
      if (clustering) {
        out.push(
          `Clusters of run ${stats.run?.workflowId}: ${clustering.clusters} groups, ${clustering.noise} unclustered ` +
            `(${clustering.space} embeddings${clustering.seconds ? `, ${clustering.seconds.toFixed(1)} s` : ''}); ` +
            '`pcc report` writes the reports',
        );
      }
      if (opts.run && stats.run) {
        // The run's effective settings: its pcc.yaml, flags and defaults, resolved.
        out.push(
          `Settings of run ${stats.run.workflowId}${stats.run.config.configFile ? ` (from ${stats.run.config.configFile} and flags)` : ''}:`,
        );
        for (const line of JSON.stringify(stats.run.config, null, 2).split('\n')) out.push(`  ${line}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
