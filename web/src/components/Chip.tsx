import type { Chip as ChipData, PhotoKeyword } from '../types';

const stateMark = { approved: '✓', rejected: '✗', proposed: '' } as const;

function chipState(c: ChipData): 'approved' | 'rejected' | 'proposed' | 'mixed' {
  const kinds = (['approved', 'proposed', 'rejected'] as const).filter((s) => c[s] > 0);
  return kinds.length === 1 ? kinds[0] : 'mixed';
}

/** A cluster chip: term, share of the cluster, best score, sources on hover; state by colour. */
export function ClusterChip(props: {
  chip: ChipData;
  selected?: boolean;
  onToggle?: () => void;
  compact?: boolean;
}) {
  const { chip, selected, onToggle } = props;
  const state = chipState(chip);
  const title = `${chip.path} — ${chip.photos}/${chip.members} photos · ${chip.approved} approved, ${chip.proposed} proposed, ${chip.rejected} rejected${chip.score !== undefined ? ` · best score ${chip.score.toFixed(3)}` : ''} · ${chip.sources.join(', ')}`;
  const body = (
    <>
      <span className="layer">{chip.layer}</span>
      <span className="term">{chip.term}</span>
      {!props.compact && (
        <span className="share">
          {chip.photos}/{chip.members}
        </span>
      )}
      {!props.compact && chip.score !== undefined && <span className="score">{chip.score.toFixed(2)}</span>}
      {state !== 'mixed' && stateMark[state] && <span className="mark">{stateMark[state]}</span>}
    </>
  );
  if (!onToggle)
    return (
      <span className={`chip ${state}`} title={title} data-term={chip.term}>
        {body}
      </span>
    );
  return (
    <button
      type="button"
      className={`chip ${state}${selected ? ' selected' : ''}`}
      title={title}
      aria-pressed={selected}
      data-term={chip.term}
      onClick={onToggle}
    >
      {body}
    </button>
  );
}

/** One photo's keyword with its provenance. */
export function KeywordChip({ keyword }: { keyword: PhotoKeyword }) {
  const best = keyword.score;
  const title = keyword.sources
    .map(
      (s) =>
        `${s.source}${s.score !== undefined ? ` ${s.score.toFixed(3)}` : ''}${s.fromCluster !== undefined ? ` (cluster ${s.fromCluster})` : ''}${s.mappedFrom ? ` from “${s.mappedFrom}”` : ''}`,
    )
    .join('\n');
  return (
    <span
      className={`chip small ${keyword.state}`}
      title={`${keyword.path} · ${keyword.state} (${keyword.decidedBy})\n${title}`}
    >
      <span className="layer">{keyword.layer}</span>
      <span className="term">{keyword.term}</span>
      {best !== undefined && <span className="score">{best.toFixed(2)}</span>}
      {stateMark[keyword.state] && <span className="mark">{stateMark[keyword.state]}</span>}
    </span>
  );
}
