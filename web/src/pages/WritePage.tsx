import { useEffect, useState } from 'react';
import { api, query } from '../api';
import { ErrorBox, Loading } from '../components/Status';
import type { WritePlan, WriteProgress } from '../types';

/** Dry-run diff of the sidecars, then the write as a workflow on the io queue, with its progress. */
export function WritePage({ runId, temporalUi }: { runId: string; temporalUi: string | null }) {
  const [naming, setNaming] = useState<'photo.xmp' | 'photo.ext.xmp'>('photo.xmp');
  const [plan, setPlan] = useState<WritePlan | undefined>(undefined);
  const [planning, setPlanning] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [write, setWrite] = useState<{ workflowId: string } | undefined>(undefined);
  const [progress, setProgress] = useState<WriteProgress | undefined>(undefined);

  const preview = () => {
    setPlanning(true);
    setError(undefined);
    setWrite(undefined);
    setProgress(undefined);
    api
      .get<WritePlan>(`runs/${encodeURIComponent(runId)}/sidecars/plan${query({ naming })}`)
      .then(setPlan, setError)
      .finally(() => setPlanning(false));
  };
  useEffect(preview, [runId, naming]);

  useEffect(() => {
    if (!write) return;
    let stop = false;
    const tick = async () => {
      try {
        const p = await api.get<WriteProgress>(`writes/${encodeURIComponent(write.workflowId)}`);
        if (stop) return;
        setProgress(p);
        if (p.status === 'RUNNING') setTimeout(() => void tick(), 700);
      } catch (e) {
        if (!stop) setError(e);
      }
    };
    void tick();
    return () => {
      stop = true;
    };
  }, [write]);

  const start = async () => {
    setError(undefined);
    try {
      setWrite(
        await api.post<{ workflowId: string }>(`runs/${encodeURIComponent(runId)}/sidecars/write`, {
          naming,
        }),
      );
    } catch (e) {
      setError(e);
    }
  };

  const p = progress?.progress;
  return (
    <section className="page write-page">
      <h1>Write sidecars</h1>
      <p className="muted">
        Only approved keywords are written, next to each photo; originals are never opened for writing.
        Lightroom reads <code>photo.xmp</code>, digiKam, darktable and immich <code>photo.ext.xmp</code>.
      </p>
      <div className="actions">
        <select
          aria-label="sidecar naming"
          value={naming}
          onChange={(e) => setNaming(e.target.value as typeof naming)}
        >
          <option value="photo.xmp">photo.xmp (Lightroom)</option>
          <option value="photo.ext.xmp">photo.ext.xmp (digiKam, darktable, immich)</option>
        </select>
        <button type="button" onClick={preview} disabled={planning}>
          Refresh preview
        </button>
        <button
          type="button"
          className="approve"
          disabled={!plan?.changing || Boolean(write && progress?.status === 'RUNNING')}
          onClick={() => void start()}
        >
          Write {plan?.changing ?? 0} sidecars
        </button>
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      {planning && <Loading what="the preview" />}
      {progress && p && (
        <div className="write-progress" role="status">
          <progress max={p.total || 1} value={p.done} /> {p.phase === 'done' ? 'Done' : p.phase}: {p.done}/
          {p.total} · {p.written} written · {p.unchanged} unchanged · {p.errorCount ?? p.errors.length} errors
          {p.auditPath && (
            <span>
              {' '}
              · audit <a href="audit/xmp.csv">xmp_audit.csv</a> <code>{p.auditPath}</code>
            </span>
          )}
          {temporalUi && write && (
            <a
              href={`${temporalUi}/namespaces/default/workflows/${encodeURIComponent(write.workflowId)}`}
              target="_blank"
              rel="noreferrer"
            >
              {' '}
              Temporal UI
            </a>
          )}
          {p.errors.map((e) => (
            <p key={e.sidecarPath} className="status error">
              {e.reason}
            </p>
          ))}
          {progress.failure && <p className="status error">{progress.failure}</p>}
        </div>
      )}
      {plan && (
        <>
          <p>
            {plan.changing} of {plan.sidecars} sidecars would change
            {plan.plans.length < plan.changing ? ` (first ${plan.plans.length} shown)` : ''}.
          </p>
          <table className="diff">
            <thead>
              <tr>
                <th>sidecar</th>
                <th>adds</th>
              </tr>
            </thead>
            <tbody>
              {plan.plans.map((d) => (
                <tr key={d.sidecarPath}>
                  <td title={d.sidecarPath}>
                    {d.exists ? 'merge' : 'create'} <code>{d.sidecarPath}</code>
                  </td>
                  <td>
                    {d.add.map((k) => (
                      <span key={k.path} className="chip small approved" title={k.source}>
                        +{k.path}
                      </span>
                    ))}
                    {d.description && (
                      <span className="muted"> description “{d.description.slice(0, 80)}”</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
