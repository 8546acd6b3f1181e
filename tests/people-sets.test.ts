/**
 * People-set pieces on synthetic vectors with known answers: CLIP person share, presence from CLIP
 * or NSFW, the cluster share threshold on both sides, people-only label globs.
 */
import { clipPersonScore, peopleLabelMatcher, peopleSets, personPresence } from '../src/tags/people-sets';

const unit = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return new Float32Array(xs.map((x) => x / n));
};

describe('people sets', () => {
  const person = [unit(1, 0, 0), unit(0.9, 0.1, 0)];
  const other = [unit(0, 1, 0), unit(0, 0, 1)];

  it('scores a photo near the person prompts high and one near the others low', () => {
    expect(clipPersonScore(unit(1, 0.05, 0), person, other)).toBeGreaterThan(0.99);
    expect(clipPersonScore(unit(0.05, 1, 0.2), person, other)).toBeLessThan(0.01);
    const between = clipPersonScore(unit(1, 1.1, 0), person, other);
    expect(between).toBeGreaterThan(0.01);
    expect(between).toBeLessThan(0.99);
  });

  it('presence is the larger of CLIP and NSFW (nudity implies a person), unknown without either', () => {
    expect(personPresence(0.2, 0.9)).toBe(0.9);
    expect(personPresence(0.7, undefined)).toBe(0.7);
    expect(personPresence(undefined, undefined)).toBeUndefined();
  });

  it('a cluster is a people set at the share threshold, not below it; noise never is', () => {
    const presence = new Map([
      [1, 0.9],
      [2, 0.6],
      [3, 0.1],
      [4, 0.5],
      [5, 0.49],
      [6, 0.95],
    ]);
    const clusters = new Map([
      [0, [1, 2, 3, 7]], // 2 of 4 (7 unknown) = 0.5 → people set
      [1, [3, 5, 4]], // 1 of 3 → not
      [-1, [6]], // noise
    ]);
    expect([...peopleSets(clusters, (id) => presence.get(id))]).toEqual([0]);
    expect([
      ...peopleSets(clusters, (id) => presence.get(id), { minPersonScore: 0.5, minShare: 0.51 }),
    ]).toEqual([]);
    expect([
      ...peopleSets(clusters, (id) => presence.get(id), { minPersonScore: 0.49, minShare: 0.6 }),
    ]).toEqual([1]);
  });

  it('knows the people-only labels, hair:* included', () => {
    const isPeople = peopleLabelMatcher();
    for (const l of ['profile', 'hair:blonde', 'Face', 'studio']) expect(isPeople(l)).toBe(true);
    for (const l of ['landscape', 'hairdryer', 'night']) expect(isPeople(l)).toBe(false);
  });
});
