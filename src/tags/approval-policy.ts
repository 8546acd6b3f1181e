/**
 * The approval policy: which proposed keywords are approved without a person. Rules are written
 * `LAYER:SOURCE` or `LAYER:SOURCE>=SCORE` (`CK:vocabulary`, `AI:vision>=0.5`, `*:exif`); a
 * proposal matching any rule is approved at once, every other one waits for review. The default
 * approves what is controlled or factual (vocabulary labels above their threshold, EXIF gear rules,
 * the date resolver's flag) and leaves every freeform word (captions, concepts, vision, OCR) to a
 * person.
 */
import { SOURCE_KINDS, type KeywordLayer, type SourceKind } from '../catalog/keywords.repository';

export interface ApprovalRule {
  layer: KeywordLayer | '*';
  sourceKind: SourceKind | '*';
  minScore?: number;
}

export const DEFAULT_AUTO_APPROVE = ['CK:vocabulary', 'CK:exif', 'AI:date'] as const;

export class ApprovalPolicyError extends Error {
  override name = 'ApprovalPolicyError';
}

export function parseApprovalRule(text: string): ApprovalRule {
  const m = /^\s*(CK|AI|\*)\s*:\s*([a-z*]+)\s*(?:>=\s*(-?\d+(?:\.\d+)?))?\s*$/i.exec(text);
  const kinds = ['*', ...SOURCE_KINDS] as string[];
  if (!m || !kinds.includes(m[2].toLowerCase())) {
    throw new ApprovalPolicyError(
      `auto-approve rule "${text}" is not LAYER:SOURCE[>=SCORE]; LAYER is CK, AI or *, SOURCE one of ${kinds.join(', ')}`,
    );
  }
  return {
    layer: m[1].toUpperCase() as ApprovalRule['layer'],
    sourceKind: m[2].toLowerCase() as ApprovalRule['sourceKind'],
    ...(m[3] !== undefined ? { minScore: Number(m[3]) } : {}),
  };
}

export function parseApprovalPolicy(rules: readonly string[] = DEFAULT_AUTO_APPROVE): ApprovalRule[] {
  return rules.map(parseApprovalRule);
}

export function formatApprovalRule(rule: ApprovalRule): string {
  return `${rule.layer}:${rule.sourceKind}${rule.minScore !== undefined ? `>=${rule.minScore}` : ''}`;
}

/** What the policy makes of one proposal. */
export function policyState(
  rules: readonly ApprovalRule[],
  proposal: { layer: KeywordLayer; sourceKind: SourceKind; score?: number },
): 'approved' | 'proposed' {
  const hit = rules.some(
    (r) =>
      (r.layer === '*' || r.layer === proposal.layer) &&
      (r.sourceKind === '*' || r.sourceKind === proposal.sourceKind) &&
      (r.minScore === undefined || (proposal.score !== undefined && proposal.score >= r.minScore)),
  );
  return hit ? 'approved' : 'proposed';
}
