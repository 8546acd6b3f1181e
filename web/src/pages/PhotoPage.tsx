import { api } from '../api';
import { href } from '../router';
import { KeywordChip } from '../components/Chip';
import { Thumb } from '../components/Thumb';
import { ErrorBox, Loading } from '../components/Status';
import { useData } from '../hooks';
import type { PhotoKeyword } from '../types';

interface PhotoView {
  photoId: number;
  sha1: string;
  format: string;
  size: number;
  private: boolean;
  paths: Array<{ absPath: string; relPath: string }>;
  metadata?: Record<string, string | number | boolean | undefined>;
  date?: { value?: string; trust?: number; signals?: string };
  captions: Array<{
    backend: string;
    model: string;
    status: string;
    caption?: string;
    reason?: string;
    at: string;
  }>;
  texts?: Array<{ source: string; model: string; text: string; at: string }>;
  keywords: PhotoKeyword[];
  cluster?: { runId: string; id: number; distance: number | null };
  history: Array<{ at: string; stage: string; what: string; status: string; note?: string; runId?: string }>;
  runs: Array<{ id: string; workflowId: string; status: string; createdAt: string }>;
}

export function PhotoPage({ id, runId }: { id: number; runId?: string }) {
  const url = `photos/${id}${runId ? `?run=${encodeURIComponent(runId)}` : ''}`;
  const { data, error, loading, reload } = useData(url, () => api.get<PhotoView>(url));
  if (loading && !data) return <Loading what="the photo" />;
  if (error) return <ErrorBox error={error} retry={reload} />;
  if (!data) return null;
  const meta = Object.entries(data.metadata ?? {}).filter(
    ([, v]) => v !== undefined && v !== null && v !== '',
  );
  return (
    <section className="page photo-page">
      {data.cluster && (
        <a href={href('clusters', data.cluster.id, { run: data.cluster.runId })}>
          ← cluster {data.cluster.id}
        </a>
      )}
      <div className="photo-layout">
        <Thumb
          sha1={data.sha1}
          src={`photos/${data.photoId}/image`}
          alt={data.paths[0]?.relPath ?? ''}
          private={data.private}
          size={512}
        />
        <div className="photo-facts">
          <h1>{data.paths[0]?.relPath}</h1>
          {data.paths.length > 1 && (
            <p className="muted">
              also at{' '}
              {data.paths
                .slice(1)
                .map((p) => p.relPath)
                .join(', ')}
            </p>
          )}
          {data.captions.map((c) => (
            <p key={`${c.backend}/${c.model}`} className="caption">
              {c.status === 'success' ? c.caption : `(${c.status}${c.reason ? `: ${c.reason}` : ''})`}{' '}
              <span className="muted">
                — {c.backend}/{c.model}
              </span>
            </p>
          ))}
          {data.texts?.some((t) => t.text) && (
            <>
              <h2>Text in the photo</h2>
              {data.texts
                .filter((t) => t.text)
                .map((t) => (
                  <pre key={`${t.source}/${t.model}`} className="ocr-text">
                    {t.text}
                    {'\n'}
                    <span className="muted">— {t.model}</span>
                  </pre>
                ))}
            </>
          )}
          <h2>Date</h2>
          <p>
            {data.date?.value ?? 'unknown'}{' '}
            {data.date?.trust !== undefined && (
              <span className="muted">trust {Number(data.date.trust).toFixed(2)}</span>
            )}
          </p>
          {data.date?.signals && <p className="muted small">{data.date.signals}</p>}
          <h2>Keywords</h2>
          <div className="chips">
            {data.keywords.map((k) => (
              <KeywordChip key={`${k.layer}|${k.term}`} keyword={k} />
            ))}
          </div>
          <table className="provenance">
            <thead>
              <tr>
                <th>keyword</th>
                <th>state</th>
                <th>sources</th>
              </tr>
            </thead>
            <tbody>
              {data.keywords.map((k) => (
                <tr key={`${k.layer}|${k.term}`}>
                  <td>{k.path}</td>
                  <td>
                    {k.state} <span className="muted">({k.decidedBy})</span>
                  </td>
                  <td>
                    {k.sources
                      .map(
                        (s) =>
                          `${s.source}${s.score !== undefined ? ` ${s.score.toFixed(3)}` : ''}${s.fromCluster !== undefined ? ` · cluster ${s.fromCluster}` : ''}${s.mappedFrom ? ` · from “${s.mappedFrom}”` : ''}`,
                      )
                      .join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Metadata</h2>
          <dl className="meta">
            {meta.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{String(v)}</dd>
              </div>
            ))}
          </dl>
          <h2>Runs</h2>
          <ul className="history">
            {data.runs.map((r) => (
              <li key={r.id}>
                {r.createdAt.slice(0, 19).replace('T', ' ')} · <code>{r.workflowId}</code> · {r.status}
              </li>
            ))}
          </ul>
          <h2>History</h2>
          <ul className="history">
            {data.history.map((h, i) => (
              <li key={i}>
                {h.at.slice(0, 19).replace('T', ' ')} · {h.stage} {h.what}: {h.status}
                {h.note ? ` — ${h.note}` : ''}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}
