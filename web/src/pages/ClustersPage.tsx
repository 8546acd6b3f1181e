import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { api, query } from '../api';
import { href, navigate } from '../router';
import { ClusterChip } from '../components/Chip';
import { Thumb } from '../components/Thumb';
import { Empty, ErrorBox, Loading } from '../components/Status';
import type { ClusterCard } from '../types';
import { useKeys } from '../hooks';

const PAGE = 200;
const CARD_W = 236;
const CARD_H = 372;

export interface ClusterFilters {
  layer?: string;
  source?: string;
  state?: string;
  minScore?: string;
  folder?: string;
  q?: string;
  dateFrom?: string;
  dateTo?: string;
  sort?: string;
}

function FilterBar(props: { value: ClusterFilters; onChange: (f: ClusterFilters) => void; total?: number }) {
  const f = props.value;
  const set = (k: keyof ClusterFilters) => (e: { target: { value: string } }) =>
    props.onChange({ ...f, [k]: e.target.value || undefined });
  return (
    <form className="filters" onSubmit={(e) => e.preventDefault()}>
      <input
        aria-label="search labels and keywords"
        placeholder="search labels, keywords"
        value={f.q ?? ''}
        onChange={set('q')}
      />
      <select aria-label="layer" value={f.layer ?? ''} onChange={set('layer')}>
        <option value="">any layer</option>
        <option>CK</option>
        <option>AI</option>
        <option>USER</option>
      </select>
      <select aria-label="source" value={f.source ?? ''} onChange={set('source')}>
        <option value="">any source</option>
        {['vision', 'caption', 'concept', 'vocabulary', 'exif', 'ocr', 'heuristic', 'user'].map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <select aria-label="state" value={f.state ?? ''} onChange={set('state')}>
        <option value="">any state</option>
        <option>proposed</option>
        <option>approved</option>
        <option>rejected</option>
      </select>
      <input
        aria-label="minimum score"
        placeholder="min score"
        inputMode="decimal"
        size={6}
        value={f.minScore ?? ''}
        onChange={set('minScore')}
      />
      <input
        aria-label="folder"
        placeholder="folder"
        size={12}
        value={f.folder ?? ''}
        onChange={set('folder')}
      />
      <select aria-label="sort" value={f.sort ?? 'size'} onChange={set('sort')}>
        <option value="size">largest first</option>
        <option value="size-asc">smallest first</option>
        <option value="proposed">most to review</option>
        <option value="label">label</option>
        <option value="date">date</option>
      </select>
      {props.total !== undefined && <span className="count">{props.total.toLocaleString()} clusters</span>}
    </form>
  );
}

export function ClusterCardView({
  card,
  runId,
  active,
}: {
  card: ClusterCard;
  runId: string;
  active?: boolean;
}) {
  return (
    <a
      className={`card${active ? ' active' : ''}`}
      href={href('clusters', card.id, { run: runId })}
      data-cluster={card.id}
    >
      <Thumb sha1={card.medoid?.sha1} alt={card.label} private={card.private} size={212} />
      <div className="card-body">
        <div className="card-title" title={card.label}>
          {card.id < 0 ? 'Unclustered' : card.label}
        </div>
        <div className="badges">
          <span className="badge size">{card.size} photos</span>
          {card.private && <span className="badge private">private</span>}
          {card.peopleSet && (
            <span
              className="badge people"
              title={
                card.peopleSet === 'local'
                  ? 'Mostly photos of people: kept off cloud models'
                  : 'Mostly photos of people (the config allows cloud vision)'
              }
            >
              people
            </span>
          )}
          {card.nsfwReview > 0 && (
            <span
              className="badge review"
              title="NSFW score between 0.2 and the private threshold: worth a look"
            >
              {card.nsfwReview} to check
            </span>
          )}
          {card.dateUncertain > 0 && <span className="badge date">{card.dateUncertain} date?</span>}
        </div>
        <div className="chips">
          {card.chips.slice(0, 6).map((c) => (
            <ClusterChip key={`${c.layer}|${c.term}`} chip={c} compact />
          ))}
        </div>
      </div>
    </a>
  );
}

/** The clusters grid: virtualised rows, pages fetched as they scroll into view. */
export function ClustersPage({
  runId,
  filters,
  onFilters,
}: {
  runId: string;
  filters: ClusterFilters;
  onFilters: (f: ClusterFilters) => void;
}) {
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [pages, setPages] = useState<Map<number, ClusterCard[]>>(new Map());
  const [error, setError] = useState<unknown>(undefined);
  const [active, setActive] = useState(0);
  const parent = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1200);
  const loading = useRef(new Set<number>());
  const key = JSON.stringify({ runId, filters });

  useEffect(() => {
    const el = parent.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  const fetchPage = (page: number, reset = false) => {
    if (loading.current.has(page) && !reset) return;
    loading.current.add(page);
    api
      .get<{ total: number; clusters: ClusterCard[] }>(
        `runs/${encodeURIComponent(runId)}/review/clusters${query({ ...filters, offset: page * PAGE, limit: PAGE })}`,
      )
      .then(
        (r) => {
          setTotal(r.total);
          setPages((old) => new Map(reset ? [] : old).set(page, r.clusters));
          setError(undefined);
        },
        (e: unknown) => setError(e),
      )
      .finally(() => loading.current.delete(page));
  };

  useEffect(() => {
    loading.current.clear();
    setPages(new Map());
    setTotal(undefined);
    fetchPage(0, true);
  }, [key]);

  const columns = Math.max(1, Math.floor(width / CARD_W));
  const rows = total === undefined ? 0 : Math.ceil(total / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => parent.current,
    estimateSize: () => CARD_H,
    overscan: 3,
  });
  const items = virtualizer.getVirtualItems();
  useEffect(() => {
    for (const row of items) {
      const first = row.index * columns;
      for (const page of new Set([Math.floor(first / PAGE), Math.floor((first + columns - 1) / PAGE)]))
        if (!pages.has(page)) fetchPage(page);
    }
  }, [items, columns, pages]);

  const cardAt = useMemo(() => (i: number) => pages.get(Math.floor(i / PAGE))?.[i % PAGE], [pages]);
  const open = (i: number) => {
    const c = cardAt(i);
    if (c) navigate(href('clusters', c.id, { run: runId }));
  };
  const moveTo = (i: number) => {
    const next = Math.max(0, Math.min((total ?? 1) - 1, i));
    setActive(next);
    virtualizer.scrollToIndex(Math.floor(next / columns), { align: 'auto' });
  };
  useKeys({
    j: () => moveTo(active + 1),
    ArrowRight: () => moveTo(active + 1),
    k: () => moveTo(active - 1),
    ArrowLeft: () => moveTo(active - 1),
    ArrowDown: () => moveTo(active + columns),
    ArrowUp: () => moveTo(active - columns),
    Enter: () => open(active),
  });

  return (
    <section className="page clusters-page">
      <FilterBar value={filters} onChange={onFilters} total={total} />
      {error !== undefined && <ErrorBox error={error} retry={() => fetchPage(0, true)} />}
      {total === undefined && error === undefined && <Loading what="clusters" />}
      {total === 0 && <Empty>No cluster matches these filters.</Empty>}
      <div className="grid-scroll" ref={parent}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((row) => (
            <div
              key={row.key}
              className="grid-row"
              style={{ transform: `translateY(${row.start}px)`, height: CARD_H }}
            >
              {Array.from({ length: columns }, (_, c) => {
                const i = row.index * columns + c;
                if (total !== undefined && i >= total) return null;
                const card = cardAt(i);
                return card ? (
                  <ClusterCardView key={card.id} card={card} runId={runId} active={i === active} />
                ) : (
                  <div key={`placeholder-${i}`} className="card placeholder" />
                );
              })}
            </div>
          ))}
        </div>
      </div>
    </section>
  );
}
