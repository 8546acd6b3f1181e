import { useEffect, useState } from 'react';
import { api, query } from '../api';
import { href } from '../router';
import { Thumb } from '../components/Thumb';
import { Empty, ErrorBox, Loading } from '../components/Status';
import { useData } from '../hooks';
import type {
  DuplicateGroup,
  DuplicateKind,
  DuplicateMember,
  DuplicatesAnswer,
  MarkOutcome,
  MarkState,
  UnmarkOutcome,
} from '../duplicates-types';

const PAGE = 200;

const KIND_LABEL: Record<DuplicateKind, string> = {
  exact: 'exact copy',
  identical: 'identical',
  burst: 'burst',
};

const KIND_HELP: Record<DuplicateKind, string> = {
  exact: 'The same bytes at several paths',
  identical: 'Different files of the same picture: re-saved, resized, rotated or another format',
  burst: 'Very similar photos taken seconds apart',
};

function bytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`;
}

function dimensions(m: DuplicateMember): string {
  return m.width !== undefined && m.height !== undefined ? `${m.width}×${m.height}` : 'size unknown';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const copies = (n: number) => `${n} ${n === 1 ? 'copy' : 'copies'}`;

/** A path that may break after its slashes, never inside a file name. */
function PathText({ relPath }: { relPath: string }) {
  const parts = relPath.split('/');
  return (
    <code>
      {parts.map((part, i) => (
        <span key={i}>
          {i < parts.length - 1 ? (
            <>
              <span className="muted">{part}/</span>
              <wbr />
            </>
          ) : (
            <strong>{part}</strong>
          )}
        </span>
      ))}
    </code>
  );
}

function countsLine(data: DuplicatesAnswer): string {
  const { exact, exactPaths, identical, burst } = data.counts;
  const found = [
    exact ? `${plural(exact, 'exact group')} (${plural(exactPaths, 'path')})` : '',
    identical ? plural(identical, 'identical group') : '',
    burst ? plural(burst, 'burst group') : '',
  ].filter(Boolean);
  return `${found.length ? found.join(', ') : 'no duplicates'} among ${data.photos.toLocaleString()} photos`;
}

/** The marks as the page knows them: from the answer, then from every mark made here. */
type Marks = Map<number, MarkState>;

function MemberCard(props: {
  group: DuplicateGroup;
  member: DuplicateMember;
  mark?: MarkState;
  busy: boolean;
  onMark: (state: MarkState) => void;
  onClear: () => void;
}) {
  const { group, member: m, mark } = props;
  const keeper = group.suggestedKeeper.photoId === m.photoId;
  const first = m.paths[0];
  return (
    <div className={`dup-member${mark ? ` marked-${mark}` : ''}`} data-photo={m.photoId}>
      <div className="dup-thumb">
        <a href={href('photos', m.photoId)} title="open the photo page">
          <Thumb sha1={m.sha1} alt={first?.relPath ?? `photo ${m.photoId}`} private={m.private} size={160} />
        </a>
        {mark && (
          <span className={`dup-mark badge mark-${mark}`}>
            {mark === 'keep' ? 'keep' : 'discard'}
            <button
              type="button"
              className="dup-clear"
              aria-label="Clear"
              title="remove the mark"
              disabled={props.busy}
              onClick={props.onClear}
            >
              ×
            </button>
          </span>
        )}
      </div>
      <div className="dup-facts">
        <div>
          {dimensions(m)} · {bytes(m.size)} · {m.format}
        </div>
        {m.takenAt && <div className="muted small">taken {m.takenAt.replace('T', ' ')}</div>}
        <div className="badges dup-badges">
          {keeper && group.kind !== 'exact' && (
            <span className="badge keeper" title="the most pixels, then the largest file, then the oldest">
              suggested keeper
            </span>
          )}
        </div>
      </div>
      <ul className="dup-paths">
        {m.paths.map((p) => (
          <li key={p.absPath} title={p.absPath}>
            <PathText relPath={p.relPath} />
            {group.kind === 'exact' && p.absPath === group.suggestedKeeper.absPath && (
              <span className="badge keeper">oldest copy: suggested keeper</span>
            )}
          </li>
        ))}
      </ul>
      {group.kind !== 'exact' && (
        <div className="dup-buttons">
          <button
            type="button"
            className={mark === 'keep' ? 'approve' : ''}
            aria-pressed={mark === 'keep'}
            disabled={props.busy}
            onClick={() => (mark === 'keep' ? props.onClear() : props.onMark('keep'))}
            title={mark === 'keep' ? 'marked keep: click to clear the mark' : 'mark this photo keep'}
          >
            Keep
          </button>
          <button
            type="button"
            className={mark === 'discard' ? 'reject' : ''}
            aria-pressed={mark === 'discard'}
            disabled={props.busy}
            onClick={() => (mark === 'discard' ? props.onClear() : props.onMark('discard'))}
            title={
              mark === 'discard'
                ? 'marked discard: click to clear the mark'
                : 'mark this photo discard (the file stays where it is)'
            }
          >
            Discard
          </button>
        </div>
      )}
    </div>
  );
}

function GroupRow(props: {
  group: DuplicateGroup;
  marks: Marks;
  busy: boolean;
  onMark: (group: DuplicateGroup, keep: number[], discard: number[]) => void;
  onClear: (photoIds: number[]) => void;
}) {
  const g = props.group;
  const keeper = g.suggestedKeeper.photoId;
  // The suggested keeper first, so it is never scrolled out of sight; the others in the report's order.
  const members =
    g.kind === 'exact'
      ? g.members
      : [...g.members].sort((a, b) => Number(b.photoId === keeper) - Number(a.photoId === keeper));
  const others = g.members.length - 1;
  return (
    <article className={`dup-group kind-${g.kind}`} data-group={g.id}>
      <header className="dup-head">
        <span className={`badge dup-kind kind-${g.kind}`}>{KIND_LABEL[g.kind]}</span>
        <div className="dup-what">
          <div>
            <strong>
              {g.kind === 'exact'
                ? copies(g.members[0]?.paths.length ?? 0)
                : plural(g.members.length, 'photo')}
            </strong>
            {' · '}
            {KIND_HELP[g.kind]}
          </div>
          <div
            className="muted small"
            title="dHash: a 64-bit fingerprint of the picture's light and dark areas (0 bits apart: the same); cosine: how alike the CLIP image model finds the pictures (1: the same)"
          >
            why: <span className="dup-reason">{g.reason}</span>
            {g.kind !== 'exact' &&
              ' · suggested keeper: the most pixels, then the largest file, then the oldest'}
          </div>
        </div>
        {g.kind !== 'exact' && (
          <button
            type="button"
            disabled={props.busy}
            onClick={() =>
              props.onMark(
                g,
                [keeper],
                g.members.map((m) => m.photoId).filter((id) => id !== keeper),
              )
            }
            title={`mark the suggested keeper keep and the other ${plural(others, 'photo')} discard`}
          >
            Keep suggested
          </button>
        )}
      </header>
      {g.kind === 'exact' && (
        <p className="muted small">
          One photo, the same bytes at {plural(g.members[0]?.paths.length ?? 0, 'path')}. Marks apply to
          photos, not to paths: remove the extra copies in your file manager if you want them gone.
        </p>
      )}
      <div className="dup-members">
        {members.map((m) => (
          <MemberCard
            key={m.photoId}
            group={g}
            member={m}
            mark={props.marks.get(m.photoId)}
            busy={props.busy}
            onMark={(state) =>
              props.onMark(g, state === 'keep' ? [m.photoId] : [], state === 'discard' ? [m.photoId] : [])
            }
            onClear={() => props.onClear([m.photoId])}
          />
        ))}
      </div>
    </article>
  );
}

/**
 * Duplicate groups (exact copies, visually identical photos, bursts) with keep/discard marks.
 * Marks are records in the catalog: this page never deletes or moves a file.
 */
export function DuplicatesPage({ runId, onSaid }: { runId?: string; onSaid: (text: string) => void }) {
  const [kind, setKind] = useState<DuplicateKind | ''>('');
  const [keyword, setKeyword] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [more, setMore] = useState<DuplicateGroup[]>([]);
  const [marks, setMarks] = useState<Marks>(new Map());
  const url = `duplicates${query({ run: runId, kind: kind || undefined, limit: PAGE })}`;
  const { data, error, loading, reload } = useData(url, () => api.get<DuplicatesAnswer>(url));

  // A new answer is the truth about marks; groups loaded with "more" belong to the old one.
  useEffect(() => {
    setMore([]);
    const next: Marks = new Map();
    for (const g of data?.groups ?? [])
      for (const m of g.members) if (m.mark) next.set(m.photoId, m.mark.state);
    setMarks(next);
  }, [data]);

  const groups = [...(data?.groups ?? []), ...more];

  const loadMore = async () => {
    setBusy(true);
    try {
      const page = await api.get<DuplicatesAnswer>(
        `duplicates${query({ run: runId, kind: kind || undefined, limit: PAGE, offset: groups.length })}`,
      );
      setMore((before) => [...before, ...page.groups]);
      setMarks((before) => {
        const next = new Map(before);
        for (const g of page.groups) for (const m of g.members) if (m.mark) next.set(m.photoId, m.mark.state);
        return next;
      });
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const mark = async (group: DuplicateGroup, keep: number[], discard: number[]) => {
    setBusy(true);
    setFailure(undefined);
    try {
      const out = await api.post<MarkOutcome>('duplicates/marks', {
        keep,
        discard,
        keyword,
        kind: group.kind,
        client: 'studio',
      });
      setMarks((before) => {
        const next = new Map(before);
        for (const id of out.kept) next.set(id, 'keep');
        for (const id of out.discarded) next.set(id, 'discard');
        return next;
      });
      const parts = [
        out.kept.length ? `kept ${plural(out.kept.length, 'photo')}` : '',
        out.discarded.length ? `discarded ${plural(out.discarded.length, 'photo')}` : '',
        out.keywordAdded.length ? `AI|duplicate added to ${out.keywordAdded.length}` : '',
        out.keywordWithdrawn.length ? `AI|duplicate taken back from ${out.keywordWithdrawn.length}` : '',
      ].filter(Boolean);
      onSaid(`Marked: ${parts.join(', ')}. No file was touched.`);
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const clear = async (photoIds: number[]) => {
    setBusy(true);
    setFailure(undefined);
    try {
      const out = await api.post<UnmarkOutcome>('duplicates/unmark', { photoIds });
      setMarks((before) => {
        const next = new Map(before);
        for (const id of photoIds) next.delete(id);
        return next;
      });
      onSaid(
        `Mark removed from ${plural(out.unmarked.length, 'photo')}` +
          `${out.keywordWithdrawn.length ? `, AI|duplicate taken back from ${out.keywordWithdrawn.length}` : ''}`,
      );
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page duplicates-page">
      <header className="dup-page-head">
        <h1>Duplicates</h1>
        <p className="dup-safety" role="note">
          Nothing here deletes, moves or renames a file. <strong>Keep</strong> and <strong>Discard</strong>{' '}
          only record your choice in the catalog (the × on a mark, or the same button again, takes it back);
          with the box below ticked, discarded photos also get the approved keyword <code>AI|duplicate</code>,
          which <code>pcc xmp</code> writes to their sidecars so you can find them in your photo manager.
        </p>
        <form className="filters" onSubmit={(e) => e.preventDefault()}>
          <select
            aria-label="kind of group"
            value={kind}
            onChange={(e) => setKind(e.target.value as DuplicateKind | '')}
          >
            <option value="">every kind</option>
            <option value="exact">exact copies</option>
            <option value="identical">visually identical</option>
            <option value="burst">bursts</option>
          </select>
          <label className="dup-keyword">
            <input type="checkbox" checked={keyword} onChange={(e) => setKeyword(e.target.checked)} /> add the
            AI|duplicate keyword to discarded photos
          </label>
          {data && <span className="count">{countsLine(data)}</span>}
        </form>
      </header>
      {failure !== undefined && <ErrorBox error={failure} />}
      {loading && !data && <Loading what="duplicate groups" />}
      {error !== undefined && <ErrorBox error={error} retry={reload} />}
      {data && data.notes.length > 0 && (
        <ul className="dup-notes muted small">
          {data.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {data && !groups.length && <Empty>No duplicates found{kind ? ` of this kind` : ''}.</Empty>}
      {groups.map((g) => (
        <GroupRow key={g.id} group={g} marks={marks} busy={busy} onMark={mark} onClear={clear} />
      ))}
      {data && groups.length < data.total && (
        <button type="button" className="more" disabled={busy} onClick={() => void loadMore()}>
          Show {Math.min(PAGE, data.total - groups.length)} more of {data.total - groups.length}
        </button>
      )}
    </section>
  );
}
