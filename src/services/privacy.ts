/**
 * Which photos are private for a run — one verdict for every place that asks (medoid vision, the
 * review studio): a local-only glob on any of the photo's paths, or an Open-NSFW score at or above
 * the run's threshold. Scores in the review band (0.2 up to the threshold) are flagged, not private.
 */
import type { Catalog } from '../catalog/catalog';
import { localOnlyMatcher } from '../library/local-only';
import type { RunConfig } from '../shared/payloads';

export interface PrivacyVerdicts {
  isPrivate(photoId: number, relPaths: readonly string[]): boolean;
  inReview(photoId: number): boolean;
}

/**
 * `bulk`: read every stored score once (library-wide views); otherwise one lookup per photo asked
 * about (a single photo's page).
 */
export function privacyOf(
  catalog: Catalog,
  config: Pick<RunConfig, 'localOnly' | 'privacy'> | undefined,
  options: { bulk: boolean },
): PrivacyVerdicts {
  const glob = localOnlyMatcher(config?.localOnly ?? []);
  const threshold = config?.privacy?.nsfwThreshold ?? Infinity;
  const review = config?.privacy?.reviewThreshold ?? Infinity;
  let scoreOf: (photoId: number) => number | undefined = () => undefined;
  if (config?.privacy) {
    if (options.bulk) {
      const scores = catalog.metadata.nsfwScores();
      scoreOf = (id) => scores.get(id);
    } else scoreOf = (id) => catalog.metadata.nsfwScore(id);
  }
  return {
    isPrivate: (photoId, relPaths) => (scoreOf(photoId) ?? 0) >= threshold || relPaths.some((p) => glob(p)),
    inReview: (photoId) => {
      const score = scoreOf(photoId);
      return score !== undefined && score >= review && score < threshold;
    },
  };
}
