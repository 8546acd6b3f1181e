import { useEffect, useState } from 'react';
import { api, query } from '../api';
import { href, navigate } from '../router';
import { Thumb } from '../components/Thumb';
import { Empty, ErrorBox, Loading } from '../components/Status';
import type { SearchHit, SearchPage as Page } from '../types';

/** The search form's fields: the API's parameter names (src/search/search-query.ts). */
const FIELDS = [
  'q',
  'from',
  'to',
  'camera',
  'lens',
  'folder',
  'keyword',
  'people',
  'private',
  'has-gps',
  'min-score',
] as const;
type Field = (typeof FIELDS)[number];
type Form = Partial<Record<Field, string>>;

const LEG_NAMES: Record<string, string> = {
  caption: 'caption meaning',
  image: 'image meaning',
  text: 'full text',
  keyword: 'keywords',
};
const PAGE = 40;

function formOf(params: URLSearchParams): Form {
  const f: Form = {};
  for (const k of FIELDS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

function HitCard({ hit, runId }: { hit: SearchHit; runId?: string }) {
  const name = hit.relPath ?? `photo ${hit.photoId}`;
  return (
    <a className="search-hit" href={href('photos', hit.photoId, { run: runId })} data-photo={hit.photoId}>
      <Thumb sha1={hit.sha1} alt={name} private={hit.private} size={180} />
      <div className="search-hit-body">
        <div className="search-hit-head">
          <span className="score" title="fused score, 0–1">
            {hit.score.toFixed(2)}
          </span>
          <span className="path" title={name}>
            {name}
          </span>
        </div>
        {hit.caption && <div className="caption">{hit.caption}</div>}
        <ul className="why" aria-label="why it matched">
          {hit.why.slice(0, 5).map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
        <div className="muted small">{[hit.date?.slice(0, 10), hit.camera].filter(Boolean).join(' · ')}</div>
      </div>
    </a>
  );
}

/** Search: words and filters in the URL (so reload and back work), results with score and why. */
export function SearchPage({ params, runId }: { params: URLSearchParams; runId?: string }) {
  const applied = formOf(params);
  const [form, setForm] = useState<Form>(applied);
  const [pages, setPages] = useState<Page[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const key = query(applied);
  const hasQuery = Object.keys(applied).length > 0;

  useEffect(() => {
    setForm(applied);
    if (!hasQuery) return setPages([]);
    let stale = false;
    setLoading(true);
    api.get<Page>(`search${query({ ...applied, limit: PAGE })}`).then(
      (p) => {
        if (stale) return;
        setPages([p]);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (stale) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      stale = true;
    };
  }, [key]); // `key` is the applied form: a new search only when it changes

  const more = async () => {
    const offset = pages.reduce((n, p) => n + p.results.length, 0);
    try {
      const next = await api.get<Page>(`search${query({ ...applied, limit: PAGE, offset })}`);
      setPages((ps) => [...ps, next]);
    } catch (e) {
      setError(e);
    }
  };

  const set = (k: Field) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value || undefined }));
  const submit = () => navigate(href('search', undefined, { ...form, run: runId }));
  const first = pages[0];
  const hits = pages.flatMap((p) => p.results);

  return (
    <div className="page search-page">
      <form
        className="filters search-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <input
          className="search-words"
          aria-label="search words"
          placeholder="blue glass on a window sill"
          value={form.q ?? ''}
          onChange={set('q')}
          autoFocus
        />
        <button type="submit">Search</button>
        <input
          aria-label="from date"
          placeholder="from (YYYY-MM)"
          size={10}
          value={form.from ?? ''}
          onChange={set('from')}
        />
        <input aria-label="to date" placeholder="to" size={10} value={form.to ?? ''} onChange={set('to')} />
        <input
          aria-label="camera"
          placeholder="camera"
          size={10}
          value={form.camera ?? ''}
          onChange={set('camera')}
        />
        <input aria-label="lens" placeholder="lens" size={8} value={form.lens ?? ''} onChange={set('lens')} />
        <input
          aria-label="folder glob"
          placeholder="folder glob"
          size={12}
          value={form.folder ?? ''}
          onChange={set('folder')}
        />
        <input
          aria-label="keyword"
          placeholder="keyword"
          size={10}
          value={form.keyword ?? ''}
          onChange={set('keyword')}
        />
        <select aria-label="people" value={form.people ?? ''} onChange={set('people')}>
          <option value="">people: any</option>
          <option value="only">people only</option>
          <option value="exclude">no people</option>
        </select>
        <select aria-label="private" value={form.private ?? ''} onChange={set('private')}>
          <option value="">private: any</option>
          <option value="only">private only</option>
          <option value="exclude">not private</option>
        </select>
        <select aria-label="GPS" value={form['has-gps'] ?? ''} onChange={set('has-gps')}>
          <option value="">GPS: any</option>
          <option value="true">with GPS</option>
          <option value="false">without GPS</option>
        </select>
        <input
          aria-label="minimum score"
          placeholder="min score 0.3"
          inputMode="decimal"
          size={8}
          value={form['min-score'] ?? ''}
          onChange={set('min-score')}
        />
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      {loading && <Loading what="results" />}
      {!hasQuery && (
        <Empty>
          Search by meaning (“kids on the beach”), by words in captions and in the photos (signs, labels), by
          keywords, or by filters alone. Every result shows its score and why it matched.
        </Empty>
      )}
      {first && !loading && (
        <>
          <p className="search-summary" role="status">
            {first.total.toLocaleString()} result{first.total === 1 ? '' : 's'}
            {first.candidates !== null &&
              ` among ${first.candidates.toLocaleString()} photos passing the filters`}{' '}
            · {first.tookMs} ms ·{' '}
            {first.legs.map((l) => `${LEG_NAMES[l.leg] ?? l.leg}${l.used ? '' : ' (off)'}`).join(', ')}
          </p>
          {first.legs
            .filter((l) => l.note)
            .map((l) => (
              <p key={l.leg} className="muted small">
                {LEG_NAMES[l.leg] ?? l.leg}: {l.note}
              </p>
            ))}
          {!first.total && (
            <Empty>
              Nothing scored at or above {applied['min-score'] ?? '0.3'}. Lower the minimum score or loosen a
              filter.
            </Empty>
          )}
          <div className="search-results">
            {hits.map((h) => (
              <HitCard key={h.photoId} hit={h} runId={runId} />
            ))}
          </div>
          {hits.length < first.total && (
            <button type="button" className="more" onClick={() => void more()}>
              Show more ({(first.total - hits.length).toLocaleString()} left)
            </button>
          )}
        </>
      )}
    </div>
  );
}
