/**
 * Every option of a library run, declared once. The CLI flags of `pcc run` (and the clustering
 * flags of `pcc report`), the API's `POST /runs` body (validation and OpenAPI schema), the keys of
 * `pcc.yaml` and `pcc config init`'s commented example all come from this table; `buildRunConfig`
 * then checks ranges and resolves the RunConfig. A new option is one row here (plus its use).
 */
import type { RunRequest } from './run-request';
import { PHOTO_STATUSES } from '../shared/status';
import { RUN_DEFAULTS } from '../shared/run-defaults';
import { CLUSTER_MODES } from '../clustering/cluster';
import { CLUSTER_SPACES } from '../shared/payloads';
import { backendOptions } from '../backends/registry';
import { DTYPES } from '../shared/dtype';

/** The sections of `pcc.yaml`, in the order `pcc config init` writes them. */
export const CONFIG_SECTIONS = {
  library: 'which files a run takes',
  caption: 'the caption model',
  privacy: 'what never leaves this machine',
  embeddings: 'local image and caption-text embeddings',
  clustering: 'grouping the library',
  vocabulary: 'controlled (CK) keywords scored zero-shot',
  keywords: 'freeform (AI) keywords mined from captions and a concept bank, checked by CLIP',
  vision: 'cloud vision tags, one request per cluster medoid',
  review: 'which proposed keywords are approved without a person',
  reports: 'report files',
  runtime: 'batching and the workflow',
  mock: 'the mock backend (demos and tests)',
} as const;
export type ConfigSection = keyof typeof CONFIG_SECTIONS;

export type OptionType = 'string' | 'int' | 'number' | 'boolean' | 'list' | 'statuses' | 'modelOrNone';

export interface RunOption {
  /** The RunRequest field it fills. */
  key: keyof RunRequest;
  type: OptionType;
  /** `pcc run --<flag>` (kebab-case, without dashes). */
  flag: string;
  /** `pcc.yaml`: section and key. */
  section: ConfigSection;
  configKey: string;
  help: string;
  /** Shown in help, OpenAPI and the example config; the real default is applied by buildRunConfig. */
  default?: string | number | boolean;
  min?: number;
  max?: number;
  choices?: readonly string[];
  /** A valid value for the table-driven test and the example config. */
  example: string | number | boolean | string[];
  /** Also a flag of `pcc report` (re-clustering). */
  report?: boolean;
  /** A file name: in pcc.yaml it is relative to the config file. */
  isPath?: boolean;
}

/** Options of the pipeline itself; backends add their own (`CaptionBackend.options`). */
const CORE_OPTIONS: readonly RunOption[] = [
  // library
  {
    key: 'include',
    type: 'list',
    flag: 'include',
    section: 'library',
    configKey: 'include',
    help: 'only files matching these globs (relative to the folder)',
    example: ['**/*.jpg'],
  },
  {
    key: 'exclude',
    type: 'list',
    flag: 'exclude',
    section: 'library',
    configKey: 'exclude',
    help: 'skip files or folders matching these globs',
    example: ['Trash/**'],
  },
  {
    key: 'limit',
    type: 'int',
    flag: 'limit',
    section: 'library',
    configKey: 'limit',
    help: 'process at most N photos this time',
    min: 1,
    example: 500,
  },
  {
    key: 'force',
    type: 'boolean',
    flag: 'force',
    section: 'library',
    configKey: 'force',
    help: 'redo photos that already have a result for this backend, model and prompt',
    example: true,
  },
  {
    key: 'retryStatus',
    type: 'statuses',
    flag: 'retry-status',
    section: 'library',
    configKey: 'retry_status',
    help: 'redo only photos whose last status is one of these',
    choices: PHOTO_STATUSES,
    example: ['error_api'],
  },
  {
    key: 'dryRun',
    type: 'boolean',
    flag: 'dry-run',
    section: 'library',
    configKey: 'dry_run',
    help: 'decode every photo without any model and report corrupt files',
    example: true,
  },
  {
    key: 'acceptTruncated',
    type: 'boolean',
    flag: 'accept-truncated',
    section: 'library',
    configKey: 'accept_truncated',
    help: 'caption files that end early (bottom of the picture missing) instead of recording them as corrupt',
    example: true,
  },
  // caption
  {
    key: 'backend',
    type: 'string',
    flag: 'backend',
    section: 'caption',
    configKey: 'backend',
    help: 'caption backend',
    default: 'mock',
    example: 'mock',
  },
  {
    key: 'model',
    type: 'string',
    flag: 'model',
    section: 'caption',
    configKey: 'model',
    help: 'model id (default: the backend default)',
    example: 'mock-v2',
  },
  {
    key: 'prompt',
    type: 'string',
    flag: 'prompt',
    section: 'caption',
    configKey: 'prompt',
    help: 'caption prompt (default: the classic one-or-two-sentence prompt)',
    example: 'Describe the photo.',
  },
  {
    key: 'maxEdge',
    type: 'int',
    flag: 'max-edge',
    section: 'caption',
    configKey: 'max_edge',
    help: 'long edge of the JPEG a remote model receives',
    default: 1024,
    min: 64,
    max: 4096,
    example: 768,
  },
  {
    key: 'requestTimeoutMs',
    type: 'int',
    flag: 'request-timeout-ms',
    section: 'caption',
    configKey: 'request_timeout_ms',
    help: 'per-request timeout for remote models',
    default: 120_000,
    min: 100,
    max: 3_600_000,
    example: 60_000,
  },
  {
    key: 'apiMaxAttempts',
    type: 'int',
    flag: 'api-max-attempts',
    section: 'caption',
    configKey: 'api_max_attempts',
    help: 'attempts per photo before it is recorded as error_api',
    default: 8,
    min: 1,
    max: 100,
    example: 3,
  },
  {
    key: 'maxCostUsd',
    type: 'number',
    flag: 'max-cost-usd',
    section: 'caption',
    configKey: 'max_cost_usd',
    help: 'pause the run when its spend reaches this (raise it and run again to continue)',
    min: 0,
    example: 20,
  },
  // privacy
  {
    key: 'localOnly',
    type: 'list',
    flag: 'local-only',
    section: 'privacy',
    configKey: 'local_only',
    help: 'folders/files (relative to the library) never sent to a cloud model',
    example: ['Family/**'],
  },
  {
    key: 'privateBackend',
    type: 'string',
    flag: 'private-backend',
    section: 'privacy',
    configKey: 'private_backend',
    help: 'local backend that captions local-only photos of a cloud run',
    example: 'local',
  },
  {
    key: 'nsfwCheck',
    type: 'string',
    flag: 'nsfw-check',
    section: 'privacy',
    configKey: 'nsfw_check',
    help: 'score every photo with Open-NSFW on this machine: auto (when the weights are installed), on, off',
    default: 'auto',
    choices: ['auto', 'on', 'off'],
    example: 'on',
  },
  {
    key: 'nsfwThreshold',
    type: 'number',
    flag: 'nsfw-threshold',
    section: 'privacy',
    configKey: 'nsfw_threshold',
    help: 'Open-NSFW score at or above which a photo is private (never sent to a cloud model)',
    default: 0.8,
    min: 0,
    max: 1,
    example: 0.7,
  },
  {
    key: 'peopleSets',
    type: 'string',
    flag: 'people-sets',
    section: 'privacy',
    configKey: 'people_sets',
    help: 'find clusters that are mostly people (CLIP on this machine): local keeps them off cloud vision, cloud allows it, off skips',
    default: 'local',
    choices: ['local', 'cloud', 'off'],
    example: 'cloud',
    report: true,
  },
  {
    key: 'personScore',
    type: 'number',
    flag: 'person-score',
    section: 'privacy',
    configKey: 'person_score',
    help: 'person presence (0–1: CLIP person prompts, or the NSFW score) at or above which a photo shows a person',
    default: 0.5,
    min: 0,
    max: 1,
    example: 0.6,
    report: true,
  },
  {
    key: 'peopleShare',
    type: 'number',
    flag: 'people-share',
    section: 'privacy',
    configKey: 'people_share',
    help: "share of a cluster's photos with a person at or above which it is a people set",
    default: 0.5,
    min: 0.01,
    max: 1,
    example: 0.7,
    report: true,
  },
  {
    key: 'peopleLabels',
    type: 'list',
    flag: 'people-label',
    section: 'privacy',
    configKey: 'people_labels',
    help: 'vocabulary labels (globs) proposed only on people sets; default profile, frontal, hands, face, studio, hair:*',
    example: ['face', 'hair:*'],
    report: true,
  },
  // embeddings
  {
    key: 'embed',
    type: 'boolean',
    flag: 'embed',
    section: 'embeddings',
    configKey: 'enabled',
    help: 'also compute image (CLIP) and caption-text embeddings on the gpu queue',
    example: true,
  },
  {
    key: 'embedModel',
    type: 'string',
    flag: 'embed-model',
    section: 'embeddings',
    configKey: 'image_model',
    help: 'image embedding model (Hugging Face id under PCC_MODELS_DIR)',
    default: 'Xenova/clip-vit-base-patch32',
    example: 'Xenova/clip-vit-base-patch32',
  },
  {
    key: 'textModel',
    type: 'modelOrNone',
    flag: 'text-model',
    section: 'embeddings',
    configKey: 'text_model',
    help: 'caption-text embedding model, or "none"',
    default: 'Xenova/all-MiniLM-L6-v2',
    example: 'none',
  },
  {
    key: 'dtype',
    type: 'string',
    flag: 'dtype',
    section: 'embeddings',
    configKey: 'dtype',
    help: 'precision of local models: the embedders and the local caption backend',
    default: 'fp32',
    choices: [...DTYPES],
    example: 'q8',
  },
  {
    key: 'inferenceBatch',
    type: 'int',
    flag: 'inference-batch',
    section: 'embeddings',
    configKey: 'inference_batch',
    help: 'photos per inference call on the gpu queue',
    default: 16,
    min: 1,
    max: 1024,
    example: 8,
  },
  // clustering
  {
    key: 'cluster',
    type: 'boolean',
    flag: 'cluster',
    section: 'clustering',
    configKey: 'enabled',
    help: 'after captioning: cluster the embeddings, tag with the vocabulary, write reports (implies embeddings)',
    example: true,
  },
  {
    key: 'clusterMode',
    type: 'string',
    flag: 'cluster-mode',
    section: 'clustering',
    configKey: 'mode',
    help: 'how to group',
    default: 'umap-hdbscan',
    choices: CLUSTER_MODES,
    example: 'cosine-threshold',
    report: true,
  },
  {
    key: 'clusterSpace',
    type: 'string',
    flag: 'cluster-space',
    section: 'clustering',
    configKey: 'space',
    help: 'embeddings to cluster',
    default: 'image',
    choices: CLUSTER_SPACES,
    example: 'both',
    report: true,
  },
  {
    key: 'minClusterSize',
    type: 'int',
    flag: 'min-cluster-size',
    section: 'clustering',
    configKey: 'min_cluster_size',
    help: 'smallest group (default: adapted to the library for umap-hdbscan, 2 for the others)',
    min: 2,
    max: 100_000,
    example: 5,
    report: true,
  },
  {
    key: 'minSamples',
    type: 'int',
    flag: 'min-samples',
    section: 'clustering',
    configKey: 'min_samples',
    help: 'HDBSCAN core neighbours (default: the min cluster size)',
    min: 1,
    max: 100_000,
    example: 3,
    report: true,
  },
  {
    key: 'clusterSeed',
    type: 'int',
    flag: 'cluster-seed',
    section: 'clustering',
    configKey: 'seed',
    help: 'the same seed and embeddings give the same clusters',
    default: 42,
    min: 0,
    max: 2 ** 31 - 1,
    example: 7,
    report: true,
  },
  {
    key: 'clusterThreshold',
    type: 'number',
    flag: 'cluster-threshold',
    section: 'clustering',
    configKey: 'threshold',
    help: 'cosine similarity that joins photos (cosine-threshold, time-window)',
    default: 0.85,
    min: -1,
    max: 1,
    example: 0.9,
    report: true,
  },
  {
    key: 'windowMinutes',
    type: 'number',
    flag: 'window-minutes',
    section: 'clustering',
    configKey: 'window_minutes',
    help: 'time-window mode: a longer gap between photos starts a new shoot',
    default: 120,
    min: 0,
    max: 525_600,
    example: 60,
    report: true,
  },
  // vocabulary
  {
    key: 'vocabulary',
    type: 'string',
    flag: 'vocabulary',
    section: 'vocabulary',
    configKey: 'file',
    help: 'labels to tag with (YAML or one per line), scored zero-shot by CLIP',
    example: 'tags.yaml',
    report: true,
    isPath: true,
  },
  {
    key: 'vocabularyTopK',
    type: 'int',
    flag: 'top-k',
    section: 'vocabulary',
    configKey: 'top_k',
    help: 'vocabulary labels kept per photo',
    default: 5,
    min: 1,
    max: 1000,
    example: 3,
    report: true,
  },
  {
    key: 'vocabularyThreshold',
    type: 'number',
    flag: 'tag-threshold',
    section: 'vocabulary',
    configKey: 'threshold',
    help: 'minimum zero-shot probability for a label to be approved',
    default: 0.1,
    min: 0,
    max: 1,
    example: 0.2,
    report: true,
  },
  {
    key: 'vocabularyTemplate',
    type: 'string',
    flag: 'template',
    section: 'vocabulary',
    configKey: 'template',
    help: 'text prompt per label',
    default: 'a photo of {label}',
    example: 'a picture of {label}',
    report: true,
  },
  {
    key: 'studioRule',
    type: 'string',
    flag: 'studio-rule',
    section: 'vocabulary',
    configKey: 'studio_rule',
    help: 'propose CK studio + black-background (and withhold night) for dark low-ISO portraits: on, off',
    default: 'on',
    choices: ['on', 'off'],
    example: 'off',
    report: true,
  },
  {
    key: 'studioDarkLuma',
    type: 'number',
    flag: 'studio-dark-luma',
    section: 'vocabulary',
    configKey: 'studio_dark_luma',
    help: 'studio rule: luminance (0–1) below which a pixel counts as dark',
    default: 0.08,
    min: 0.01,
    max: 0.5,
    example: 0.1,
    report: true,
  },
  {
    key: 'studioDarkRatio',
    type: 'number',
    flag: 'studio-dark-ratio',
    section: 'vocabulary',
    configKey: 'studio_dark_ratio',
    help: 'studio rule: share of dark pixels at or above which a photo looks like a black backdrop (or night)',
    default: 0.65,
    min: 0,
    max: 1,
    example: 0.7,
    report: true,
  },
  {
    key: 'studioMaxIso',
    type: 'int',
    flag: 'studio-max-iso',
    section: 'vocabulary',
    configKey: 'studio_max_iso',
    help: 'studio rule: highest ISO of a studio shot (night shots run higher)',
    default: 1600,
    min: 1,
    max: 10_000_000,
    example: 800,
    report: true,
  },
  {
    key: 'studioShutter',
    type: 'string',
    flag: 'studio-shutter',
    section: 'vocabulary',
    configKey: 'studio_shutter',
    help: 'studio rule: shutter range of a studio shot, fastest-slowest in seconds',
    default: '1/200-1/30',
    example: '1/250-1/60',
    report: true,
  },
  {
    key: 'studioHighlightLuma',
    type: 'number',
    flag: 'studio-highlight-luma',
    section: 'vocabulary',
    configKey: 'studio_highlight_luma',
    help: 'studio rule: luminance of the flash-lit subject; a clear bright mode raises the studio score',
    default: 0.6,
    min: 0.1,
    max: 1,
    example: 0.7,
    report: true,
  },
  {
    key: 'studioFlashBoost',
    type: 'number',
    flag: 'studio-flash-boost',
    section: 'vocabulary',
    configKey: 'studio_flash_boost',
    help: 'studio rule: how much a flash-lit mode adds to the studio score (0.7 without one)',
    default: 0.25,
    min: 0,
    max: 0.3,
    example: 0.2,
    report: true,
  },
  {
    key: 'studioSuppress',
    type: 'list',
    flag: 'studio-suppress',
    section: 'vocabulary',
    configKey: 'studio_suppress',
    help: 'vocabulary labels withheld where the studio rule fires; default night',
    example: ['night', 'dark'],
    report: true,
  },
  // keywords
  {
    key: 'maxAiTags',
    type: 'int',
    flag: 'max-ai-tags',
    section: 'keywords',
    configKey: 'max_ai_tags',
    help: 'freeform (AI) keywords proposed per photo; 0 turns the AI layer off',
    default: 12,
    min: 0,
    max: 100,
    example: 8,
    report: true,
  },
  {
    key: 'aiMinScore',
    type: 'number',
    flag: 'ai-min-score',
    section: 'keywords',
    configKey: 'min_score',
    help: 'minimum CLIP cosine between "a photo of <term>" and the photo (0.2 suits ViT-B/32)',
    default: 0.2,
    min: -1,
    max: 1,
    example: 0.22,
    report: true,
  },
  {
    key: 'ocr',
    type: 'string',
    flag: 'ocr',
    section: 'keywords',
    configKey: 'ocr',
    help: 'read text (PaddleOCR, on this machine) in each cluster medoid, every photo, or none: medoids, all, off',
    default: 'medoids',
    choices: ['medoids', 'all', 'off'],
    example: 'all',
    report: true,
  },
  {
    key: 'ocrMinConfidence',
    type: 'number',
    flag: 'ocr-min-confidence',
    section: 'keywords',
    configKey: 'ocr_min_confidence',
    help: 'recognition confidence at or above which a word read by OCR becomes a proposed AI keyword',
    default: 0.75,
    min: 0,
    max: 1,
    example: 0.85,
    report: true,
  },
  {
    key: 'conceptBank',
    type: 'string',
    flag: 'concept-bank',
    section: 'keywords',
    configKey: 'concept_bank',
    help: 'terms every photo is checked against (one per line or a YAML list): overcast, reflection, …',
    example: 'concepts.txt',
    report: true,
    isPath: true,
  },
  {
    key: 'cities',
    type: 'string',
    flag: 'cities',
    section: 'keywords',
    configKey: 'cities',
    help: 'place names taken from captions and asked of vision models (the only proper nouns kept)',
    example: 'cities.txt',
    report: true,
    isPath: true,
  },
  {
    key: 'keywordAliases',
    type: 'string',
    flag: 'aliases',
    section: 'keywords',
    configKey: 'aliases',
    help: 'YAML mapping of your term to the words that mean it (car: [auto, automobile])',
    example: 'aliases.yaml',
    report: true,
    isPath: true,
  },
  {
    key: 'keywordTree',
    type: 'string',
    flag: 'keyword-tree',
    section: 'keywords',
    configKey: 'tree',
    help: 'your keyword tree (Lightroom keyword export, or Parent|Child paths): mined words become your keywords',
    example: 'keywords.txt',
    report: true,
    isPath: true,
  },
  // vision
  {
    key: 'visionBackend',
    type: 'string',
    flag: 'vision-backend',
    section: 'vision',
    configKey: 'backend',
    help: 'cloud or openai-compatible backend that tags each cluster medoid once (never a private cluster)',
    example: 'openai',
  },
  {
    key: 'visionModel',
    type: 'string',
    flag: 'vision-model',
    section: 'vision',
    configKey: 'model',
    help: 'model of the vision backend (default: its default)',
    example: 'gpt-4.1-mini',
  },
  {
    key: 'visionMaxTags',
    type: 'int',
    flag: 'vision-max-tags',
    section: 'vision',
    configKey: 'max_tags',
    help: 'tags asked for per medoid',
    default: 10,
    min: 1,
    max: 50,
    example: 8,
  },
  // review
  {
    key: 'autoApprove',
    type: 'list',
    flag: 'auto-approve',
    section: 'review',
    configKey: 'auto_approve',
    help: 'LAYER:SOURCE[>=SCORE] rules approved without review; the rest waits for a person',
    default: 'CK:vocabulary,CK:exif,AI:date',
    example: ['CK:vocabulary', 'AI:vision>=0.9'],
    report: true,
  },
  // reports
  {
    key: 'reportDir',
    type: 'string',
    flag: 'report-dir',
    section: 'reports',
    configKey: 'dir',
    help: 'where the run writes its reports (default <data dir>/reports/<run id>)',
    example: 'reports',
    isPath: true,
  },
  // runtime
  {
    key: 'batchSize',
    type: 'int',
    flag: 'batch-size',
    section: 'runtime',
    configKey: 'batch_size',
    help: 'photos per batch (16–128 is a good range)',
    default: RUN_DEFAULTS.batchSize,
    min: 1,
    max: 512,
    example: 128,
  },
  {
    key: 'maxConcurrentBatches',
    type: 'int',
    flag: 'max-concurrent-batches',
    section: 'runtime',
    configKey: 'max_concurrent_batches',
    help: 'batches in flight at once',
    default: RUN_DEFAULTS.maxConcurrentBatches,
    min: 1,
    max: 256,
    example: 2,
  },
  {
    key: 'batchesPerPage',
    type: 'int',
    flag: 'batches-per-page',
    section: 'runtime',
    configKey: 'batches_per_page',
    help: 'batches per workflow execution before continue-as-new',
    default: RUN_DEFAULTS.batchesPerPage,
    min: 1,
    max: 1000,
    example: 50,
  },
];

/** Every run option: the pipeline's, then each registered backend's own. */
export const RUN_OPTIONS: readonly RunOption[] = [...CORE_OPTIONS, ...backendOptions()];

export class OptionValueError extends Error {
  override name = 'OptionValueError';
}

export function optionByKey(key: keyof RunRequest): RunOption {
  const found = RUN_OPTIONS.find((o) => o.key === key);
  if (!found) throw new Error(`no run option ${String(key)}`);
  return found;
}

/** `--batch-size`, or `runtime.batch_size` in the config file: how a message names the option. */
export type OptionSource = 'flag' | 'config' | 'api';

export function optionName(option: RunOption, source: OptionSource): string {
  if (source === 'flag') return `--${option.flag}`;
  if (source === 'config') return `${option.section}.${option.configKey}`;
  return option.key;
}

/**
 * Turns a value from any surface into the request field: text from the command line, YAML
 * values from the config file, JSON from the API. Types and choices are checked here; ranges
 * are checked by buildRunConfig, which names the option the same way on every surface.
 */
export function parseOptionValue(option: RunOption, raw: unknown, source: OptionSource): unknown {
  const name = optionName(option, source);
  const fromText = typeof raw === 'string' && source === 'flag';
  const fail = (what: string): never => {
    throw new OptionValueError(`${name} must be ${what}, got ${JSON.stringify(raw)}`);
  };
  switch (option.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      return fail('true or false');
    case 'int':
    case 'number': {
      const n = fromText || (source === 'config' && typeof raw === 'string') ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n) || (typeof raw === 'string' && !String(raw).trim()))
        return fail(option.type === 'int' ? 'a whole number' : 'a number');
      if (option.type === 'int' && !Number.isInteger(n)) return fail('a whole number');
      const lo = option.min ?? -Infinity;
      const hi = option.max ?? Infinity;
      if (n < lo || n > hi)
        return fail(
          hi === Infinity ? `at least ${lo}` : lo === -Infinity ? `at most ${hi}` : `from ${lo} to ${hi}`,
        );
      return n;
    }
    case 'string':
    case 'modelOrNone': {
      if (typeof raw !== 'string' || !raw.trim()) return fail('text');
      if (option.choices && !option.choices.includes(raw)) return fail(`one of ${option.choices.join(', ')}`);
      return option.type === 'modelOrNone' && raw === 'none' ? null : raw;
    }
    case 'list':
    case 'statuses': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : fail('a list');
      const list = items
        .map((v) => (typeof v === 'string' ? v.trim() : fail('a list of text')))
        .filter(Boolean);
      if (option.type === 'statuses') {
        for (const s of list)
          if (!(PHOTO_STATUSES as readonly string[]).includes(s))
            throw new OptionValueError(
              `${name}: unknown status "${s}"; use one or more of ${PHOTO_STATUSES.join(', ')}`,
            );
      }
      return list;
    }
  }
}

/** An API body (already validated by the DTO) as a request: the same conversions as the other surfaces. */
export function requestFromApi(body: Record<string, unknown> & { roots: string[] }): RunRequest {
  const request: RunRequest = { roots: body.roots };
  for (const o of RUN_OPTIONS) {
    const raw = body[o.key];
    if (raw === undefined) continue;
    // null: "none" for the text model, "not set" for anything else.
    (request as unknown as Record<string, unknown>)[o.key] =
      raw === null ? (o.type === 'modelOrNone' ? null : undefined) : parseOptionValue(o, raw, 'api');
  }
  return request;
}

/** Merges requests field by field: later ones win (config file < command line). */
export function mergeRequests(...parts: Array<Partial<RunRequest>>): Partial<RunRequest> {
  const out: Partial<RunRequest> = {};
  for (const part of parts)
    for (const [k, v] of Object.entries(part)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
