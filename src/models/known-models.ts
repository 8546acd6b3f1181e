/**
 * Models pcc knows how to run, by Hugging Face id, in transformers.js layout under
 * $PCC_MODELS_DIR/<id>/. Sizes are the ONNX weights as published (MB); VRAM is what a session of
 * that precision needs with batch 16 (estimates from the weight size, see docs/self_hosted_models.md).
 */
import type { Dtype } from '../shared/dtype';

export type { Dtype } from '../shared/dtype';
export type ModelTask = 'image-text-embedding' | 'text-embedding' | 'caption';

/**
 * How a caption model is driven (src/models/captioner.ts):
 * - image-to-text: a vision encoder-decoder (vit-gpt2); takes no prompt.
 * - florence2: Florence-2's task tokens (<CAPTION>, <DETAILED_CAPTION>, <MORE_DETAILED_CAPTION>).
 * - chat: an instruction VLM with a chat template (SmolVLM, Qwen2-VL); any prompt.
 * - moondream: Moondream's "Question: … Answer:" format; any prompt.
 */
export type CaptionFamily = 'image-to-text' | 'florence2' | 'chat' | 'moondream';

export interface KnownModel {
  id: string;
  task: ModelTask;
  /** Embedding width. */
  dim?: number;
  license: string;
  /** Published precisions and their download size (MB, all graphs together). */
  sizeMb: Partial<Record<Dtype, number>>;
  /** ONNX graphs (without the dtype suffix) the model needs. */
  graphs: string[];
  /** Non-ONNX files the model needs. */
  files: string[];
  notes: string;
  /** Caption models: how they are prompted. */
  family?: CaptionFamily;
  /** transformers.js model_type, for the docs and `pcc models list`. */
  architecture?: string;
}

export const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4' };

const VLM_FILES = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
];

/**
 * Vision-language caption models transformers.js runs (ONNX exports on the Hub). Sizes are the
 * published ONNX weights of all graphs together, rounded (MB); the Hub's listing is what `pull`
 * checks, file by file (size and SHA-256).
 */
const VLM_CAPTIONERS: KnownModel[] = [
  {
    id: 'onnx-community/Florence-2-base-ft',
    task: 'caption',
    license: 'MIT',
    sizeMb: { fp32: 1080, fp16: 540, q8: 290, q4: 230 },
    graphs: ['vision_encoder', 'embed_tokens', 'encoder_model', 'decoder_model_merged'],
    files: VLM_FILES,
    family: 'florence2',
    architecture: 'florence2',
    notes: 'fast, good captions (0.23 B); --prompt caption|detailed|more-detailed',
  },
  {
    id: 'onnx-community/Florence-2-large-ft',
    task: 'caption',
    license: 'MIT',
    sizeMb: { fp32: 3150, fp16: 1580, q8: 830, q4: 600 },
    graphs: ['vision_encoder', 'embed_tokens', 'encoder_model', 'decoder_model_merged'],
    files: VLM_FILES,
    family: 'florence2',
    architecture: 'florence2',
    notes: 'Florence-2 large (0.77 B): richer detail, ~3× slower than base',
  },
  {
    id: 'HuggingFaceTB/SmolVLM-256M-Instruct',
    task: 'caption',
    license: 'Apache-2.0',
    sizeMb: { fp32: 1030, fp16: 520, q8: 280, q4: 210 },
    graphs: ['vision_encoder', 'embed_tokens', 'decoder_model_merged'],
    files: VLM_FILES,
    family: 'chat',
    architecture: 'idefics3',
    notes: 'smallest instruction VLM; follows --prompt',
  },
  {
    id: 'HuggingFaceTB/SmolVLM-500M-Instruct',
    task: 'caption',
    license: 'Apache-2.0',
    sizeMb: { fp32: 2030, fp16: 1020, q8: 540, q4: 380 },
    graphs: ['vision_encoder', 'embed_tokens', 'decoder_model_merged'],
    files: VLM_FILES,
    family: 'chat',
    architecture: 'idefics3',
    notes: 'instruction VLM; better than 256M at the same speed class',
  },
  {
    id: 'HuggingFaceTB/SmolVLM2-256M-Video-Instruct',
    task: 'caption',
    license: 'Apache-2.0',
    sizeMb: { fp32: 1030, fp16: 520, q8: 280, q4: 210 },
    graphs: ['vision_encoder', 'embed_tokens', 'decoder_model_merged'],
    files: VLM_FILES,
    family: 'chat',
    architecture: 'smolvlm',
    notes: 'SmolVLM2 (images and video frames); follows --prompt',
  },
  {
    id: 'HuggingFaceTB/SmolVLM2-500M-Video-Instruct',
    task: 'caption',
    license: 'Apache-2.0',
    sizeMb: { fp32: 2030, fp16: 1020, q8: 540, q4: 380 },
    graphs: ['vision_encoder', 'embed_tokens', 'decoder_model_merged'],
    files: VLM_FILES,
    family: 'chat',
    architecture: 'smolvlm',
    notes: 'SmolVLM2 500M',
  },
  {
    id: 'onnx-community/Qwen2-VL-2B-Instruct',
    task: 'caption',
    license: 'Apache-2.0',
    sizeMb: { fp16: 4420, q8: 2330, q4: 1550 },
    graphs: ['vision_encoder', 'embed_tokens', 'decoder_model_merged'],
    files: VLM_FILES,
    family: 'chat',
    architecture: 'qwen2_vl',
    notes: 'best small open captioner here (2 B); wants a GPU or patience',
  },
  {
    id: 'onnx-community/Qwen2.5-VL-3B-Instruct',
    task: 'caption',
    license: 'Qwen Research',
    sizeMb: { fp16: 7500, q8: 3900, q4: 2400 },
    graphs: ['vision_encoder', 'embed_tokens', 'decoder_model_merged'],
    files: VLM_FILES,
    family: 'chat',
    architecture: 'qwen2_5_vl',
    notes: 'Qwen2.5-VL 3B: the strongest here; GPU recommended',
  },
  {
    id: 'Xenova/moondream2',
    task: 'caption',
    license: 'Apache-2.0',
    sizeMb: { fp16: 3720, q8: 1930, q4: 1350 },
    graphs: ['vision_encoder', 'embed_tokens', 'decoder_model_merged'],
    files: VLM_FILES,
    family: 'moondream',
    architecture: 'moondream1',
    notes: 'Moondream2 (1.9 B, transformers.js moondream1 layout); follows --prompt',
  },
];

const CLIP_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];

export const KNOWN_MODELS: readonly KnownModel[] = [
  {
    id: 'Xenova/clip-vit-base-patch32',
    task: 'image-text-embedding',
    dim: 512,
    license: 'MIT',
    sizeMb: { fp32: 352, fp16: 176, q8: 89 },
    graphs: ['vision_model', 'text_model'],
    files: CLIP_FILES,
    notes: 'default image embedding; zero-shot tags through its text tower',
  },
  {
    id: 'Xenova/clip-vit-large-patch14',
    task: 'image-text-embedding',
    dim: 768,
    license: 'MIT',
    sizeMb: { fp32: 1710, fp16: 855, q8: 430 },
    graphs: ['vision_model', 'text_model'],
    files: CLIP_FILES,
    notes: 'better tags and clusters; ~5× slower than base',
  },
  {
    id: 'Xenova/siglip-base-patch16-224',
    task: 'image-text-embedding',
    dim: 768,
    license: 'Apache-2.0',
    sizeMb: { fp32: 813, fp16: 407, q8: 205 },
    graphs: ['vision_model', 'text_model'],
    files: CLIP_FILES,
    notes: 'SigLIP: sigmoid scores, better zero-shot at the same size',
  },
  {
    id: 'Xenova/all-MiniLM-L6-v2',
    task: 'text-embedding',
    dim: 384,
    license: 'Apache-2.0',
    sizeMb: { fp32: 90, fp16: 45, q8: 23 },
    graphs: ['model'],
    files: ['config.json', 'tokenizer.json', 'tokenizer_config.json'],
    notes: 'default caption-text embedding (mean pooling, normalised)',
  },
  {
    id: 'Xenova/vit-gpt2-image-captioning',
    task: 'caption',
    license: 'Apache-2.0',
    sizeMb: { fp32: 982, fp16: 491, q8: 246 },
    graphs: ['encoder_model', 'decoder_model_merged'],
    files: [
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'generation_config.json',
    ],
    notes: 'small, fast, short generic captions',
    family: 'image-to-text',
    architecture: 'vision-encoder-decoder',
  },
  ...VLM_CAPTIONERS,
];

export function knownModel(id: string): KnownModel | undefined {
  return KNOWN_MODELS.find((m) => m.id === id);
}

export const DEFAULT_IMAGE_MODEL = 'Xenova/clip-vit-base-patch32';
export const DEFAULT_TEXT_MODEL = 'Xenova/all-MiniLM-L6-v2';

/** The precisions a model is published in, in DTYPES order. */
export function dtypesOf(model: KnownModel): Dtype[] {
  return (Object.keys(DTYPE_SUFFIX) as Dtype[]).filter((d) => model.sizeMb[d] !== undefined);
}

/** Relative paths a model folder must hold for a precision. */
export function requiredFiles(model: KnownModel, dtype: Dtype): string[] {
  return [...model.files, ...model.graphs.map((g) => `onnx/${g}${DTYPE_SUFFIX[dtype]}.onnx`)];
}
