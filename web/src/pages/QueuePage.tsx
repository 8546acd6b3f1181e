import { useState } from 'react';
import { api, query } from '../api';
import { href, navigate } from '../router';
import { Thumb } from '../components/Thumb';
import { Empty, ErrorBox, Loading } from '../components/Status';
import { useData, useKeys } from '../hooks';
import type { QueuePage as Page } from '../types';

const PAGE = 30;

/**
 * The manual clustering queue: one photo at a time with its top-3 cluster suggestions (keys 1–3),
 * any cluster from the picker, a new cluster from a selection, exclude, auto-move above a
 * threshold, undo (u) — each action one entry in the decision log. Photos are never moved on disk.
 */
export function QueuePage(props: {
  runId: string;
  params: URLSearchParams;
  onSaid: (text: string, undo?: boolean) => void;
  onUndo: () => void;
}) {
  const source = props.params.get('source') ?? 'noise';
  const manual = props.params.get('manual') === '1';
  const space = props.params.get('space') ?? 'image';
  const shuffle = props.params.get('shuffle') ?? undefined;
  const base = `runs/${encodeURIComponent(props.runId)}`;
  const url = `${base}/queue${query({ source, manual: manual ? 'true' : undefined, space, shuffle, limit: PAGE })}`;
  const { data, error, loading, reload } = useData(url, () => api.get<Page>(url));
  const [at, setAt] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [threshold, setThreshold] = useState('0.9');
  const [picker, setPicker] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(undefined);

  const setParam = (k: string, v: string | undefined) => {
    const next: Record<string, string | undefined> = {
      run: props.runId,
      source,
      space,
      shuffle,
      manual: manual ? '1' : undefined,
    };
    next[k] = v;
    navigate(href('queue', undefined, next));
  };

  const act = async (what: () => Promise<{ text: string }>) => {
    if (busy) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const { text } = await what();
      props.onSaid(text, true);
      reload();
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const items = data?.items ?? [];
  const current = items[Math.min(at, Math.max(0, items.length - 1))];
  const labelOf = (id: number) => data?.clusters.find((c) => c.id === id)?.label ?? `cluster ${id}`;

  const assign = (photoIds: number[], toCluster: number) =>
    act(async () => {
      await api.post(`${base}/queue/assign`, { photoIds, toCluster });
      setSelected(new Set());
      return { text: `${photoIds.length} photo${photoIds.length === 1 ? '' : 's'} → ${labelOf(toCluster)}` };
    });
  const suggestion = (k: number) => {
    const s = current?.suggestions[k];
    if (current && s) void assign([current.photoId], s.cluster);
  };
  const targets = () => (selected.size ? [...selected] : current ? [current.photoId] : []);
  const newCluster = () => {
    const photoIds = targets();
    if (!photoIds.length) return;
    const name = window.prompt(
      `Name the new cluster (${photoIds.length} photo${photoIds.length === 1 ? '' : 's'})`,
    );
    if (!name?.trim()) return;
    void act(async () => {
      await api.post(`${base}/queue/new-cluster`, { photoIds, name });
      setSelected(new Set());
      return {
        text: `new cluster “${name.trim()}” with ${photoIds.length} photo${photoIds.length === 1 ? '' : 's'}`,
      };
    });
  };
  const exclude = () => {
    const photoIds = targets();
    if (!photoIds.length) return;
    void act(async () => {
      await api.post(`${base}/queue/exclude`, { photoIds });
      setSelected(new Set());
      return {
        text: `${photoIds.length} photo${photoIds.length === 1 ? '' : 's'} hidden from the library views (files untouched)`,
      };
    });
  };
  const autoMove = () => {
    const t = Number(threshold);
    if (!(t > 0 && t <= 1))
      return setFailure(new Error('the threshold is a cosine between 0 and 1, e.g. 0.9'));
    void act(async () => {
      const r = await api.post<{ moved: number }>(`${base}/queue/auto`, { threshold: t, source, space });
      return {
        text: r.moved
          ? `auto-moved ${r.moved} photos at ≥ ${t} (one undo takes them all back)`
          : `no photo reaches ${t}`,
      };
    });
  };
  const rename = (cluster: number) => {
    const name = window.prompt(`New name for “${labelOf(cluster)}”`, labelOf(cluster));
    if (!name?.trim()) return;
    void act(async () => {
      await api.post(`${base}/clusters/${cluster}/rename`, { name });
      return { text: `cluster ${cluster} is now “${name.trim()}”` };
    });
  };
  const toggle = () => {
    if (!current) return;
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(current.photoId)) next.delete(current.photoId);
      else next.add(current.photoId);
      return next;
    });
  };

  useKeys({
    '1': () => suggestion(0),
    '2': () => suggestion(1),
    '3': () => suggestion(2),
    j: () => setAt((i) => Math.min(i + 1, items.length - 1)),
    ArrowRight: () => setAt((i) => Math.min(i + 1, items.length - 1)),
    k: () => setAt((i) => Math.max(i - 1, 0)),
    ArrowLeft: () => setAt((i) => Math.max(i - 1, 0)),
    x: toggle,
    n: newCluster,
    e: exclude,
    u: props.onUndo,
    'ctrl+z': props.onUndo,
    Escape: () => setSelected(new Set()),
  });

  const s = data?.stats;
  const filtered = (data?.clusters ?? []).filter(
    (c) => !picker || c.label.toLowerCase().includes(picker.toLowerCase()) || String(c.id) === picker,
  );

  return (
    <div className="page queue-page">
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <select
          aria-label="queue"
          value={source.startsWith('cluster:') ? 'cluster' : source.split(':')[0]}
          onChange={(e) => setParam('source', e.target.value === 'noise' ? 'noise' : `${e.target.value}:`)}
        >
          <option value="noise">unclustered</option>
          <option value="cluster">a cluster</option>
          <option value="folder">a folder</option>
          <option value="search">a search</option>
        </select>
        {source !== 'noise' && (
          <input
            aria-label="queue detail"
            placeholder={
              source.startsWith('cluster:')
                ? 'cluster number'
                : source.startsWith('folder:')
                  ? 'folder glob, e.g. 2019/**'
                  : 'words'
            }
            defaultValue={source.slice(source.indexOf(':') + 1)}
            onKeyDown={(e) => {
              if (e.key === 'Enter')
                setParam('source', `${source.split(':')[0]}:${(e.target as HTMLInputElement).value}`);
            }}
          />
        )}
        <select
          aria-label="suggestion space"
          value={space}
          onChange={(e) => setParam('space', e.target.value)}
        >
          <option value="image">suggest by image</option>
          <option value="caption">by caption</option>
          <option value="both">by both</option>
        </select>
        <label title="hide suggestions while you gather the first examples by hand">
          <input
            type="checkbox"
            checked={manual}
            onChange={(e) => setParam('manual', e.target.checked ? '1' : undefined)}
          />{' '}
          manual only
        </label>
        <button type="button" onClick={() => setParam('shuffle', String(Math.floor(Math.random() * 1e6)))}>
          Shuffle
        </button>
        <span className="auto-move">
          <input
            aria-label="auto-move threshold"
            inputMode="decimal"
            size={5}
            value={threshold}
            onChange={(e) => setThreshold(e.target.value)}
          />
          <button
            type="button"
            onClick={autoMove}
            disabled={busy || manual}
            title="assign every queued photo whose best suggestion reaches the threshold"
          >
            Auto-move
          </button>
        </span>
        {s && (
          <span className="count queue-stats" role="status">
            {s.queued.toLocaleString()} in the queue · {s.manual.toLocaleString()} by hand ·{' '}
            {s.auto.toLocaleString()} auto
            {s.processed > 0 && ` (${Math.round(s.autoShare * 100)} % auto)`}
          </span>
        )}
      </form>
      {failure !== undefined && <ErrorBox error={failure} />}
      {error !== undefined && <ErrorBox error={error} retry={reload} />}
      {loading && !data && <Loading what="the queue" />}
      {data && !current && (
        <Empty>Nothing left in this queue. Pick another one above, or look at the clusters.</Empty>
      )}
      {data && current && (
        <div className="queue-body">
          <div className="queue-photo" data-photo={current.photoId}>
            <Thumb sha1={current.sha1} alt={current.relPath} private={current.private} size={420} />
            <div className="queue-meta">
              <div className="path" title={current.relPath}>
                {current.relPath}
              </div>
              {current.caption && <div className="caption">{current.caption}</div>}
              <div className="muted small">
                {Math.min(at, items.length - 1) + 1} of {data.total.toLocaleString()} · now in{' '}
                {current.cluster < 0 ? 'no cluster' : labelOf(current.cluster)}
                {selected.size > 0 && ` · ${selected.size} selected`}
              </div>
            </div>
            {!manual && (
              <ol className="suggestions" aria-label="suggestions">
                {current.suggestions.map((sg, i) => (
                  <li key={sg.cluster}>
                    <button
                      type="button"
                      onClick={() => void assign([current.photoId], sg.cluster)}
                      disabled={busy}
                    >
                      <kbd>{i + 1}</kbd> {sg.label} <span className="score">{sg.score.toFixed(2)}</span>
                    </button>
                  </li>
                ))}
                {!current.suggestions.length && (
                  <li className="muted">no suggestion (no vector for this photo)</li>
                )}
              </ol>
            )}
            <div className="queue-actions">
              <button type="button" onClick={toggle}>
                <kbd>x</kbd> {selected.has(current.photoId) ? 'Unselect' : 'Select'}
              </button>
              <button type="button" onClick={newCluster} disabled={busy}>
                <kbd>n</kbd> New cluster from {selected.size || 1}
              </button>
              <button type="button" onClick={exclude} disabled={busy}>
                <kbd>e</kbd> Exclude
              </button>
              <button type="button" onClick={props.onUndo}>
                <kbd>u</kbd> Undo
              </button>
            </div>
          </div>
          <aside className="queue-side">
            <input
              aria-label="find a cluster"
              placeholder="assign to… (type a name)"
              value={picker}
              onChange={(e) => setPicker(e.target.value)}
            />
            <ul className="cluster-picker">
              {filtered.slice(0, 60).map((c) => (
                <li key={c.id}>
                  <button type="button" onClick={() => void assign(targets(), c.id)} disabled={busy}>
                    {c.label} <span className="muted">({c.size})</span>
                  </button>
                  <button type="button" className="link" title="rename" onClick={() => rename(c.id)}>
                    ✎
                  </button>
                </li>
              ))}
            </ul>
            <div className="queue-strip" aria-label="next in the queue">
              {items.map((item, i) => (
                <button
                  key={item.photoId}
                  type="button"
                  className={`${i === at ? 'on' : ''}${selected.has(item.photoId) ? ' selected' : ''}`}
                  onClick={() => setAt(i)}
                >
                  <Thumb sha1={item.sha1} alt={item.relPath} private={item.private} size={64} />
                </button>
              ))}
            </div>
            <p className="muted small">
              Keys: <kbd>1</kbd>–<kbd>3</kbd> assign to a suggestion · <kbd>j</kbd>/<kbd>k</kbd> next/previous
              · <kbd>x</kbd> select · <kbd>n</kbd> new cluster · <kbd>e</kbd> exclude · <kbd>u</kbd> undo.
              Files are never moved; <code>pcc clusters export</code> makes folders on request.
            </p>
            <a href={`${base}/queue/log`} download="actions.jsonl">
              Download the action log
            </a>
          </aside>
        </div>
      )}
    </div>
  );
}
