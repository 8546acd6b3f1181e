import { useEffect, useState } from 'react';
import { api } from '../api';
import { ErrorBox, Loading } from '../components/Status';
import { useData } from '../hooks';
import type { RunDetail, StudioInfo } from '../types';

function eta(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function RunRow({ id, temporalUi }: { id: string; temporalUi: string | null }) {
  const [run, setRun] = useState<RunDetail | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let stop = false;
    const tick = () =>
      api.get<RunDetail>(`runs/${encodeURIComponent(id)}`).then(
        (r) => {
          if (stop) return;
          setRun(r);
          if (r.status === 'RUNNING') setTimeout(tick, 1500);
        },
        (e: unknown) => !stop && setError(e),
      );
    void tick();
    return () => {
      stop = true;
    };
  }, [id]);
  const act = (what: 'pause' | 'resume' | 'cancel') =>
    api.post(`runs/${encodeURIComponent(id)}/${what}`).catch(setError);
  const p = run?.progress;
  return (
    <tr>
      <td>
        <code>{id}</code>
        <div className="muted small">{run?.roots?.join(', ')}</div>
      </td>
      <td>
        {run?.status ?? '…'}
        {p?.paused ? ` (paused${p.pauseReason ? `: ${p.pauseReason}` : ''})` : ''}
      </td>
      <td>
        {p && (
          <>
            <progress max={p.total || 1} value={p.done} /> {p.done}/{p.total} · {p.phase} ·{' '}
            {p.photosPerSecond.toFixed(1)}/s · ETA {eta(p.etaSeconds)}
            <div className="muted small">
              {Object.entries(p.byStatus)
                .filter(([, n]) => n)
                .map(([s, n]) => `${s} ${n}`)
                .join(' · ')}
              {p.spendUsd > 0
                ? ` · $${p.spendUsd.toFixed(4)}${p.maxCostUsd !== undefined ? ` of $${p.maxCostUsd}` : ''}`
                : ''}
            </div>
          </>
        )}
        {error !== undefined && <ErrorBox error={error} />}
      </td>
      <td className="run-actions">
        {run?.status === 'RUNNING' && !p?.paused && (
          <button type="button" onClick={() => void act('pause')}>
            Pause
          </button>
        )}
        {run?.status === 'RUNNING' && p?.paused && (
          <button type="button" onClick={() => void act('resume')}>
            Resume
          </button>
        )}
        {run?.status === 'RUNNING' && (
          <button type="button" className="reject" onClick={() => void act('cancel')}>
            Cancel
          </button>
        )}
        {temporalUi && (
          <a
            href={`${temporalUi}/namespaces/default/workflows/${encodeURIComponent(id)}`}
            target="_blank"
            rel="noreferrer"
          >
            Temporal UI
          </a>
        )}
      </td>
    </tr>
  );
}

/** Start a run on a configured folder, and watch every run. */
export function RunsPage({ studio }: { studio: StudioInfo }) {
  const runs = useData('runs', () => api.get<Array<{ workflowId: string }>>('runs'));
  const [root, setRoot] = useState(studio.roots[0] ?? '');
  const [backend, setBackend] = useState('mock');
  const [cluster, setCluster] = useState(true);
  const [limit, setLimit] = useState('');
  const [model, setModel] = useState('');
  const [maxCost, setMaxCost] = useState('');
  const [localOnly, setLocalOnly] = useState('');
  const [vision, setVision] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const start = async () => {
    setError(undefined);
    try {
      await api.post('runs', {
        roots: [root],
        backend,
        cluster,
        ...(model ? { model } : {}),
        ...(limit ? { limit: Number(limit) } : {}),
        ...(maxCost ? { maxCostUsd: Number(maxCost) } : {}),
        ...(localOnly.trim()
          ? {
              localOnly: localOnly
                .split(',')
                .map((g) => g.trim())
                .filter(Boolean),
            }
          : {}),
        ...(vision && cluster ? { visionBackend: vision } : {}),
      });
      runs.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="page runs-page">
      <h1>Runs</h1>
      <form
        className="start-run"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label>
          folder
          <select value={root} onChange={(e) => setRoot(e.target.value)} aria-label="library folder">
            {studio.roots.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          caption backend
          <input value={backend} onChange={(e) => setBackend(e.target.value)} size={12} />
        </label>
        <label>
          <input type="checkbox" checked={cluster} onChange={(e) => setCluster(e.target.checked)} /> cluster
          and propose keywords
        </label>
        <label>
          model
          <input
            value={model}
            onChange={(e) => setModel(e.target.value)}
            size={14}
            placeholder="backend default"
          />
        </label>
        <label>
          vision on medoids
          <select
            value={vision}
            onChange={(e) => setVision(e.target.value)}
            aria-label="vision backend"
            disabled={!cluster}
          >
            <option value="">none</option>
            {['openai', 'anthropic', 'gemini', 'xai', 'openai-compatible'].map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </label>
        <label>
          never send (globs)
          <input
            value={localOnly}
            onChange={(e) => setLocalOnly(e.target.value)}
            size={14}
            placeholder="Family/**, Private"
          />
        </label>
        <label>
          max cost $
          <input
            value={maxCost}
            onChange={(e) => setMaxCost(e.target.value)}
            size={5}
            inputMode="decimal"
            placeholder="no cap"
          />
        </label>
        <label>
          limit
          <input
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
            size={6}
            inputMode="numeric"
            placeholder="all"
          />
        </label>
        <button type="submit" className="approve" disabled={!root}>
          Start run
        </button>
        {!studio.roots.length && (
          <span className="muted">Set PHOTOS_DIR (or run `pcc run DIR` once) to choose folders here.</span>
        )}
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      {runs.loading && !runs.data && <Loading what="runs" />}
      {runs.error !== undefined && <ErrorBox error={runs.error} retry={runs.reload} />}
      <table className="runs">
        <tbody>
          {(runs.data ?? []).map((r) => (
            <RunRow key={r.workflowId} id={r.workflowId} temporalUi={studio.temporalUi} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
