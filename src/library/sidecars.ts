/**
 * XMP sidecars: approved keywords as dc:subject, lr:hierarchicalSubject (`CK|term` controlled,
 * `AI|term` freeform, the user's own paths) and digiKam:TagsList (`CK/term`), and the caption as
 * dc:description, next to each photo (docs/xmp.md says which app reads which field). Existing sidecars are merged
 * (their keywords kept, nothing duplicated, other fields untouched); writing twice changes nothing.
 * Originals are never opened for writing: only `.xmp` paths are ever passed to ExifTool's writer,
 * and no tag is ever copied from the photo (so GPS never travels into a sidecar).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Catalog } from '../catalog/catalog';
import { csvRows } from '../reports/csv';
import { exiftoolScript } from '../images/exiftool';
import { batchReader } from '../images/exiftool-batch';
import {
  assertSafeArguments,
  EXACT_JSON_READ,
  ExiftoolAliases,
  tagsJson,
  withAliases,
  xmpText,
} from '../images/exiftool-safe';
import type { CaptionKey } from '../shared/payloads';
import type { KeywordLayer } from '../catalog/keywords.repository';

export type SidecarNaming = 'photo.xmp' | 'photo.ext.xmp';

/** A keyword a sidecar gains, with where it came from (for the dry run and the audit). */
export interface PlannedKeyword {
  layer: KeywordLayer;
  term: string;
  /** Its hierarchical path: `CK|term`, `AI|term` or the user's own tree path. */
  path: string;
  /** Every source that proposed it, joined with `+` (`vision:openai/gpt-4.1-mini+caption`). */
  source: string;
  score?: number;
  runId?: string;
}

export interface SidecarPlan {
  photoPath: string;
  sidecarPath: string;
  add: PlannedKeyword[];
  description?: string;
  /** The merged lists the sidecar will hold. */
  subject: string[];
  hierarchical: string[];
  tagsList: string[];
  exists: boolean;
}

export interface SidecarResult {
  photoPath: string;
  sidecarPath: string;
  status: 'written' | 'unchanged' | 'error';
  added: PlannedKeyword[];
  description?: string;
  reason?: string;
}

export function sidecarPathFor(photoPath: string, naming: SidecarNaming): string {
  if (naming === 'photo.ext.xmp') return `${photoPath}.xmp`;
  const ext = path.extname(photoPath);
  return `${photoPath.slice(0, photoPath.length - ext.length)}.xmp`;
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v)).filter(Boolean);
}

/** The fields of an existing sidecar that a merge needs, read exactly (numbers stay text). */
export async function readSidecar(sidecarPath: string): Promise<Record<string, unknown>> {
  return withAliases(async (aliases) => {
    const json = await batchReader().run([
      ...EXACT_JSON_READ,
      '-XMP-dc:Subject',
      '-XMP-lr:HierarchicalSubject',
      '-XMP-digiKam:TagsList',
      '-XMP-dc:Description',
      aliases.forRead(sidecarPath),
    ]);
    const rows = json.trim() ? (JSON.parse(json) as Array<Record<string, unknown>>) : [];
    return rows[0] ?? {};
  });
}

/** The keywords of an existing sidecar next to a photo (either naming), or undefined when none. */
export async function existingSidecarKeywords(
  photoPath: string,
): Promise<{ flat: string[]; hierarchical: string[] } | undefined> {
  const found = (['photo.xmp', 'photo.ext.xmp'] as const)
    .map((n) => sidecarPathFor(photoPath, n))
    .filter((p) => p !== photoPath && fs.existsSync(p));
  if (!found.length) return undefined;
  const flat: string[] = [];
  const hierarchical: string[] = [];
  for (const file of found) {
    const tags = await readSidecar(file);
    flat.push(...list(tags.Subject));
    hierarchical.push(
      ...list(tags.HierarchicalSubject),
      ...list(tags.TagsList).map((t) => t.replace(/\//g, '|')),
    );
  }
  return { flat: [...new Set(flat)], hierarchical: [...new Set(hierarchical)] };
}

/** digiKam's TagsList spells a path with slashes. */
export function digikamPath(path: string): string {
  return path.split('|').join('/');
}

/**
 * What each photo of a run's library should get: its approved keywords (never a proposed or
 * rejected one) and the run's caption; reads existing sidecars, writes nothing.
 */
export async function planSidecars(
  catalog: Catalog,
  runId: string,
  naming: SidecarNaming,
): Promise<SidecarPlan[]> {
  const config = catalog.runs.run(runId)?.config;
  if (!config) throw new Error(`no run ${runId} in the catalog`);
  const key: CaptionKey = { backend: config.backend, model: config.model, promptHash: config.promptHash };
  const plans: SidecarPlan[] = [];
  for (const item of catalog.runs.libraryOf(runId)) {
    const keywords = catalog.keywords.approvedOf(item.photoId);
    const caption = catalog.results.get(item.photoId, 'caption', key);
    const description = caption?.status === 'success' ? (caption.output ?? undefined) : undefined;
    if (!keywords.length && !description) continue;
    const paths = catalog.photos.pathsOf(item.photoId).filter((p) => config.roots.includes(p.root));
    for (const p of paths.length ? paths : [{ absPath: item.absPath }]) {
      const sidecarPath = sidecarPathFor(p.absPath, naming);
      if (sidecarPath === p.absPath) throw new Error(`refusing to write over the original ${p.absPath}`);
      const exists = fs.existsSync(sidecarPath);
      const current = exists ? await readSidecar(sidecarPath) : {};
      const subject = list(current.Subject);
      const hierarchical = list(current.HierarchicalSubject);
      const tagsList = list(current.TagsList);
      const add: PlannedKeyword[] = [];
      const subjectAdd: string[] = [];
      const hierarchicalAdd: string[] = [];
      const tagsAdd: string[] = [];
      for (const k of keywords) {
        const missingHere = [
          !subject.includes(k.term) && !subjectAdd.includes(k.term) && subjectAdd.push(k.term),
          !hierarchical.includes(k.path) && !hierarchicalAdd.includes(k.path) && hierarchicalAdd.push(k.path),
          !tagsList.includes(digikamPath(k.path)) &&
            !tagsAdd.includes(digikamPath(k.path)) &&
            tagsAdd.push(digikamPath(k.path)),
        ].some(Boolean);
        if (!missingHere) continue;
        add.push({
          layer: k.layer,
          term: k.term,
          path: k.path,
          source: [...new Set(k.sources.map((s) => s.source))].join('+'),
          ...(k.score !== undefined ? { score: k.score } : {}),
          ...(k.sources.find((s) => s.runId)?.runId ? { runId: k.sources.find((s) => s.runId)!.runId } : {}),
        });
      }
      const keepDescription = current.Description !== undefined && String(current.Description).trim() !== '';
      plans.push({
        photoPath: p.absPath,
        sidecarPath,
        exists,
        add,
        description: keepDescription ? undefined : description,
        subject: [...subject, ...subjectAdd],
        hierarchical: [...hierarchical, ...hierarchicalAdd],
        tagsList: [...tagsList, ...tagsAdd],
      });
    }
  }
  return plans;
}

export function isNoop(plan: SidecarPlan): boolean {
  return !plan.add.length && !plan.description;
}

/** A write that failed, as the photo's reason: a read-only folder says what to do about it. */
function writeFailure(plan: SidecarPlan, message: string): string {
  const first = message.split('\n')[0];
  const readOnly = /permission|not permitted|read-only|EACCES|EPERM|EROFS|Error creating/i.test(first);
  return readOnly
    ? `cannot write ${plan.sidecarPath}: the folder is read-only (${first}); make it writable and run again`
    : `cannot write ${plan.sidecarPath}: ${first}`;
}

/** The tags one plan writes; values travel in a JSON import file, never as arguments. */
function tagsOf(plan: SidecarPlan): Record<string, string | string[]> {
  const tags: Record<string, string | string[]> = {};
  // Text XMP cannot hold is dropped; what is left empty is not written at all.
  const list = (values: string[]) => values.map(xmpText).filter(Boolean);
  if (plan.add.length) {
    // A list assigned by the import replaces the sidecar's list with exactly the merged one.
    tags['XMP-dc:Subject'] = list(plan.subject);
    tags['XMP-lr:HierarchicalSubject'] = list(plan.hierarchical);
    tags['XMP-digiKam:TagsList'] = list(plan.tagsList);
  }
  const description = xmpText(plan.description ?? '');
  if (description) tags['XMP-dc:Description'] = description;
  return tags;
}

/**
 * One `exiftool -@ argfile` process for a chunk of sidecars (one -execute each). Returns false
 * when anything in the chunk failed; the caller then writes its sidecars one by one.
 */
async function runChunk(plans: SidecarPlan[]): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-xmp-'));
  const aliases = new ExiftoolAliases();
  try {
    const targets = await Promise.all(plans.map((p) => aliases.forWrite(p.sidecarPath)));
    const lines = ['-charset', 'filename=utf8', '-q'];
    plans.forEach((plan, i) => {
      const json = path.join(dir, `tags${i}.json`);
      fs.writeFileSync(json, tagsJson(tagsOf(plan)));
      lines.push(`-json=${json}`, '-overwrite_original', targets[i].exiftoolPath, '-execute');
    });
    const { ok } = await runArgfile(dir, lines);
    if (!ok) return false;
    for (const t of targets) await t.commit();
    return true;
  } catch {
    return false;
  } finally {
    aliases.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function resultBase(plan: SidecarPlan) {
  return {
    photoPath: plan.photoPath,
    sidecarPath: plan.sidecarPath,
    added: plan.add,
    ...(plan.description ? { description: plan.description } : {}),
  };
}

/** Writes one planned sidecar; a folder that refuses the write is this photo's error, not the run's. */
export async function applySidecar(plan: SidecarPlan): Promise<SidecarResult> {
  const base = resultBase(plan);
  if (isNoop(plan)) return { ...base, status: 'unchanged', added: [], description: undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-xmp-'));
  const aliases = new ExiftoolAliases();
  try {
    const target = await aliases.forWrite(plan.sidecarPath);
    const json = path.join(dir, 'tags.json');
    fs.writeFileSync(json, tagsJson(tagsOf(plan)));
    const lines = ['-charset', 'filename=utf8', `-json=${json}`, '-overwrite_original', target.exiftoolPath];
    const { ok, errors } = await runArgfile(dir, lines);
    if (!ok) return { ...base, status: 'error', reason: writeFailure(plan, errors || 'ExifTool failed') };
    await target.commit();
    return { ...base, status: 'written' };
  } catch (err) {
    return { ...base, status: 'error', reason: writeFailure(plan, (err as Error).message) };
  } finally {
    aliases.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs ExifTool on an argfile (one checked argument per line) and collects its errors. */
function runArgfile(dir: string, lines: string[]): Promise<{ ok: boolean; errors: string }> {
  assertSafeArguments(lines);
  const argfile = path.join(dir, 'args.txt');
  fs.writeFileSync(argfile, `${lines.join('\n')}\n`);
  return new Promise((resolve) => {
    const child = spawn('perl', [exiftoolScript(), '-@', argfile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (d) => (errors += d));
    child.once('error', (err) => resolve({ ok: false, errors: err.message }));
    child.once('exit', (code) =>
      resolve({ ok: code === 0 && !/error/i.test(errors), errors: errors.trim() }),
    );
  });
}

/**
 * Writes many sidecars fast: chunks of `chunkSize` through one ExifTool process each, at most
 * `concurrency` at once. A chunk that reports any error is written again photo by photo, so each
 * failure (a read-only folder) is reported for its own photo and the others still land.
 */
export async function applySidecars(
  plans: SidecarPlan[],
  options: { chunkSize?: number; concurrency?: number; onProgress?: (done: number) => void } = {},
): Promise<SidecarResult[]> {
  const results = new Map<SidecarPlan, SidecarResult>();
  const work = plans.filter((p) => {
    if (!isNoop(p)) return true;
    results.set(p, { ...resultBase(p), status: 'unchanged', added: [], description: undefined });
    return false;
  });
  const size = options.chunkSize ?? 200;
  const chunks: SidecarPlan[][] = [];
  for (let i = 0; i < work.length; i += size) chunks.push(work.slice(i, i + size));
  let next = 0;
  let done = results.size;
  const lane = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      if (await runChunk(chunk)) {
        for (const p of chunk) results.set(p, { ...resultBase(p), status: 'written' });
      } else {
        for (const p of chunk) results.set(p, await applySidecar(p));
      }
      done += chunk.length;
      options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, lane));
  return plans.map((p) => results.get(p) as SidecarResult);
}

export const AUDIT_HEADER = 'timestamp,photo_path,sidecar_path,field,value,layer,source,score,run_id';

/**
 * Appends one audit row per keyword (and description) a sidecar gained, naming each keyword's real
 * source. An audit file in an older layout is kept aside (renamed) rather than mixed with this one.
 */
export function appendAudit(
  file: string,
  results: SidecarResult[],
  captionSource: string,
  runId: string,
): number {
  const at = new Date().toISOString();
  const rows: Array<Array<string | number>> = [];
  for (const r of results.filter((x) => x.status === 'written')) {
    for (const k of r.added)
      rows.push([
        at,
        r.photoPath,
        r.sidecarPath,
        'keyword',
        k.path,
        k.layer,
        k.source,
        k.score ?? '',
        k.runId ?? runId,
      ]);
    if (r.description)
      rows.push([at, r.photoPath, r.sidecarPath, 'description', r.description, '', captionSource, '', runId]);
  }
  if (!rows.length) return 0;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('\n', 1)[0] !== AUDIT_HEADER)
    fs.renameSync(file, `${file}.${at.replace(/[:.]/g, '-')}.old`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${AUDIT_HEADER}\n`);
  fs.appendFileSync(file, csvRows(rows));
  return rows.length;
}
