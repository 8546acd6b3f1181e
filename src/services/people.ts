/**
 * People sets for a run, and the studio-black rule — the logic the cpu activity, the report
 * persistence, medoid vision and the review studio share (the pieces live in src/tags).
 *
 * - `scorePeopleFile` (cpu): CLIP zero-shot person presence of every staged image vector, written
 *   as a small file the io side stores.
 * - `peopleOfRun` (io): which clusters of a run are people sets, from the stored person scores and
 *   NSFW scores, computed on the current members (a photo moved by hand moves its vote).
 * - `studioFindings` (io): the studio-black rule over a run's photos (light, EXIF, person presence).
 */
import path from 'node:path';
import type { Catalog } from '../catalog/catalog';
import type { PccConfig } from '../config';
import { readMatrixFile } from '../clustering/input-file';
import { writeFileAtomic } from '../files/atomic-write';
import { embedTextsClip } from '../models/embedder';
import { modelsDir, requireModel } from '../models/model-store';
import type { ClusterSettings } from '../shared/payloads';
import {
  clipPersonScore,
  peopleLabelMatcher,
  peopleSets,
  personPresence,
  type PeopleSettings,
} from '../tags/people-sets';
import { studioVerdict, type StudioNightSettings } from '../tags/studio-night';
import type { Dtype } from '../shared/dtype';

export interface ScorePeopleInput {
  runId: string;
  /** Staged image vectors (clustering input layout). */
  imageFile: string;
  people: PeopleSettings;
  /** The CLIP model whose image tower produced the vectors; its text tower embeds the prompts. */
  model: string;
  dtype: Dtype;
}

export interface PersonScores {
  /** The CLIP model that scored them. */
  model: string;
  rows: Array<{ photoId: number; score: number }>;
}

/** people.json next to the staged vectors: the CLIP model and `[{ photoId, score }]`. */
export async function scorePeopleFile(
  config: PccConfig,
  input: ScorePeopleInput,
  onProgress: (done: number) => void = () => undefined,
): Promise<{ file: string; photos: number; scores: PersonScores }> {
  const { header, vectors } = readMatrixFile(input.imageFile);
  const rows: PersonScores['rows'] = [];
  if (header.photoIds.length) {
    const dir = modelsDir(config);
    requireModel(dir, input.model, input.dtype);
    const { personPrompts, otherPrompts } = input.people;
    const prompts = await embedTextsClip(input.model, [...personPrompts, ...otherPrompts], {
      modelsDir: dir,
      dtype: input.dtype,
      device: config.tuning.device,
    });
    const person = prompts.slice(0, personPrompts.length);
    const other = prompts.slice(personPrompts.length);
    for (let i = 0; i < header.photoIds.length; i++) {
      const image = vectors.data.subarray(i * vectors.cols, (i + 1) * vectors.cols);
      rows.push({ photoId: header.photoIds[i], score: clipPersonScore(image, person, other) });
      if (i % 2000 === 1999) {
        onProgress(i + 1);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  const file = path.join(path.dirname(input.imageFile), 'people.json');
  const scores: PersonScores = { model: input.model, rows };
  writeFileAtomic(file, JSON.stringify(scores));
  return { file, photos: rows.length, scores };
}

export interface RunPeople {
  settings: PeopleSettings;
  /** Cluster ids that are people sets. */
  sets: Set<number>;
  /** Person presence per photo (CLIP or NSFW, the larger), where known. */
  presence: (photoId: number) => number | undefined;
  /** Whether a vocabulary label is a people concept. */
  isPeopleLabel: (label: string) => boolean;
}

/**
 * The people sets of a run's clustering. `clusters` defaults to the stored members; persistence
 * passes the new clustering before it is stored. Undefined when the run does not detect them.
 */
export function peopleOfRun(
  catalog: Catalog,
  settings: Pick<ClusterSettings, 'people'> | undefined,
  clusters: ReadonlyMap<number, readonly number[]>,
): RunPeople | undefined {
  const people = settings?.people;
  if (!people) return undefined;
  const clip = catalog.metadata.personScores();
  const nsfw = catalog.metadata.nsfwScores();
  const presence = (id: number) => personPresence(clip.get(id), nsfw.get(id));
  return {
    settings: people,
    sets: peopleSets(clusters, presence, people),
    presence,
    isPeopleLabel: peopleLabelMatcher(people.labels),
  };
}

/** Members by cluster (noise left out) from `photoId → cluster`. */
export function membersByCluster(
  members: Iterable<{ photoId: number; cluster: number }>,
): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const m of members) {
    if (m.cluster < 0) continue;
    const list = out.get(m.cluster) ?? [];
    list.push(m.photoId);
    out.set(m.cluster, list);
  }
  return out;
}

export interface StudioFinding {
  photoId: number;
  score: number;
  why: string;
}

/** Photos of the run where the studio-black rule fires (light measured, EXIF and a person present). */
export function studioFindings(
  catalog: Catalog,
  photoIds: readonly number[],
  settings: StudioNightSettings,
  presence: (photoId: number) => number | undefined,
): StudioFinding[] {
  const out: StudioFinding[] = [];
  for (const photoId of photoIds) {
    const light = catalog.metadata.light(photoId);
    if (!light) continue;
    const meta = catalog.metadata.get(photoId);
    const verdict = studioVerdict(
      { light, personScore: presence(photoId), iso: meta?.iso, exposureTime: meta?.exposureTime },
      settings,
    );
    if (verdict.fires) out.push({ photoId, score: verdict.score, why: verdict.why });
  }
  return out;
}
