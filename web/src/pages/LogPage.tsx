import { api } from '../api';
import { ErrorBox, Loading, Empty } from '../components/Status';
import { useData } from '../hooks';
import type { Decision } from '../types';

export function describe(d: Decision): string {
  if (d.action === 'undo') return `undo of decision ${d.undoes}`;
  if (d.action === 'move') return `move ${d.photoIds.length} photo(s) to cluster ${d.cluster}`;
  return `${d.action} ${d.layer}|${d.term} on ${d.photoIds.length} photo(s)${d.cluster !== undefined ? ` (cluster ${d.cluster})` : ''}`;
}

/** Every decision, newest first, each undoable while no later decision on the same photos stands. */
export function LogPage({ runId, onUndo }: { runId?: string; onUndo: (id: number) => Promise<void> }) {
  const url = `decisions?limit=200${runId ? `&run=${encodeURIComponent(runId)}` : ''}`;
  const { data, error, loading, reload } = useData(url, () => api.get<Decision[]>(url));
  if (loading && !data) return <Loading what="the decision log" />;
  if (error) return <ErrorBox error={error} retry={reload} />;
  if (!data?.length) return <Empty>No decisions yet.</Empty>;
  return (
    <section className="page log-page">
      <h1>Decisions</h1>
      <table>
        <tbody>
          {data.map((d) => (
            <tr key={d.id} className={d.undoneBy !== undefined ? 'undone' : ''}>
              <td>{d.id}</td>
              <td>{d.at.slice(0, 19).replace('T', ' ')}</td>
              <td>{d.client}</td>
              <td>{describe(d)}</td>
              <td>
                {d.action !== 'undo' && d.undoneBy === undefined && (
                  <button type="button" onClick={() => void onUndo(d.id).then(reload)}>
                    Undo
                  </button>
                )}
                {d.undoneBy !== undefined && <span className="muted">undone</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
