/**
 * OCR in a run: which photos to read (each cluster's medoid, or every clustered photo), and storing
 * what was read — the text for search and the photo page, the confident words as proposed AI terms
 * (`ocr:<model>`), names on the city list as place terms mapped onto the user's tree. A photo a
 * model has read is never read again by it: its stored text is proposed again instead.
 */
import type { Catalog } from '../catalog/catalog';
import { OCR_MODEL_ID, type OcrLine } from '../models/ocr';
import { proxyPathFor } from '../images/loader';
import type { OcrSettings } from '../tags/keyword-settings';
import { TermMapper } from '../tags/caption-terms';
import { ocrTerms, ocrText } from '../tags/ocr-terms';
import { clustersOf } from './medoid-vision';
import { replaceProposals, type ProposalInput } from './keyword-proposals';

export const OCR_SOURCE = `ocr:${OCR_MODEL_ID}`;

export interface TextToRead {
  photoId: number;
  /** The original first (full resolution, read only), then the proxy for formats sharp cannot open. */
  files: string[];
  relPath: string;
}

export interface TextPlan {
  toRead: TextToRead[];
  /** Read before by this model: proposed again from the stored text. */
  readBefore: number;
}

export interface TextRead {
  photoId: number;
  lines: OcrLine[];
  /** Why nothing could be read (the file would not open). */
  failed?: string;
}

function ocrSettingsOf(
  catalog: Catalog,
  runId: string,
): { ocr: OcrSettings; cities: string[]; mapper: TermMapper } {
  const keywords = catalog.runs.run(runId)?.config.cluster?.keywords;
  if (!keywords?.ocr) throw new Error(`run ${runId} has no OCR settings`);
  return {
    ocr: keywords.ocr,
    cities: keywords.cities,
    mapper: new TermMapper(keywords.tree, keywords.aliases),
  };
}

export function planPhotoText(
  catalog: Catalog,
  dataDir: string,
  runId: string,
  proxyLongEdge: number,
): TextPlan {
  const { ocr } = ocrSettingsOf(catalog, runId);
  const photoIds =
    ocr.scope === 'all'
      ? [...catalog.clusters.members(runId).values()].map((m) => m.photoId).sort((a, b) => a - b)
      : [...clustersOf(catalog, runId).values()].map((members) => members[0]);
  const read = catalog.texts.readBy(OCR_MODEL_ID, photoIds);
  const plan: TextPlan = { toRead: [], readBefore: 0 };
  for (const photoId of photoIds) {
    if (read.has(photoId)) continue;
    const photo = catalog.photos.get(photoId);
    const where = catalog.photos.pathsOf(photoId)[0];
    if (!photo || !where) continue;
    plan.toRead.push({
      photoId,
      files: [where.absPath, proxyPathFor(dataDir, photo.sha1, proxyLongEdge)],
      relPath: where.relPath,
    });
  }
  const again = photoIds.filter((id) => read.has(id));
  plan.readBefore = again.length;
  if (again.length)
    proposeText(
      catalog,
      runId,
      again.map((photoId) => ({
        photoId,
        lines: catalog.texts.of(photoId).find((t) => t.model === OCR_MODEL_ID)?.lines ?? [],
      })),
    );
  return plan;
}

/** Stores what OCR read (failed reads store nothing: a later run tries again) and proposes terms. */
export function storePhotoText(catalog: Catalog, runId: string, reads: TextRead[]): { proposed: number } {
  const ok = reads.filter((r) => !r.failed);
  return catalog.transaction(() => {
    catalog.texts.store(
      ok.map((r) => ({
        photoId: r.photoId,
        source: 'ocr',
        model: OCR_MODEL_ID,
        text: ocrText(r.lines),
        lines: r.lines,
      })),
    );
    return { proposed: proposeText(catalog, runId, ok) };
  });
}

function proposeText(
  catalog: Catalog,
  runId: string,
  reads: Array<{ photoId: number; lines: OcrLine[] }>,
): number {
  const { ocr, cities, mapper } = ocrSettingsOf(catalog, runId);
  const proposals: ProposalInput[] = [];
  for (const r of reads)
    for (const t of ocrTerms(r.lines, { minConfidence: ocr.minConfidence, cities })) {
      const mapped = mapper.map(t.term);
      proposals.push({
        photoId: r.photoId,
        layer: 'AI',
        term: mapped.term,
        source: t.place ? `${OCR_SOURCE}:place` : OCR_SOURCE,
        sourceKind: 'ocr',
        score: t.confidence,
        ...(mapped.path ? { path: mapped.path } : {}),
        ...(mapped.mappedFrom ? { mappedFrom: mapped.mappedFrom } : {}),
        runId,
      });
    }
  replaceProposals(catalog, { runId, photoIds: reads.map((r) => r.photoId), kinds: ['ocr'], proposals });
  return proposals.length;
}
