/**
 * Models pcc knows how to run, by Hugging Face id, in transformers.js layout under
 * $PCC_MODELS_DIR/<id>/. Sizes are the ONNX weights as published (MB); VRAM is what a session of
 * that precision needs with batch 16 (estimates from the weight size, see docs/self_hosted_models.md).
 */
export type ModelTask = 'image-text-embedding' | 'text-embedding' | 'caption';
export type Dtype = 'fp32' | 'fp16' | 'q8';

export interface KnownModel {
  id: string;
  task: ModelTask;
  /** Embedding width. */
  dim?: number;
  license: string;
  sizeMb: Record<Dtype, number>;
  /** ONNX graphs (without the dtype suffix) the model needs. */
  graphs: string[];
  /** Non-ONNX files the model needs. */
  files: string[];
  notes: string;
}

export const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

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
  },
];

export function knownModel(id: string): KnownModel | undefined {
  return KNOWN_MODELS.find((m) => m.id === id);
}

export const DEFAULT_IMAGE_MODEL = 'Xenova/clip-vit-base-patch32';
export const DEFAULT_TEXT_MODEL = 'Xenova/all-MiniLM-L6-v2';

/** Relative paths a model folder must hold for a precision. */
export function requiredFiles(model: KnownModel, dtype: Dtype): string[] {
  return [...model.files, ...model.graphs.map((g) => `onnx/${g}${DTYPE_SUFFIX[dtype]}.onnx`)];
}
