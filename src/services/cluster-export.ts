/**
 * Exporting a run's clusters to folders (`pcc clusters export`): one folder per cluster, holding
 * symlinks to the originals, copies of them, or (only when explicitly allowed) the originals moved.
 *
 * Three steps, each usable on its own:
 * - `planClusterExport` reads the catalog and the disk and decides every target path; it changes
 *   nothing, so the CLI's dry run is just the plan printed.
 * - `applyClusterExport` carries a plan out and records every file it made in a manifest,
 *   `$PCC_DATA_DIR/exports/<export id>.json`, written atomically before each batch.
 * - `undoClusterExport` reads a manifest back and removes what the export made (symlinks, copies)
 *   or puts the moved originals back, never touching a file the user changed or put there since.
 *
 * Labels come from model captions and file names can hold any character, so every folder and file
 * name is rebuilt from a safe alphabet and every target is checked to be exactly two components
 * below the export folder. A file already in the export folder is never overwritten: the plan
 * lists it as skipped (so exporting twice into one folder skips what the first export made).
 * Only `fs` calls are used — no name ever reaches a shell.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../catalog/catalog';
import { writeFileAtomic } from '../files/atomic-write';
import { ReviewViews } from './review-views';

export const EXPORT_MODES = ['symlinks', 'copies', 'move'] as const;
export type ExportMode = (typeof EXPORT_MODES)[number];

/** A mistake in what was asked or a refusal (move without permission, unknown export): the CLI's usage error. */
export class ClusterExportError extends Error {
  override name = 'ClusterExportError';
}

export interface PlanOptions {
  runId: string;
  /** The export folder; created on apply when missing. */
  to: string;
  as: ExportMode;
  /** Cluster ids to export (default: every cluster). −1 is the unclustered group. */
  clusters?: number[];
  /** Also export the unclustered photos, to `unclustered/`. */
  includeUnclustered?: boolean;
}

export interface PlannedFolder {
  cluster: number;
  label: string;
  /** The folder's name below the export folder, e.g. `003-a-red-boat-on-a-lake`. */
  name: string;
  files: number;
  bytes: number;
}

export interface PlannedFile {
  photoId: number;
  sha1: string;
  cluster: number;
  /** The original's absolute path (the first of the photo's paths that exists). */
  from: string;
  /** Absolute target path inside the export folder. */
  to: string;
  size: number;
  mtimeMs: number;
}

export interface SkippedFile extends PlannedFile {
  reason: string;
}

export interface MissingPhoto {
  photoId: number;
  cluster: number;
  /** Every path the catalog knows for the photo; none of them is a file on disk now. */
  paths: string[];
}

export interface ClusterExportPlan {
  runId: string;
  mode: ExportMode;
  /** The export folder, absolute (symlinks in its existing part resolved). */
  to: string;
  folders: PlannedFolder[];
  files: PlannedFile[];
  /** Targets that already exist: never overwritten, so not exported. */
  skipped: SkippedFile[];
  missing: MissingPhoto[];
  /** Bytes of the files to export (for symlinks: of the files linked to). */
  bytes: number;
  warnings: string[];
}

export type ManifestFileState = 'pending' | 'done' | 'skipped' | 'failed' | 'undone' | 'kept';

export interface ManifestFile {
  from: string;
  to: string;
  photoId: number;
  sha1: string;
  /** The original's size and mtime when planned. */
  size: number;
  mtimeMs: number;
  state: ManifestFileState;
  /** A copy as it was made: undo removes it only while it still has this size and mtime. */
  made?: { size: number; mtimeMs: number };
  reason?: string;
}

export type ManifestState = 'applying' | 'applied' | 'partial' | 'undone' | 'undo-partial';

export interface ExportManifest {
  version: 1;
  id: string;
  createdAt: string;
  runId: string;
  mode: ExportMode;
  to: string;
  state: ManifestState;
  /** Folders this export created (the export folder itself included when it did): undo removes them when empty. */
  createdDirs: string[];
  files: ManifestFile[];
  undoneAt?: string;
}

export interface ClusterExportResult {
  exportId: string;
  manifest: string;
  mode: ExportMode;
  to: string;
  done: number;
  bytes: number;
  skipped: Array<{ from: string; to: string; reason: string }>;
  failed: Array<{ from: string; to: string; reason: string }>;
  missing: MissingPhoto[];
  state: ManifestState;
}

export interface UndoResult {
  exportId: string;
  mode: ExportMode;
  /** Files removed (symlinks, copies) or put back (move). */
  undone: number;
  /** Files left where they are, with why (changed since the export, original path taken, …). */
  kept: Array<{ path: string; reason: string }>;
  dirsRemoved: number;
  /** Created folders left because something else is in them now. */
  dirsKept: string[];
  state: ManifestState;
}

export interface ExportSummary {
  id: string;
  createdAt: string;
  runId: string;
  mode: ExportMode;
  to: string;
  state: ManifestState;
  /** Files the export made or moved (also after an undo). */
  files: number;
  undoneAt?: string;
}

// ── names ──────────────────────────────────────────────────────────────────────────────────────

/** C0/C1 controls, and the bidirectional overrides that make a name display differently from what it is. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** Lone UTF-16 surrogates (from file names that were not valid UTF-8) cannot be written back as names. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Path separators and the characters Windows file systems (exFAT sticks, SMB shares) refuse. */
const RESERVED = /[/\\<>:"|?*]/g;
const SLUG_MAX_CHARS = 60;
/** Most file systems allow 255 bytes per name; this leaves room for " (12345)". */
const NAME_MAX_BYTES = 200;
const UNCLUSTERED_FOLDER = 'unclustered';

function clean(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd').normalize('NFC').replace(UNPRINTABLE, '');
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
function capBytes(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > maxBytes) break;
    out += ch;
  }
  return out;
}

/** A label as a folder-name slug: lower case letters and digits of any script, single dashes between words. */
export function slugOf(label: string): string {
  const words = clean(label)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  const capped = Array.from(words).slice(0, SLUG_MAX_CHARS).join('').replace(/-+$/, '');
  return capBytes(capped, NAME_MAX_BYTES).replace(/-+$/, '') || 'cluster';
}

/** The folder of one cluster: `<id, zero-padded to 3>-<slug>`, or `unclustered`. */
export function folderNameOf(cluster: number, label: string): string {
  if (cluster < 0) return UNCLUSTERED_FOLDER;
  return `${String(cluster).padStart(3, '0')}-${slugOf(label)}`;
}

/**
 * A file name safe on any file system and in any shell: no controls, separators or reserved
 * characters, no leading dash or dot (no option look-alikes, no hidden files, never `.`/`..`), no
 * trailing dot or space, at most 200 bytes; the extension kept when it looks like one.
 */
export function safeFileName(base: string, fallbackStem: string): { stem: string; ext: string } {
  const name = clean(base)
    .replace(RESERVED, '_')
    .replace(/^[\s.-]+/, '')
    .replace(/[\s.]+$/, '');
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && /^\.[\p{L}\p{N}]{1,10}$/u.test(name.slice(dot)) ? name.slice(dot) : '';
  let stem = capBytes(ext ? name.slice(0, dot) : name, NAME_MAX_BYTES - Buffer.byteLength(ext));
  stem = stem.replace(/[\s.]+$/, '');
  return { stem: stem || fallbackStem, ext };
}

/**
 * The last guard before any file operation: `target` must be exactly `<root>/<folder>/<file>` with
 * neither component empty, `.` or `..`. Names are built safe already; this makes sure of it.
 */
function checkInside(root: string, target: string): void {
  const rel = path.relative(root, target);
  const parts = rel.split(path.sep);
  if (
    path.isAbsolute(rel) ||
    parts.length !== 2 ||
    parts.some((p) => p === '' || p === '.' || p === '..') ||
    path.resolve(root, rel) !== target
  ) {
    throw new Error(`internal error: export target ${JSON.stringify(target)} is not inside ${root}`);
  }
}

/** `dir` made absolute, with symlinks resolved in the part of it that exists. */
function resolveExportDir(dir: string): string {
  let existing = path.resolve(dir);
  const rest: string[] = [];
  for (;;) {
    try {
      const real = fs.realpathSync(existing);
      if (!fs.statSync(real).isDirectory())
        throw new ClusterExportError(`--to ${dir}: ${existing} is not a folder`);
      return path.join(real, ...rest.reverse());
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      const parent = path.dirname(existing);
      if (parent === existing) throw err;
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

// ── plan ───────────────────────────────────────────────────────────────────────────────────────

/** Every cluster card of the run (the studio pages them; an export wants them all). */
function allCards(views: ReviewViews, runId: string) {
  const cards = [];
  for (let offset = 0; ;) {
    const page = views.clusters(runId, { offset, limit: 500 });
    cards.push(...page.clusters);
    offset += page.clusters.length;
    if (offset >= page.total || page.clusters.length === 0) return cards;
  }
}

/** Decides every folder and target path; reads the catalog and the disk, changes nothing. */
export function planClusterExport(catalog: Catalog, options: PlanOptions): ClusterExportPlan {
  if (!(EXPORT_MODES as readonly string[]).includes(options.as))
    throw new ClusterExportError(`--as must be one of ${EXPORT_MODES.join(', ')}, got "${options.as}"`);
  const run = catalog.runs.run(options.runId);
  if (!run) throw new ClusterExportError(`no run ${options.runId} in the catalog`);
  if (!catalog.clusters.clusteringOf(run.id))
    throw new ClusterExportError(
      `run ${run.id} has no clustering: run it with --cluster, or \`pcc report --recluster\``,
    );
  if (!options.to.trim()) throw new ClusterExportError('--to needs a folder');
  const to = resolveExportDir(options.to);

  const views = new ReviewViews(catalog);
  const cards = allCards(views, run.id);
  const wanted = options.clusters?.length ? new Set(options.clusters) : undefined;
  if (wanted) {
    const known = new Set(cards.map((c) => c.id));
    const unknown = [...wanted].filter((id) => !known.has(id));
    if (unknown.length)
      throw new ClusterExportError(
        `run ${run.id} has no cluster ${unknown.join(', ')}: see \`pcc report\` or the review studio`,
      );
  }
  const chosen = cards.filter((c) =>
    wanted ? wanted.has(c.id) : c.id >= 0 || Boolean(options.includeUnclustered),
  );

  const plan: ClusterExportPlan = {
    runId: run.id,
    mode: options.as,
    to,
    folders: [],
    files: [],
    skipped: [],
    missing: [],
    bytes: 0,
    warnings: [],
  };
  const roots = run.config.roots.map((r) => path.resolve(r));
  if (roots.some((r) => to === r || to.startsWith(`${r}${path.sep}`)))
    plan.warnings.push(
      `${to} is inside the library: the next scan will see the exported ${options.as === 'symlinks' ? 'links' : 'files'} there`,
    );

  for (const card of chosen) {
    const folder: PlannedFolder = {
      cluster: card.id,
      label: card.label,
      name: folderNameOf(card.id, card.label),
      files: 0,
      bytes: 0,
    };
    const folderPath = path.join(to, folder.name);
    const existingFolder = lstatOrUndefined(folderPath);
    // A symlink (or a file) where the folder should be could lead outside the export folder.
    const badFolder =
      existingFolder && !existingFolder.isDirectory()
        ? `${folderPath} exists and is not a folder (${existingFolder.isSymbolicLink() ? 'a symlink' : 'a file'})`
        : undefined;
    // Case-insensitively: the export may land on a file system that folds case (macOS, exFAT).
    const taken = new Set<string>();
    for (const member of views.cluster(run.id, card.id)?.members ?? []) {
      const paths = catalog.photos.pathsOf(member.photoId).map((p) => p.absPath);
      let source: { path: string; stat: fs.Stats } | undefined;
      for (const p of paths) {
        try {
          const stat = fs.statSync(p);
          if (stat.isFile()) {
            source = { path: path.resolve(p), stat };
            break;
          }
        } catch {
          // Not there any more (moved, deleted, unmounted): try the photo's next path.
        }
      }
      if (!source) {
        plan.missing.push({ photoId: member.photoId, cluster: card.id, paths });
        continue;
      }
      const { stem, ext } = safeFileName(path.basename(source.path), `photo-${member.photoId}`);
      let name = `${stem}${ext}`;
      for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${stem} (${n})${ext}`;
      taken.add(name.toLowerCase());
      const target = path.join(folderPath, name);
      checkInside(to, target);
      const file: PlannedFile = {
        photoId: member.photoId,
        sha1: member.sha1,
        cluster: card.id,
        from: source.path,
        to: target,
        size: source.stat.size,
        mtimeMs: source.stat.mtimeMs,
      };
      if (badFolder) {
        plan.skipped.push({ ...file, reason: badFolder });
      } else if (existingFolder && lstatOrUndefined(target)) {
        plan.skipped.push({ ...file, reason: `${target} already exists (never overwritten)` });
      } else {
        plan.files.push(file);
        folder.files++;
        folder.bytes += file.size;
        plan.bytes += file.size;
      }
    }
    plan.folders.push(folder);
  }
  return plan;
}

// ── manifests ──────────────────────────────────────────────────────────────────────────────────

const EXPORT_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function exportsDir(dataDir: string): string {
  return path.join(dataDir, 'exports');
}

function manifestPath(dataDir: string, id: string): string {
  return path.join(exportsDir(dataDir), `${id}.json`);
}

/** Sortable by time, unique by the random part: `20261201T101500Z-3fa9c2`. */
function newExportId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function writeManifest(dataDir: string, manifest: ExportManifest): void {
  writeFileAtomic(manifestPath(dataDir, manifest.id), `${JSON.stringify(manifest, null, 1)}\n`);
}

/** A past export's manifest; the id is checked first, so it can never name a file elsewhere. */
export function readExportManifest(dataDir: string, exportId: string): ExportManifest {
  if (!EXPORT_ID.test(exportId))
    throw new ClusterExportError(
      `"${exportId}" is not an export id (they look like 20261201T101500Z-3fa9c2): see \`pcc clusters export --list\``,
    );
  let text: string;
  try {
    text = fs.readFileSync(manifestPath(dataDir, exportId), 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT')
      throw new ClusterExportError(
        `no export ${exportId} in ${exportsDir(dataDir)}: see \`pcc clusters export --list\``,
      );
    throw err;
  }
  const manifest = JSON.parse(text) as ExportManifest;
  if (
    manifest.version !== 1 ||
    manifest.id !== exportId ||
    !(EXPORT_MODES as readonly string[]).includes(manifest.mode) ||
    !Array.isArray(manifest.files) ||
    !Array.isArray(manifest.createdDirs)
  )
    throw new ClusterExportError(`${manifestPath(dataDir, exportId)} is not a pcc export manifest`);
  return manifest;
}

/** Past exports, newest first. */
export function listClusterExports(dataDir: string): ExportSummary[] {
  let names: string[];
  try {
    names = fs.readdirSync(exportsDir(dataDir));
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: ExportSummary[] = [];
  for (const name of names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .reverse()) {
    const id = name.slice(0, -'.json'.length);
    if (!EXPORT_ID.test(id)) continue;
    try {
      const m = readExportManifest(dataDir, id);
      out.push({
        id: m.id,
        createdAt: m.createdAt,
        runId: m.runId,
        mode: m.mode,
        to: m.to,
        state: m.state,
        // What the export made (or moved), whether or not it has been undone since.
        files: m.files.filter(
          (f) => f.state === 'done' || f.state === 'kept' || (f.state === 'undone' && !f.reason),
        ).length,
        ...(m.undoneAt ? { undoneAt: m.undoneAt } : {}),
      });
    } catch {
      // A damaged manifest is not a reason to hide the others; `--undo` on it says what is wrong.
    }
  }
  return out;
}

// ── file operations ────────────────────────────────────────────────────────────────────────────

class TargetExistsError extends Error {
  constructor(target: string) {
    super(`${target} already exists (never overwritten)`);
  }
}

/** Errors that mean "this file system has no hard links" (FAT, exFAT, some network shares). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/** Copies with COPYFILE_EXCL (never onto an existing file) and keeps the original's times. */
async function copyExclusive(from: string, to: string, source: fs.Stats): Promise<fs.Stats> {
  try {
    await fsp.copyFile(from, to, fs.constants.COPYFILE_EXCL);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') throw new TargetExistsError(to);
    throw err;
  }
  // Seconds as numbers, not Dates: a Date would round the time to the millisecond.
  await fsp.utimes(to, source.atimeMs / 1000, source.mtimeMs / 1000);
  return fsp.lstat(to);
}

/**
 * Moves a file without ever replacing one at `to`. `rename` would silently replace an existing
 * target, so the move is a hard link (which fails on an existing target, atomically) and then an
 * unlink of the original. Across devices: copy, check the size, then unlink. On file systems
 * without hard links: check the target is free, then rename (a small window, the best they allow).
 */
async function moveNoClobber(from: string, to: string): Promise<void> {
  const source = await fsp.lstat(from);
  try {
    await fsp.link(from, to);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'EEXIST') throw new TargetExistsError(to);
    if (code === 'EXDEV') {
      const copy = await copyExclusive(from, to, source);
      if (copy.size !== source.size) {
        await fsp.unlink(to);
        throw new Error(
          `copy of ${from} to another device has ${copy.size} bytes, not ${source.size}; original kept`,
        );
      }
      await fsp.unlink(from);
      return;
    }
    if (code && NO_HARD_LINKS.has(code)) {
      if (lstatOrUndefined(to)) throw new TargetExistsError(to);
      await fsp.rename(from, to);
      return;
    }
    throw err;
  }
  try {
    await fsp.unlink(from);
  } catch (err) {
    // The original could not be removed (a read-only folder): drop the new link, keep the original.
    await fsp.unlink(to).catch(() => undefined);
    throw err;
  }
}

/** Creates `dir` and any missing parents; returns those it created, outermost first. */
function missingDirs(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; !lstatOrUndefined(d); d = path.dirname(d)) {
    out.unshift(d);
    if (path.dirname(d) === d) break;
  }
  return out;
}

// ── apply ──────────────────────────────────────────────────────────────────────────────────────

export interface ApplyOptions {
  /** Where manifests live (`$PCC_DATA_DIR`). */
  dataDir: string;
  /** Required for `move`, the only mode that touches originals. */
  allowMove?: boolean;
}

/** Between manifest writes; adaptive so a 100k-file export rewrites its manifest about 20 times, not 500. */
function batchSize(files: number): number {
  return Math.max(200, Math.ceil(files / 20));
}

/**
 * Carries out a plan and records it in a manifest. The manifest is written (atomically) before
 * the first file and again before each batch, so after a crash it lists every file that may have
 * been made or moved, and `undoClusterExport` can clean up.
 */
export async function applyClusterExport(
  plan: ClusterExportPlan,
  options: ApplyOptions,
): Promise<ClusterExportResult> {
  if (plan.mode === 'move' && !options.allowMove)
    throw new ClusterExportError(
      'moving changes where your originals are: pass --allow-move to really move them (or use --as symlinks or copies)',
    );
  const manifest: ExportManifest = {
    version: 1,
    id: newExportId(),
    createdAt: new Date().toISOString(),
    runId: plan.runId,
    mode: plan.mode,
    to: plan.to,
    state: 'applying',
    createdDirs: [],
    files: [
      ...plan.files.map((f): ManifestFile => ({ ...fileRecord(f), state: 'pending' })),
      ...plan.skipped.map((f): ManifestFile => ({ ...fileRecord(f), state: 'skipped', reason: f.reason })),
    ],
  };
  const result: ClusterExportResult = {
    exportId: manifest.id,
    manifest: manifestPath(options.dataDir, manifest.id),
    mode: plan.mode,
    to: plan.to,
    done: 0,
    bytes: 0,
    skipped: plan.skipped.map((f) => ({ from: f.from, to: f.to, reason: f.reason })),
    failed: [],
    missing: plan.missing,
    state: 'applying',
  };
  const pending = manifest.files.filter((f) => f.state === 'pending');
  const size = batchSize(pending.length);
  writeManifest(options.dataDir, manifest);
  for (let start = 0; start < pending.length; start += size) {
    const batch = pending.slice(start, start + size);
    // Folders this batch needs that are not there yet: recorded before they are made.
    const newDirs: string[] = [];
    for (const dir of new Set([plan.to, ...batch.map((f) => path.dirname(f.to))]))
      for (const d of missingDirs(dir)) if (!newDirs.includes(d)) newDirs.push(d);
    manifest.createdDirs.push(...newDirs);
    writeManifest(options.dataDir, manifest);
    for (const d of newDirs) {
      try {
        fs.mkdirSync(d);
      } catch (err) {
        // Made by someone else meanwhile: not ours to remove on undo.
        if (errorCode(err) !== 'EEXIST') throw err;
        manifest.createdDirs.splice(manifest.createdDirs.indexOf(d), 1);
      }
    }
    for (const file of batch) {
      try {
        await applyOne(plan, file);
        file.state = 'done';
        result.done++;
        result.bytes += file.size;
      } catch (err) {
        file.state = err instanceof TargetExistsError ? 'skipped' : 'failed';
        file.reason = reasonOf(err);
        (file.state === 'skipped' ? result.skipped : result.failed).push({
          from: file.from,
          to: file.to,
          reason: file.reason,
        });
      }
    }
  }
  manifest.state = result.failed.length ? 'partial' : 'applied';
  result.state = manifest.state;
  writeManifest(options.dataDir, manifest);
  return result;
}

function fileRecord(f: PlannedFile): Omit<ManifestFile, 'state'> {
  return { from: f.from, to: f.to, photoId: f.photoId, sha1: f.sha1, size: f.size, mtimeMs: f.mtimeMs };
}

async function applyOne(plan: ClusterExportPlan, file: ManifestFile): Promise<void> {
  checkInside(plan.to, file.to);
  // The folder must still be a real folder (not swapped for a symlink since the plan).
  const parent = await fsp.lstat(path.dirname(file.to));
  if (!parent.isDirectory()) throw new Error(`${path.dirname(file.to)} is not a folder any more`);
  const source = await fsp.stat(file.from).catch(() => undefined);
  if (!source?.isFile()) throw new Error(`${file.from} is not there any more`);
  if (plan.mode === 'symlinks') {
    try {
      await fsp.symlink(file.from, file.to);
    } catch (err) {
      if (errorCode(err) === 'EEXIST') throw new TargetExistsError(file.to);
      throw err;
    }
  } else if (plan.mode === 'copies') {
    const copy = await copyExclusive(file.from, file.to, source);
    file.made = { size: copy.size, mtimeMs: copy.mtimeMs };
  } else {
    await moveNoClobber(file.from, file.to);
  }
}

// ── undo ───────────────────────────────────────────────────────────────────────────────────────

/**
 * Reverses an export from its manifest. Symlinks and copies are removed only while they are still
 * what the export made (the same link target; the same size and mtime); moved files go back to
 * their original paths, never over a file that is there now. Then the folders the export created
 * are removed if empty. Running it again retries whatever was kept.
 */
export async function undoClusterExport(dataDir: string, exportId: string): Promise<UndoResult> {
  const manifest = readExportManifest(dataDir, exportId);
  const result: UndoResult = {
    exportId,
    mode: manifest.mode,
    undone: 0,
    kept: [],
    dirsRemoved: 0,
    dirsKept: [],
    state: manifest.state,
  };
  // Pending entries too: a crash mid-batch may have made or moved some of them.
  const todo = manifest.files.filter(
    (f) => f.state === 'done' || f.state === 'pending' || f.state === 'kept',
  );
  for (const file of [...todo].reverse()) {
    try {
      const outcome = manifest.mode === 'move' ? await putBack(file) : removeMade(manifest.mode, file);
      if (outcome === 'undone') {
        file.state = 'undone';
        delete file.reason;
        result.undone++;
      } else if (outcome === 'never-made') {
        file.state = 'undone';
        file.reason = 'nothing to undo: the export had not reached this file';
      } else {
        file.state = 'kept';
        file.reason = outcome.kept;
        result.kept.push({ path: file.to, reason: outcome.kept });
      }
    } catch (err) {
      file.state = 'kept';
      file.reason = reasonOf(err);
      result.kept.push({ path: file.to, reason: file.reason });
    }
  }
  // Deepest first, and only when empty: a folder the user has put something in stays.
  for (const dir of [...manifest.createdDirs].sort((a, b) => b.length - a.length)) {
    try {
      fs.rmdirSync(dir);
      result.dirsRemoved++;
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') result.dirsKept.push(dir);
    }
  }
  manifest.state = result.kept.length ? 'undo-partial' : 'undone';
  manifest.undoneAt = new Date().toISOString();
  result.state = manifest.state;
  writeManifest(dataDir, manifest);
  return result;
}

type UndoOutcome = 'undone' | 'never-made' | { kept: string };

function removeMade(mode: 'symlinks' | 'copies', file: ManifestFile): UndoOutcome {
  const stat = lstatOrUndefined(file.to);
  if (!stat) return file.state === 'pending' ? 'never-made' : 'undone';
  if (mode === 'symlinks') {
    if (!stat.isSymbolicLink() || fs.readlinkSync(file.to) !== file.from)
      return { kept: 'changed since the export: no longer the link pcc made' };
  } else {
    // A copy made before a crash has no `made` record yet; it was given the original's mtime.
    const made = file.made ?? { size: file.size, mtimeMs: file.mtimeMs };
    const sameTime = file.made ? stat.mtimeMs === made.mtimeMs : Math.abs(stat.mtimeMs - made.mtimeMs) < 1;
    if (!stat.isFile() || stat.size !== made.size || !sameTime)
      return { kept: 'changed since the export (size or modification time differs): kept' };
  }
  fs.unlinkSync(file.to);
  return 'undone';
}

async function putBack(file: ManifestFile): Promise<UndoOutcome> {
  const atTarget = lstatOrUndefined(file.to);
  const atOrigin = lstatOrUndefined(file.from);
  if (!atTarget && atOrigin) return file.state === 'pending' ? 'never-made' : 'undone';
  if (!atTarget) return { kept: `gone from both ${file.to} and ${file.from}: cannot restore it` };
  if (atOrigin) return { kept: `${file.from} is taken by another file: not overwritten, left at ${file.to}` };
  await fsp.mkdir(path.dirname(file.from), { recursive: true });
  await moveNoClobber(file.to, file.from);
  return 'undone';
}
