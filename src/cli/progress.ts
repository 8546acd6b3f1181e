import cliProgress from 'cli-progress';
import type { RunProgress } from '../shared/payloads';

/**
 * Shows a run's progress: a live bar on a terminal, a plain line every few seconds otherwise
 * (CI logs, pipes), so long runs are never silent.
 */
export class ProgressView {
  private bar?: cliProgress.SingleBar;
  private lastPlain = 0;
  private scanningShown = false;
  private clusteringShown = false;
  private taggingShown = false;

  constructor(private readonly tty = Boolean(process.stdout.isTTY)) {}

  update(p: RunProgress): void {
    if (p.phase === 'scanning') {
      if (!this.scanningShown) process.stdout.write('Scanning library (hashing new files) …\n');
      this.scanningShown = true;
      return;
    }
    if (p.phase === 'clustering' && !this.clusteringShown) {
      this.clusteringShown = true;
      this.stop();
      process.stdout.write('Clustering embeddings, proposing keywords and writing reports …\n');
    }
    if (p.phase === 'tagging' && !this.taggingShown) {
      this.taggingShown = true;
      this.stop();
      process.stdout.write('Asking the vision model about each cluster medoid …\n');
    }
    if (this.clusteringShown || this.taggingShown) return;
    const payload = {
      ok: p.byStatus.success,
      corrupt: p.byStatus.error_corrupt,
      api: p.byStatus.error_api,
      model: p.byStatus.error_model,
      priv: p.byStatus.skipped_private ? ` private ${p.byStatus.skipped_private}` : '',
      spend:
        p.spendUsd > 0
          ? ` | $${p.spendUsd.toFixed(4)}${p.maxCostUsd !== undefined ? ` of $${p.maxCostUsd}` : ''}`
          : '',
      rate: p.photosPerSecond.toFixed(1),
      paused: p.paused ? ` [paused${p.pauseReason ? `: ${p.pauseReason}` : ''}]` : '',
      etaText: p.etaSeconds === null ? '–' : formatSeconds(p.etaSeconds),
    };
    if (this.tty) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          {
            format:
              '{bar} {percentage}% | {value}/{total} photos | {rate}/s | ETA {etaText} | ok {ok} corrupt {corrupt} api {api} model {model}{priv}{spend}{paused}',
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(p.total, p.done, payload);
      }
      this.bar.setTotal(p.total);
      this.bar.update(p.done, payload);
    } else if (Date.now() - this.lastPlain > 5000 || p.done === p.total) {
      this.lastPlain = Date.now();
      process.stdout.write(
        `progress ${p.done}/${p.total} photos (${p.total ? Math.floor((100 * p.done) / p.total) : 100}%) ` +
          `${payload.rate}/s ETA ${payload.etaText} ok=${payload.ok} corrupt=${payload.corrupt} api=${payload.api} model=${payload.model}${payload.priv}${payload.spend}${payload.paused}\n`,
      );
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
