/**
 * XMP sidecars: keywords as dc:subject plus lr:hierarchicalSubject (`CK|term` controlled, `AI|term`
 * freeform) and the caption as dc:description, next to each photo. Existing sidecars are merged
 * (their keywords kept, nothing duplicated, other fields untouched); writing twice changes nothing.
 * Originals are never opened for writing: only `.xmp` paths are ever passed to ExifTool's writer,
 * and no tag is ever copied from the photo (so GPS never travels into a sidecar).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Catalog } from '../catalog/catalog';
import { exiftool, exiftoolScript } from '../images/exiftool';
import type { CaptionKey, RunConfig } from '../shared/payloads';

export type SidecarNaming = 'photo.xmp' | 'photo.ext.xmp';

export interface SidecarPlan {
  photoPath: string;
  sidecarPath: string;
  addCk: string[];
  addAi: string[];
  description?: string;
  subject: string[];
  hierarchical: string[];
  exists: boolean;
}

export interface SidecarResult {
  photoPath: string;
  sidecarPath: string;
  status: 'written' | 'unchanged' | 'error';
  addedCk: string[];
  addedAi: string[];
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

/** What each photo of a run should get; reads existing sidecars, writes nothing. */
export async function planSidecars(
  catalog: Catalog,
  runId: string,
  naming: SidecarNaming,
): Promise<SidecarPlan[]> {
  const run = catalog.runs.get(runId);
  if (!run) throw new Error(`no run ${runId} in the catalog`);
  const config = JSON.parse(run.config_json) as RunConfig;
  const key: CaptionKey = { backend: config.backend, model: config.model, promptHash: config.promptHash };
  const plans: SidecarPlan[] = [];
  for (const item of catalog.runs.workList(runId)) {
    const keywords = catalog.metadata.keywordsOf(item.photo_id);
    const caption = catalog.results.get(item.photo_id, 'caption', key);
    const description = caption?.status === 'success' ? (caption.output ?? undefined) : undefined;
    if (!keywords.length && !description) continue;
    const paths = catalog.photos.pathsOf(item.photo_id).filter((p) => config.roots.includes(p.root));
    for (const p of paths.length ? paths : [{ abs_path: item.abs_path }]) {
      const sidecarPath = sidecarPathFor(p.abs_path, naming);
      if (sidecarPath === p.abs_path) throw new Error(`refusing to write over the original ${p.abs_path}`);
      const exists = fs.existsSync(sidecarPath);
      const current = exists ? ((await exiftool().read(sidecarPath)) as Record<string, unknown>) : {};
      const subject = list(current.Subject);
      const hierarchical = list(current.HierarchicalSubject);
      const wantH = keywords.map((k) => `${k.kind}|${k.term}`);
      const addH = wantH.filter((h) => !hierarchical.includes(h));
      const addSubject = keywords.map((k) => k.term).filter((t) => !subject.includes(t));
      const keepDescription = current.Description !== undefined && String(current.Description).trim() !== '';
      plans.push({
        photoPath: p.abs_path,
        sidecarPath,
        exists,
        addCk: keywords.filter((k) => k.kind === 'CK' && addH.includes(`CK|${k.term}`)).map((k) => k.term),
        addAi: keywords.filter((k) => k.kind === 'AI' && addH.includes(`AI|${k.term}`)).map((k) => k.term),
        description: keepDescription ? undefined : description,
        subject: [...subject, ...new Set(addSubject)],
        hierarchical: [...hierarchical, ...addH],
      });
    }
  }
  return plans;
}

export function isNoop(plan: SidecarPlan): boolean {
  return !plan.addCk.length && !plan.addAi.length && !plan.description;
}

/** Writes one planned sidecar; a folder that refuses the write is this photo's error, not the run's. */
export async function applySidecar(plan: SidecarPlan): Promise<SidecarResult> {
  const base = {
    photoPath: plan.photoPath,
    sidecarPath: plan.sidecarPath,
    addedCk: plan.addCk,
    addedAi: plan.addAi,
  };
  if (isNoop(plan)) return { ...base, status: 'unchanged', addedCk: [], addedAi: [] };
  const tags: Record<string, unknown> = {};
  if (plan.addCk.length || plan.addAi.length) {
    tags['XMP-dc:Subject'] = plan.subject;
    tags['XMP-lr:HierarchicalSubject'] = plan.hierarchical;
  }
  if (plan.description) tags['XMP-dc:Description'] = plan.description;
  try {
    await exiftool().write(plan.sidecarPath, tags as never, { writeArgs: ['-overwrite_original'] });
    return { ...base, status: 'written' };
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    const readOnly = /permission|not permitted|read-only|EACCES|EPERM|Error creating/i.test(message);
    return {
      ...base,
      status: 'error',
      reason: readOnly
        ? `cannot write ${plan.sidecarPath}: the folder is read-only (${message}); make it writable and run again`
        : `cannot write ${plan.sidecarPath}: ${message}`,
    };
  }
}

function argsFor(plan: SidecarPlan): string[] {
  const one = (v: string) => v.replace(/[\r\n]+/g, ' ');
  const args: string[] = [];
  if (plan.addCk.length || plan.addAi.length) {
    // Assigning the empty value first replaces the list with exactly the merged one.
    args.push('-XMP-dc:Subject=', ...plan.subject.map((t) => `-XMP-dc:Subject=${one(t)}`));
    args.push(
      '-XMP-lr:HierarchicalSubject=',
      ...plan.hierarchical.map((t) => `-XMP-lr:HierarchicalSubject=${one(t)}`),
    );
  }
  if (plan.description) args.push(`-XMP-dc:Description=${one(plan.description)}`);
  return [...args, '-overwrite_original', plan.sidecarPath, '-execute'];
}

/** One `exiftool -@ argfile` process for a chunk of sidecars (one -execute each). */
function runChunk(plans: SidecarPlan[]): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-xmp-'));
  const argfile = path.join(dir, 'args.txt');
  fs.writeFileSync(argfile, `${['-charset', 'utf8', '-q', ...plans.flatMap(argsFor)].join('\n')}\n`);
  return new Promise((resolve) => {
    const child = spawn('perl', [exiftoolScript(), '-@', argfile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (d) => (errors += d));
    const done = (ok: boolean) => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(ok);
    };
    child.once('error', () => done(false));
    child.once('exit', (code) => done(code === 0 && !/error/i.test(errors)));
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
    results.set(p, {
      photoPath: p.photoPath,
      sidecarPath: p.sidecarPath,
      status: 'unchanged',
      addedCk: [],
      addedAi: [],
    });
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
        for (const p of chunk)
          results.set(p, {
            photoPath: p.photoPath,
            sidecarPath: p.sidecarPath,
            status: 'written',
            addedCk: p.addCk,
            addedAi: p.addAi,
          });
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

export const AUDIT_HEADER = 'path,added_ck,added_ai,source_model,run_id,timestamp';

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Appends one audit row per sidecar that gained keywords or a description. */
export function appendAudit(
  file: string,
  results: SidecarResult[],
  sourceModel: string,
  runId: string,
): number {
  const rows = results
    .filter((r) => r.status === 'written')
    .map((r) =>
      [r.sidecarPath, r.addedCk.join('|'), r.addedAi.join('|'), sourceModel, runId, new Date().toISOString()]
        .map(csvField)
        .join(','),
    );
  if (!rows.length) return 0;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${AUDIT_HEADER}\n`);
  fs.appendFileSync(file, `${rows.join('\n')}\n`);
  return rows.length;
}
