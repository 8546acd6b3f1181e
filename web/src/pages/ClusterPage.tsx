import { useMemo, useState } from 'react';
import { api } from '../api';
import { href, navigate } from '../router';
import { ClusterChip, KeywordChip } from '../components/Chip';
import { Thumb } from '../components/Thumb';
import { ErrorBox, Loading } from '../components/Status';
import { useData, useKeys } from '../hooks';
import type { Chip, ClusterDetail } from '../types';

const chipKey = (c: { layer: string; term: string }) => `${c.layer}|${c.term}`;

/**
 * One cluster: its chips (select, then approve or reject — for the whole cluster by default, or
 * for the selected photos), every member, and moving photos to another cluster.
 */
export function ClusterPage(props: {
  runId: string;
  id: number;
  onDecided: (message: string) => void;
  onUndo: () => void;
}) {
  const url = `runs/${encodeURIComponent(props.runId)}/review/clusters/${props.id}`;
  const { data, error, loading, reload } = useData(url, () => api.get<ClusterDetail>(url));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [photos, setPhotos] = useState<Set<number>>(new Set());
  const [applyToCluster, setApplyToCluster] = useState(true);
  const [threshold, setThreshold] = useState('0.25');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [moveTarget, setMoveTarget] = useState('');

  const chips = useMemo(() => (data?.chips ?? []).filter((c) => c.term !== 'date-uncertain'), [data]);
  const toggle = (c: Chip) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(chipKey(c))) next.delete(chipKey(c));
      else next.add(chipKey(c));
      return next;
    });
  const togglePhoto = (id: number) =>
    setPhotos((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const decide = async (action: 'approve' | 'reject') => {
    const targets = chips.filter((c) => selected.has(chipKey(c)));
    if (!targets.length || busy) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const perPhoto = !applyToCluster && photos.size > 0;
      for (const c of targets) {
        await api.post(`runs/${encodeURIComponent(props.runId)}/decisions`, {
          action,
          layer: c.layer,
          term: c.term,
          ...(perPhoto ? { photoIds: [...photos], applyToCluster: false } : { cluster: props.id }),
        });
      }
      props.onDecided(
        `${action === 'approve' ? 'Approved' : 'Rejected'} ${targets.map((c) => c.term).join(', ')} ${perPhoto ? `on ${photos.size} photo(s)` : `for cluster ${props.id}`}`,
      );
      setSelected(new Set());
      reload();
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const move = async () => {
    if (!photos.size || moveTarget === '') return;
    setBusy(true);
    try {
      await api.post(`runs/${encodeURIComponent(props.runId)}/moves`, {
        photoIds: [...photos],
        toCluster: Number(moveTarget),
      });
      props.onDecided(`Moved ${photos.size} photo(s) to cluster ${moveTarget}`);
      setPhotos(new Set());
      reload();
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const go = (id?: number) => id !== undefined && navigate(href('clusters', id, { run: props.runId }));
  useKeys({
    j: () => go(data?.next),
    ArrowRight: () => go(data?.next),
    k: () => go(data?.previous),
    ArrowLeft: () => go(data?.previous),
    a: () => void decide('approve'),
    r: () => void decide('reject'),
    Escape: () => {
      setSelected(new Set());
      setPhotos(new Set());
    },
    u: props.onUndo,
    'ctrl+z': props.onUndo,
  });

  if (loading && !data) return <Loading what="the cluster" />;
  if (error) return <ErrorBox error={error} retry={reload} />;
  if (!data) return null;
  return (
    <section className="page cluster-page">
      <header className="cluster-head">
        <a href={href('clusters', undefined, { run: props.runId })}>← all clusters</a>
        <h1>{data.id < 0 ? 'Unclustered photos' : data.label}</h1>
        <div className="badges">
          <span className="badge size">{data.size} photos</span>
          {data.private && <span className="badge private">private: never sent to a cloud model</span>}
          {data.peopleSet && (
            <span className="badge people">
              {data.peopleSet === 'local'
                ? 'people set: kept off cloud models'
                : 'people set (the config allows cloud vision)'}
            </span>
          )}
          {data.nsfwReview > 0 && (
            <span className="badge review">
              {data.nsfwReview} with an NSFW score to check (0.2 up to the private threshold)
            </span>
          )}
          {data.dateUncertain > 0 && (
            <span className="badge date">{data.dateUncertain} with an uncertain date</span>
          )}
          {data.dateFrom && (
            <span className="badge">
              {data.dateFrom.slice(0, 10)}
              {data.dateTo && data.dateTo.slice(0, 10) !== data.dateFrom.slice(0, 10)
                ? ` – ${data.dateTo.slice(0, 10)}`
                : ''}
            </span>
          )}
        </div>
        <nav className="prev-next">
          <button
            type="button"
            disabled={data.previous === undefined}
            onClick={() => go(data.previous)}
            title="previous cluster (k)"
          >
            ‹ previous
          </button>
          <button
            type="button"
            disabled={data.next === undefined}
            onClick={() => go(data.next)}
            title="next cluster (j)"
          >
            next ›
          </button>
        </nav>
      </header>

      <div className="chip-panel">
        <div className="chips" role="group" aria-label="keywords of this cluster">
          {chips.map((c) => (
            <ClusterChip
              key={chipKey(c)}
              chip={c}
              selected={selected.has(chipKey(c))}
              onToggle={() => toggle(c)}
            />
          ))}
          {!chips.length && <span className="muted">No keywords proposed for this cluster yet.</span>}
        </div>
        <div className="actions">
          <label title="decide for every photo of the cluster">
            <input
              type="checkbox"
              checked={applyToCluster}
              onChange={(e) => setApplyToCluster(e.target.checked)}
            />{' '}
            apply to cluster
          </label>
          <span className="threshold">
            <button
              type="button"
              onClick={() =>
                setSelected(
                  new Set(chips.filter((c) => (c.score ?? -Infinity) >= Number(threshold)).map(chipKey)),
                )
              }
            >
              Select all over
            </button>
            <input
              aria-label="score threshold"
              size={4}
              value={threshold}
              onChange={(e) => setThreshold(e.target.value)}
            />
          </span>
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear
          </button>
          <button
            type="button"
            className="approve"
            disabled={!selected.size || busy}
            onClick={() => void decide('approve')}
            title="approve (a)"
          >
            Approve {selected.size || ''}
          </button>
          <button
            type="button"
            className="reject"
            disabled={!selected.size || busy}
            onClick={() => void decide('reject')}
            title="reject (r)"
          >
            Reject {selected.size || ''}
          </button>
        </div>
        {!applyToCluster && (
          <p className="hint">
            Select photos below: the decision applies to them only
            {photos.size ? ` (${photos.size} selected)` : ''}.
          </p>
        )}
        {failure !== undefined && <ErrorBox error={failure} />}
      </div>

      {photos.size > 0 && (
        <div className="move-bar">
          {photos.size} selected ·
          <select
            aria-label="move to cluster"
            value={moveTarget}
            onChange={(e) => setMoveTarget(e.target.value)}
          >
            <option value="">move to cluster …</option>
            {data.targets.map((t) => (
              <option key={t.id} value={t.id}>
                {t.id < 0 ? 'unclustered' : `${t.id}: ${t.label.slice(0, 50)}`} ({t.size})
              </option>
            ))}
          </select>
          <button type="button" disabled={moveTarget === '' || busy} onClick={() => void move()}>
            Move
          </button>
          <button type="button" onClick={() => setPhotos(new Set())}>
            Deselect
          </button>
        </div>
      )}

      <div className="members">
        {data.members.map((m) => (
          <figure
            key={m.photoId}
            className={`member${photos.has(m.photoId) ? ' selected' : ''}`}
            data-photo={m.photoId}
          >
            <div
              onClick={() => togglePhoto(m.photoId)}
              role="checkbox"
              aria-checked={photos.has(m.photoId)}
              aria-label={`select ${m.relPath}`}
            >
              <Thumb sha1={m.sha1} alt={m.relPath} private={m.private} size={180} />
            </div>
            <figcaption>
              <a href={href('photos', m.photoId, { run: props.runId })} className="path" title={m.relPath}>
                {m.relPath}
              </a>
              {m.caption && <p className="caption">{m.caption}</p>}
              <div className="chips">
                {m.keywords
                  .filter((k) => k.term !== 'date-uncertain')
                  .slice(0, 8)
                  .map((k) => (
                    <KeywordChip key={chipKey(k)} keyword={k} />
                  ))}
              </div>
            </figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}
