/**
 * People sets: clusters that are mostly photos of people (family, portraits, artistic nudes). A
 * photo's person presence is the larger of two local signals — CLIP zero-shot of its stored image
 * vector against person and no-person prompts (the person prompts' share of the softmax), and its
 * Open-NSFW score (nudity implies a person). A cluster is a people set when at least `minShare` of
 * its members reach `minPersonScore`. People sets stay local unless `allowCloud`; people-concept CK
 * labels (`labels`, globs like `hair:*`) are proposed only on them.
 *
 * Runs apply them through src/services/people.ts (docs/privacy.md).
 */
import picomatch from 'picomatch';
import { dot } from '../clustering/matrix';

export interface PeopleSettings {
  personPrompts: string[];
  otherPrompts: string[];
  minPersonScore: number;
  minShare: number;
  allowCloud: boolean;
  labels: string[];
}

export const DEFAULT_PEOPLE: PeopleSettings = {
  personPrompts: [
    'a photo of a person',
    'a portrait of a person',
    'a photo of people',
    "a photo of a person's face",
  ],
  otherPrompts: [
    'a photo of a landscape',
    'a photo of a building',
    'a photo of an object',
    'a photo of an animal',
    'a photo of food',
    'a photo of an empty room',
    'a photo of a street with nobody in it',
  ],
  minPersonScore: 0.5,
  minShare: 0.5,
  allowCloud: false,
  labels: ['profile', 'frontal', 'hands', 'face', 'studio', 'hair:*'],
};

/** The person prompts' share of CLIP's softmax (logit scale 100) over all prompts; vectors unit length. */
export function clipPersonScore(image: Float32Array, person: Float32Array[], other: Float32Array[]): number {
  const logits = [...person, ...other].map((v) => 100 * dot(v, 0, image, 0, image.length));
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const share = exps.slice(0, person.length).reduce((a, b) => a + b, 0) / sum;
  return Math.round(share * 1e4) / 1e4;
}

export function personPresence(clip: number | undefined, nsfw: number | undefined): number | undefined {
  if (clip === undefined && nsfw === undefined) return undefined;
  return Math.max(clip ?? 0, nsfw ?? 0);
}

/** Clusters whose share of members with a person reaches `minShare` (unknown presence counts as none). */
export function peopleSets(
  clusters: ReadonlyMap<number, readonly number[]>,
  presence: (photoId: number) => number | undefined,
  s: Pick<PeopleSettings, 'minPersonScore' | 'minShare'> = DEFAULT_PEOPLE,
): Set<number> {
  const out = new Set<number>();
  for (const [cluster, members] of clusters) {
    if (cluster < 0 || !members.length) continue;
    const withPerson = members.filter((id) => (presence(id) ?? 0) >= s.minPersonScore).length;
    if (withPerson / members.length >= s.minShare) out.add(cluster);
  }
  return out;
}

/** Whether a vocabulary label is a people concept (proposed only on people sets). */
export function peopleLabelMatcher(
  labels: readonly string[] = DEFAULT_PEOPLE.labels,
): (label: string) => boolean {
  const match = picomatch([...labels], { nocase: true });
  return (label) => match(label);
}
