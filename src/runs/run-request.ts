import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PROMPT } from '../backends/backend';
import { DTYPE_CHOICES, isDtype } from '../shared/dtype';
import { getBackend } from '../backends/registry';
import type { RunConfig } from '../shared/payloads';
import { RUN_DEFAULTS } from '../shared/run-defaults';
import type { QueueRole } from '../shared/queues';
import { readConfig } from '../config';
import { DEFAULT_IMAGE_MODEL, DEFAULT_TEXT_MODEL } from '../models/known-models';
import { modelFolder, modelsDir, requireModel } from '../models/model-store';
import { pixelPlan, sourceEdgeOf } from '../models/image-preprocess';
import { nsfwModelPath, requireNsfwModel } from '../models/nsfw';
import { isPhotoStatus, parseStatusList, PHOTO_STATUSES, type PhotoStatus } from '../shared/status';
import { CLUSTER_MODES, DEFAULT_CLUSTER_PARAMS, type ClusterMode } from '../clustering/cluster';
import { readVocabularyFile } from '../tags/vocabulary';
import { DEFAULT_AUTO_APPROVE, parseApprovalPolicy } from '../tags/approval-policy';
import {
  OCR_SCOPES,
  readAliases,
  readKeywordTree,
  readTermList,
  type KeywordSettings,
  type OcrSettings,
} from '../tags/keyword-settings';
import { DEFAULT_OCR_MIN_CONFIDENCE } from '../tags/ocr-terms';
import { DEFAULT_PEOPLE } from '../tags/people-sets';
import { DEFAULT_STUDIO_NIGHT, shutterSeconds } from '../tags/studio-night';
import { visionPrompt } from '../backends/backend';
import { CLUSTER_SPACES, type ClusterSettings, type ClusterSpace } from '../shared/payloads';

/** A run as the CLI or the API asks for it, before validation. */
export interface RunRequest {
  roots: string[];
  backend?: string;
  model?: string;
  prompt?: string;
  include?: string[];
  exclude?: string[];
  limit?: number;
  force?: boolean;
  retryStatus?: string[] | string;
  dryRun?: boolean;
  /** Caption files that end early (their bottom missing) instead of recording them as corrupt. */
  acceptTruncated?: boolean;
  batchSize?: number;
  maxConcurrentBatches?: number;
  batchesPerPage?: number;
  mockErrorRate?: number;
  mockLatencyMs?: number;
  maxEdge?: number;
  requestTimeoutMs?: number;
  apiMaxAttempts?: number;
  /** Globs (relative to a root) that never leave the machine; PCC_LOCAL_ONLY adds more. */
  localOnly?: string[];
  privateBackend?: string;
  /** Open-NSFW gate: auto (when the weights are installed), on, off. */
  nsfwCheck?: string;
  nsfwThreshold?: number;
  baseUrl?: string;
  maxCostUsd?: number;
  /** Compute embeddings on the gpu queue. */
  embed?: boolean;
  embedModel?: string;
  textModel?: string | null;
  dtype?: string;
  inferenceBatch?: number;
  /** Cluster the run's embeddings and write reports at the end (implies embed). */
  cluster?: boolean;
  clusterMode?: string;
  clusterSpace?: string;
  minClusterSize?: number;
  minSamples?: number;
  clusterSeed?: number;
  /** Cosine similarity that joins photos (cosine-threshold and time-window modes). */
  clusterThreshold?: number;
  windowMinutes?: number;
  /** Vocabulary file (YAML or one label per line) for zero-shot tags. */
  vocabulary?: string;
  vocabularyTopK?: number;
  vocabularyThreshold?: number;
  vocabularyTemplate?: string;
  /** Freeform (AI) layer: terms per photo (0 = off), CLIP cut-off and its data files. */
  maxAiTags?: number;
  ocr?: string;
  ocrMinConfidence?: number;
  /** People sets: local (kept off cloud vision), cloud, off; thresholds and people-only labels. */
  peopleSets?: string;
  personScore?: number;
  peopleShare?: number;
  peopleLabels?: string[];
  /** The studio-black rule and its thresholds. */
  studioRule?: string;
  studioDarkLuma?: number;
  studioDarkRatio?: number;
  studioMaxIso?: number;
  studioShutter?: string;
  studioHighlightLuma?: number;
  studioFlashBoost?: number;
  studioSuppress?: string[];
  aiMinScore?: number;
  conceptBank?: string;
  cities?: string;
  keywordAliases?: string;
  keywordTree?: string;
  /** Vision tags on cluster medoids. */
  visionBackend?: string;
  visionModel?: string;
  visionMaxTags?: number;
  /** Approval policy rules (LAYER:SOURCE[>=SCORE]). */
  autoApprove?: string[];
  /** Folder for the run's reports (default: <data dir>/reports/<run id>). */
  reportDir?: string;
  /** The pcc.yaml the options came from (recorded with the run's settings). */
  configFile?: string;
}

export class RunRequestError extends Error {
  override name = 'RunRequestError';
}

/**
 * Whether a stage of the run reads proxies: the caption backend, the NSFW gate, vision and OCR on
 * cluster medoids (found only after the last batch, so every photo gets one), and an embedder
 * whose input a review thumbnail does not cover. An embedder that thumbnails do cover reads those.
 */
function readsProxies(
  captionReadsPixels: boolean,
  embed: RunConfig['embed'],
  privacy: RunConfig['privacy'],
  cluster: RunConfig['cluster'],
): boolean {
  return (
    captionReadsPixels ||
    privacy !== undefined ||
    Boolean(cluster?.keywords?.vision || cluster?.keywords?.ocr) ||
    (embed !== undefined && !embed.inputEdge)
  );
}

function intIn(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RunRequestError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

export function hashText(text: string, length = 12): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Validates a request and resolves it into the RunConfig a workflow receives. Every message says
 * what to change. Backend configuration (keys, models) is checked here, before any photo.
 */
export function buildRunConfig(request: RunRequest, env: NodeJS.ProcessEnv = process.env): RunConfig {
  if (!request.roots?.length) throw new RunRequestError('give at least one library folder');
  const roots = request.roots.map((r) => path.resolve(r));
  for (const root of roots) {
    if (!fs.existsSync(root)) throw new RunRequestError(`library folder not found: ${root}`);
    if (!fs.statSync(root).isDirectory()) throw new RunRequestError(`not a folder: ${root}`);
  }
  const dryRun = request.dryRun ?? false;
  let backendName = request.backend ?? RUN_DEFAULTS.backend;
  let backend;
  try {
    backend = getBackend(backendName);
  } catch (err) {
    throw new RunRequestError((err as Error).message);
  }
  backend.checkConfig(env);
  if (dryRun) backendName = 'none';
  const retryStatuses: PhotoStatus[] = Array.isArray(request.retryStatus)
    ? request.retryStatus.map((s) => {
        if (!isPhotoStatus(s))
          throw new RunRequestError(`unknown status "${s}"; use ${PHOTO_STATUSES.join(', ')}`);
        return s;
      })
    : request.retryStatus
      ? (() => {
          try {
            return parseStatusList(request.retryStatus as string);
          } catch (err) {
            throw new RunRequestError((err as Error).message);
          }
        })()
      : [];
  if (request.force && retryStatuses.length) {
    throw new RunRequestError('--force redoes every photo; it cannot be combined with --retry-status');
  }
  const mockErrorRate = request.mockErrorRate ?? 0;
  if (!(mockErrorRate >= 0 && mockErrorRate <= 1)) {
    throw new RunRequestError(`mock error rate must be between 0 and 1, got ${request.mockErrorRate}`);
  }
  const prompt = request.prompt ?? DEFAULT_PROMPT;
  let privateBackend;
  if (request.privateBackend) {
    try {
      privateBackend = getBackend(request.privateBackend);
    } catch (err) {
      throw new RunRequestError((err as Error).message);
    }
    if (privateBackend.remote) {
      throw new RunRequestError(
        `--private-backend must keep photos on this machine; "${privateBackend.name}" sends them away`,
      );
    }
    if (privateBackend.granularity !== 'batch') {
      throw new RunRequestError(`--private-backend "${privateBackend.name}" is not a local batch backend`);
    }
  }
  // Cheap checks first: a bad clustering option or vocabulary file fails before any model lookup.
  const cluster =
    request.cluster && !dryRun ? buildClusterSettings(request, request.textModel !== null, env) : undefined;
  const dtype = request.dtype ?? 'fp32';
  if (!isDtype(dtype)) throw new RunRequestError(`--dtype must be ${DTYPE_CHOICES}, got "${request.dtype}"`);
  let embed: RunConfig['embed'];
  if ((request.embed || request.cluster) && !dryRun) {
    embed = {
      imageModel: request.embedModel ?? DEFAULT_IMAGE_MODEL,
      textModel: request.textModel === null ? undefined : (request.textModel ?? DEFAULT_TEXT_MODEL),
      dtype,
      inferenceBatch: intIn('inference batch', request.inferenceBatch, 16, 1, 1024),
      stagingDir: path.join(readConfig(env).dataDir, 'staging'),
    };
    // Fail before any photo when a model folder is missing (no download ever happens in a run).
    const dir = modelsDir(readConfig(env), env);
    try {
      requireModel(dir, embed.imageModel, dtype);
      if (embed.textModel) requireModel(dir, embed.textModel, dtype);
    } catch (err) {
      throw new RunRequestError((err as Error).message);
    }
    const plan = pixelPlan(modelFolder(dir, embed.imageModel));
    if (plan) embed.inputEdge = sourceEdgeOf(plan);
  }
  let privacy: RunConfig['privacy'];
  const nsfwCheck = request.nsfwCheck ?? 'auto';
  if (!['auto', 'on', 'off'].includes(nsfwCheck))
    throw new RunRequestError(`--nsfw-check must be auto, on or off, got "${request.nsfwCheck}"`);
  if (!dryRun && nsfwCheck !== 'off') {
    const weights = nsfwModelPath(modelsDir(readConfig(env), env), env);
    if (nsfwCheck === 'on' || fs.existsSync(weights)) {
      try {
        requireNsfwModel(weights);
      } catch (err) {
        throw new RunRequestError((err as Error).message);
      }
      privacy = {
        nsfwModel: weights,
        nsfwThreshold: numberIn('--nsfw-threshold', request.nsfwThreshold, 0.8, 0, 1),
        reviewThreshold: 0.2,
      };
    }
  }
  const localOnly = [
    ...(request.localOnly ?? []),
    ...(env.PCC_LOCAL_ONLY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
  const maxCostUsd = request.maxCostUsd;
  if (maxCostUsd !== undefined && !(maxCostUsd >= 0)) {
    throw new RunRequestError(`--max-cost-usd must be a positive amount, got ${maxCostUsd}`);
  }
  if (request.baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(request.baseUrl)) {
    throw new RunRequestError(`--base-url must be an http(s) URL, got "${request.baseUrl}"`);
  }
  return {
    roots,
    include: request.include ?? [],
    exclude: request.exclude ?? [],
    backend: backendName,
    model: dryRun ? 'none' : (request.model ?? backend.defaultModel),
    prompt,
    promptHash: hashText(prompt),
    captionQueue: backend.queue,
    captionGranularity: backend.granularity,
    remote: backend.remote,
    maxEdge: intIn('max edge', request.maxEdge, 1024, 64, 4096),
    requestTimeoutMs: intIn('request timeout', request.requestTimeoutMs, 120_000, 100, 3_600_000),
    apiMaxAttempts: intIn('API attempts', request.apiMaxAttempts, 8, 1, 100),
    localOnly,
    privateBackend: privateBackend?.name,
    privateQueue: privateBackend?.queue,
    privateModel: privateBackend?.defaultModel,
    baseUrl:
      request.baseUrl ?? (backend.name === 'openai-compatible' ? env.OPENAI_COMPATIBLE_BASE_URL : undefined),
    maxCostUsd,
    writeProxies: !dryRun && readsProxies(backend.readsPixels, embed, privacy, cluster),
    ...(privacy ? { privacy } : {}),
    // Only when given: older runs (and their golden histories) have none, and fp32 is the default.
    ...(request.dtype ? { dtype } : {}),
    embed,
    cluster,
    limit: request.limit === undefined ? undefined : intIn('limit', request.limit, 0, 1, 10_000_000),
    force: request.force ?? false,
    retryStatuses,
    dryRun,
    acceptTruncated: request.acceptTruncated ?? false,
    ...(request.configFile ? { configFile: request.configFile } : {}),
    batchSize: intIn('batch size', request.batchSize, RUN_DEFAULTS.batchSize, 1, 512),
    maxConcurrentBatches: intIn(
      'max concurrent batches',
      request.maxConcurrentBatches,
      RUN_DEFAULTS.maxConcurrentBatches,
      1,
      256,
    ),
    batchesPerPage: intIn('batches per page', request.batchesPerPage, RUN_DEFAULTS.batchesPerPage, 1, 1000),
    mockErrorRate,
    mockLatencyMs: intIn('mock latency', request.mockLatencyMs, 0, 0, 600_000),
  };
}

function numberIn(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!(value >= min && value <= max))
    throw new RunRequestError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Clustering options from a request, with the file-based vocabulary read and checked now. */
export function buildClusterSettings(
  request: RunRequest,
  hasTextModel: boolean,
  env: NodeJS.ProcessEnv = process.env,
): ClusterSettings {
  const mode = (request.clusterMode ?? DEFAULT_CLUSTER_PARAMS.mode) as ClusterMode;
  if (!CLUSTER_MODES.includes(mode)) {
    throw new RunRequestError(
      `--cluster-mode must be one of ${CLUSTER_MODES.join(', ')}, got "${request.clusterMode}"`,
    );
  }
  const space = (request.clusterSpace ?? 'image') as ClusterSpace;
  if (!CLUSTER_SPACES.includes(space)) {
    throw new RunRequestError(
      `--cluster-space must be one of ${CLUSTER_SPACES.join(', ')}, got "${request.clusterSpace}"`,
    );
  }
  if (space !== 'image' && !hasTextModel) {
    throw new RunRequestError(
      `--cluster-space ${space} needs caption-text embeddings: drop --text-model none`,
    );
  }
  const pairwise = mode !== 'umap-hdbscan';
  const params = {
    ...DEFAULT_CLUSTER_PARAMS,
    mode,
    minClusterSize: intIn(
      '--min-cluster-size',
      request.minClusterSize,
      pairwise ? 2 : DEFAULT_CLUSTER_PARAMS.minClusterSize,
      2,
      100_000,
    ),
    seed: intIn('--cluster-seed', request.clusterSeed, DEFAULT_CLUSTER_PARAMS.seed, 0, 2 ** 31 - 1),
    threshold: numberIn(
      '--cluster-threshold',
      request.clusterThreshold,
      DEFAULT_CLUSTER_PARAMS.threshold,
      -1,
      1,
    ),
    windowMinutes: numberIn(
      '--window-minutes',
      request.windowMinutes,
      DEFAULT_CLUSTER_PARAMS.windowMinutes,
      0,
      525_600,
    ),
  };
  // No size given: umap-hdbscan adapts it to the library (clustering/cluster.ts).
  if (request.minClusterSize === undefined && !pairwise) Object.assign(params, { autoMinClusterSize: true });
  if (request.minSamples !== undefined)
    params.minSamples = intIn('--min-samples', request.minSamples, 1, 1, 100_000);
  let vocabulary: ClusterSettings['vocabulary'];
  if (request.vocabulary) {
    try {
      vocabulary = readVocabularyFile(path.resolve(request.vocabulary), {
        topK: request.vocabularyTopK,
        threshold: request.vocabularyThreshold,
        template: request.vocabularyTemplate,
      });
    } catch (err) {
      throw new RunRequestError((err as Error).message);
    }
    if (!vocabulary.labels.length && !vocabulary.gear.length) {
      throw new RunRequestError(`the vocabulary file ${request.vocabulary} has no labels and no gear rules`);
    }
  }
  return {
    space,
    params,
    vocabulary,
    reportDir: request.reportDir ? path.resolve(request.reportDir) : undefined,
    keywords: buildKeywordSettings(request, vocabulary?.template, env),
    ...buildPeopleSettings(request),
  };
}

/** People sets and the studio-black rule (both on by default; either can be turned off). */
export function buildPeopleSettings(request: RunRequest): Pick<ClusterSettings, 'people' | 'studio'> {
  const mode = request.peopleSets ?? 'local';
  if (!['local', 'cloud', 'off'].includes(mode))
    throw new RunRequestError(`--people-sets must be local, cloud or off, got "${request.peopleSets}"`);
  const minPersonScore = numberIn('--person-score', request.personScore, DEFAULT_PEOPLE.minPersonScore, 0, 1);
  const out: Pick<ClusterSettings, 'people' | 'studio'> = {};
  if (mode !== 'off') {
    out.people = {
      ...DEFAULT_PEOPLE,
      minPersonScore,
      minShare: numberIn('--people-share', request.peopleShare, DEFAULT_PEOPLE.minShare, 0.01, 1),
      allowCloud: mode === 'cloud',
      labels: request.peopleLabels?.length ? request.peopleLabels : DEFAULT_PEOPLE.labels,
    };
  }
  const rule = request.studioRule ?? 'on';
  if (!['on', 'off'].includes(rule))
    throw new RunRequestError(`--studio-rule must be on or off, got "${request.studioRule}"`);
  if (rule === 'on') {
    const d = DEFAULT_STUDIO_NIGHT;
    const [minShutterS, maxShutterS] = shutterRange(request.studioShutter) ?? [d.minShutterS, d.maxShutterS];
    out.studio = {
      darkLuma: numberIn('--studio-dark-luma', request.studioDarkLuma, d.darkLuma, 0.01, 0.5),
      minDarkRatio: numberIn('--studio-dark-ratio', request.studioDarkRatio, d.minDarkRatio, 0, 1),
      minPersonScore,
      maxIso: intIn('--studio-max-iso', request.studioMaxIso, d.maxIso, 1, 10_000_000),
      minShutterS,
      maxShutterS,
      highlightLuma: numberIn(
        '--studio-highlight-luma',
        request.studioHighlightLuma,
        d.highlightLuma,
        0.1,
        1,
      ),
      flashBoost: numberIn('--studio-flash-boost', request.studioFlashBoost, d.flashBoost, 0, 0.3),
      suppress: request.studioSuppress?.length ? request.studioSuppress : d.suppress,
    };
  }
  return out;
}

/** "1/200-1/30" → [0.005, 0.0333]; absent → undefined; anything else is an error. */
function shutterRange(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(/\s*(?:-|–|to)\s*/);
  const [a, b] = parts.map((p) => shutterSeconds(p));
  if (parts.length !== 2 || a === undefined || b === undefined || a > b)
    throw new RunRequestError(
      `--studio-shutter must be a range of exposure times, fastest first, like 1/200-1/30, got "${text}"`,
    );
  return [a, b];
}

/** The AI layer, vision and approval settings, with their data files read and checked now. */
export function buildKeywordSettings(
  request: RunRequest,
  template?: string,
  env: NodeJS.ProcessEnv = process.env,
): KeywordSettings {
  let autoApprove;
  try {
    autoApprove = parseApprovalPolicy(request.autoApprove ?? DEFAULT_AUTO_APPROVE);
  } catch (err) {
    throw new RunRequestError((err as Error).message);
  }
  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new RunRequestError((err as Error).message);
    }
  };
  const tree = request.keywordTree
    ? read(() => readKeywordTree(path.resolve(request.keywordTree!)))
    : { tree: [], aliases: {} };
  const aliases = {
    ...tree.aliases,
    ...(request.keywordAliases ? read(() => readAliases(path.resolve(request.keywordAliases!))) : {}),
  };
  let vision: KeywordSettings['vision'];
  if (request.visionBackend) {
    const backend = read(() => getBackend(request.visionBackend!));
    if (!backend.tag) {
      throw new RunRequestError(
        `--vision-backend ${backend.name} cannot tag photos; use a cloud or openai-compatible backend`,
      );
    }
    read(() => backend.checkConfig(env));
    vision = {
      backend: backend.name,
      model: request.visionModel ?? backend.defaultModel,
      queue: backend.queue,
      remote: backend.remote,
      maxTags: intIn('--vision-max-tags', request.visionMaxTags, 10, 1, 50),
      promptHash: '',
      maxEdge: intIn('max edge', request.maxEdge, 1024, 64, 4096),
      requestTimeoutMs: intIn('request timeout', request.requestTimeoutMs, 120_000, 100, 3_600_000),
      ...(request.baseUrl ? { baseUrl: request.baseUrl } : {}),
    };
  } else if (request.visionModel) {
    throw new RunRequestError('--vision-model needs --vision-backend');
  }
  const settings: KeywordSettings = {
    autoApprove,
    maxAiTags: intIn('--max-ai-tags', request.maxAiTags, 12, 0, 100),
    aiMinScore: numberIn('--ai-min-score', request.aiMinScore, 0.2, -1, 1),
    conceptBank: request.conceptBank
      ? read(() => readTermList(path.resolve(request.conceptBank!), 'concept bank'))
      : [],
    cities: request.cities ? read(() => readTermList(path.resolve(request.cities!), 'city list')) : [],
    aliases,
    tree: tree.tree,
    ...(template ? { template } : {}),
  };
  const ocrScope = request.ocr ?? 'medoids';
  if (!(OCR_SCOPES as readonly string[]).includes(ocrScope))
    throw new RunRequestError(`--ocr must be medoids, all or off, got "${request.ocr}"`);
  if (ocrScope !== 'off')
    settings.ocr = {
      scope: ocrScope as OcrSettings['scope'],
      minConfidence: numberIn(
        '--ocr-min-confidence',
        request.ocrMinConfidence,
        DEFAULT_OCR_MIN_CONFIDENCE,
        0,
        1,
      ),
    };
  if (vision) {
    vision.promptHash = hashText(visionPrompt(settings.cities, vision.maxTags));
    settings.vision = vision;
  }
  return settings;
}

/** The task queues a run needs workers on: io, its backends', gpu for embeddings, cpu for clusters. */
export function runQueueRoles(config: RunConfig): QueueRole[] {
  return [
    ...new Set<QueueRole>([
      'io',
      config.captionQueue,
      ...(config.privateQueue ? [config.privateQueue] : []),
      ...(config.embed || config.privacy ? (['gpu'] as const) : []),
      ...(config.cluster ? (['cpu'] as const) : []),
      ...(config.cluster?.keywords?.vision ? [config.cluster.keywords.vision.queue] : []),
    ]),
  ];
}

/**
 * The run's workflow id: readable in the Temporal UI and derived from what the run does, so issuing
 * the same command again attaches to the run in flight. Concurrency knobs are left out on purpose:
 * changing --max-concurrent-batches or raising --max-cost-usd is still "the same run".
 */
export function runWorkflowId(config: RunConfig): string {
  const identity = {
    roots: config.roots,
    include: config.include,
    exclude: config.exclude,
    backend: config.backend,
    model: config.model,
    promptHash: config.promptHash,
    limit: config.limit ?? null,
    force: config.force,
    retryStatuses: config.retryStatuses,
    dryRun: config.dryRun,
    localOnly: config.localOnly,
    privateBackend: config.privateBackend ?? null,
    baseUrl: config.baseUrl ?? null,
    maxEdge: config.maxEdge,
    embed: config.embed
      ? { image: config.embed.imageModel, text: config.embed.textModel ?? null, dtype: config.embed.dtype }
      : null,
    cluster: config.cluster ? hashText(JSON.stringify(config.cluster)) : null,
    // Only when set, so that the ids of runs started before the option existed stay the same.
    ...(config.acceptTruncated ? { acceptTruncated: true } : {}),
    ...(config.privacy ? { nsfwThreshold: config.privacy.nsfwThreshold } : {}),
  };
  const label =
    path
      .basename(config.roots[0])
      .replace(/[^\w.-]+/g, '_')
      .slice(0, 40) || 'library';
  return `pcc-run-${label}-${hashText(JSON.stringify(identity), 10)}`;
}
