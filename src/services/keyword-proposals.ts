/**
 * Turns what the sources computed into keyword proposals in the catalog, through the run's
 * approval policy. Shared by the run's io activities and `pcc report`. Each source's earlier
 * proposals for the same photos are withdrawn first (a re-tag replaces), except where a person
 * decided.
 */
import type { Catalog } from '../catalog/catalog';
import type { VocabularyScoreRow } from '../catalog/clusters.repository';
import type { KeywordProposal, KeywordLayer, SourceKind } from '../catalog/keywords.repository';
import {
  DEFAULT_AUTO_APPROVE,
  parseApprovalPolicy,
  policyState,
  type ApprovalRule,
} from '../tags/approval-policy';
import type { AiKeywordRow } from './ai-keywords';
import { STUDIO_RULE_SOURCE, STUDIO_TERMS } from '../tags/studio-night';

export type ProposalInput = Omit<KeywordProposal, 'state'>;

/** The run's approval policy (the default one for runs without keyword settings). */
export function policyOfRun(catalog: Catalog, runId: string): ApprovalRule[] {
  return (
    catalog.runs.run(runId)?.config.cluster?.keywords?.autoApprove ??
    parseApprovalPolicy(DEFAULT_AUTO_APPROVE)
  );
}

export function withPolicy(rules: readonly ApprovalRule[], proposals: ProposalInput[]): KeywordProposal[] {
  return proposals.map((p) => ({ ...p, state: policyState(rules, p) }));
}

/** Vocabulary labels (top-K at or above the threshold) and EXIF gear terms as CK proposals. */
export function vocabularyProposals(runId: string, scored: Iterable<VocabularyScoreRow>): ProposalInput[] {
  const out: ProposalInput[] = [];
  for (const s of scored) {
    const scores = new Map(s.top.map((t) => [t.label, t.score]));
    for (const term of s.approved) {
      const fromGear = !scores.has(term);
      out.push({
        photoId: s.photoId,
        layer: 'CK',
        term,
        source: fromGear ? 'exif-gear' : `vocabulary:${s.model}`,
        sourceKind: fromGear ? 'exif' : 'vocabulary',
        ...(fromGear ? {} : { score: scores.get(term) }),
        runId,
      });
    }
  }
  return out;
}

/** The studio-black rule's terms on each photo where it fired, the rule named as their source. */
export function studioProposals(
  runId: string,
  findings: Iterable<{ photoId: number; score: number }>,
): ProposalInput[] {
  const out: ProposalInput[] = [];
  for (const f of findings)
    for (const term of STUDIO_TERMS)
      out.push({
        photoId: f.photoId,
        layer: 'CK',
        term,
        source: STUDIO_RULE_SOURCE,
        sourceKind: 'heuristic',
        score: f.score,
        runId,
      });
  return out;
}

export function aiProposals(runId: string, rows: Iterable<AiKeywordRow>): ProposalInput[] {
  const out: ProposalInput[] = [];
  for (const r of rows)
    for (const t of r.terms)
      out.push({
        photoId: r.photoId,
        layer: 'AI',
        term: t.term,
        source: t.sourceKind === 'caption' ? 'caption' : 'concept-bank',
        sourceKind: t.sourceKind,
        score: t.score,
        ...(t.path ? { path: t.path } : {}),
        ...(t.mappedFrom ? { mappedFrom: t.mappedFrom } : {}),
        runId,
      });
  return out;
}

/** Replaces the proposals of some source kinds for these photos with new ones. */
export function replaceProposals(
  catalog: Catalog,
  input: { runId: string; photoIds: number[]; kinds: readonly SourceKind[]; proposals: ProposalInput[] },
): void {
  const rules = policyOfRun(catalog, input.runId);
  catalog.transaction(() => {
    catalog.keywords.withdraw(input.runId, input.kinds, input.photoIds);
    catalog.keywords.propose(withPolicy(rules, input.proposals));
  });
}

/**
 * The keywords already in a photo's file or sidecar, as the user's: `CK|x` and `AI|x` in
 * hierarchical lists keep their layer, any other path is the user's own tree, and flat keywords
 * that no hierarchical entry explains are the user's flat keywords.
 */
export function userKeywordsOf(flat: readonly string[], hierarchical: readonly string[]) {
  const out: Array<{ layer: KeywordLayer; term: string; path: string }> = [];
  const leaves = new Set<string>();
  for (const h of hierarchical) {
    const parts = h
      .split('|')
      .map((p) => p.trim())
      .filter(Boolean);
    if (!parts.length) continue;
    const leaf = parts[parts.length - 1];
    leaves.add(leaf);
    if (parts.length === 2 && (parts[0] === 'CK' || parts[0] === 'AI'))
      out.push({ layer: parts[0], term: leaf, path: parts.join('|') });
    else out.push({ layer: 'USER', term: leaf, path: parts.join('|') });
  }
  for (const k of flat) {
    const term = k.trim();
    if (term && !leaves.has(term)) out.push({ layer: 'USER', term, path: term });
  }
  return out;
}
