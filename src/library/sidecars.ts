/**
 * XMP sidecars: keywords as dc:subject plus lr:hierarchicalSubject (`CK|term` controlled, `AI|term`
 * freeform) and the caption as dc:description, next to each photo. Existing sidecars are merged
 * (their keywords kept, nothing duplicated, other fields untouched); writing twice changes nothing.
 * Originals are never opened for writing: only `.xmp` paths are ever passed to ExifTool's writer,
 * and no tag is ever copied from the photo (so GPS never travels into a sidecar).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Catalog } from '../catalog/catalog';
import { exiftool } from '../images/exiftool';
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
