/**
 * Stand-in for onnx-community/Qwen2-VL-2B-Instruct (model_type "qwen2_vl") and
 * onnx-community/Qwen2.5-VL-3B-Instruct ("qwen2_5_vl"): the three graphs transformers.js loads for
 * Qwen2VLForConditionalGeneration / Qwen2_5_VLForConditionalGeneration (vision_encoder,
 * embed_tokens, decoder_model_merged with a grouped-query key-value cache and 3-D M-RoPE
 * position_ids [3, batch, seq]), Qwen's config layout (qwen2_vl flat; qwen2_5_vl with the language
 * model under text_config, which is what transformers.js normalizes it through), the real image
 * processor settings except a small max_pixels, the real special tokens and the real chat template.
 *
 * Real: file and graph names, input/output names and shapes (pixel_values [patches, 3·2·14·14],
 * grid_thw for Qwen2-VL / image_grid_thw for Qwen2.5-VL, image_features [patches / 4, hidden]),
 * patch_size 14, merge_size 2, temporal_patch_size 2, min_pixels 3136, CLIP mean/std, the
 * <|vision_start|><|image_pad|>…<|vision_end|> prompt and generation_config. Random: the weights,
 * the sizes (hidden 16), the vocabulary (the specials, bytes and caption words of byteLevelVocab).
 * max_pixels is 28·28·36 (at most 36 image tokens) where the real models use 12845056.
 */
import path from 'node:path';
import { FLOAT, GraphBuilder, INT64, seededRandom } from './onnx-graph';
import {
  byteLevelVocab,
  endAfterGeneratedWords,
  generatedSteps,
  wordBias,
  writeModelFolder,
  type StandInVocab,
} from './stand-in-files';

const HIDDEN = 16;
const HEADS = 2;
const KV_HEADS = 1;
const HEAD_DIM = HIDDEN / HEADS;
const KV_DIM = KV_HEADS * HEAD_DIM;
const VISION_EMBED = 8;
const CONTEXT_SCALE = 1;
const POSITION_SCALE = 1;
const HEAD_SCALE = 2;

const PATCH_SIZE = 14;
const MERGE_SIZE = 2;
const TEMPORAL_PATCH_SIZE = 2;
const PATCH_DIM = 3 * TEMPORAL_PATCH_SIZE * PATCH_SIZE * PATCH_SIZE; // 1176
const FACTOR = PATCH_SIZE * MERGE_SIZE; // 28
/** The real min_pixels (4 merged patches); the real max_pixels is 12845056. */
const MIN_PIXELS = 3136;
const MAX_PIXELS = FACTOR * FACTOR * 36;

/** Qwen2-VL's added tokens, in the real order (real ids 151643…151656; here 0…13). */
const SPECIAL_TOKENS = [
  '<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|object_ref_start|>', '<|object_ref_end|>',
  '<|box_start|>', '<|box_end|>', '<|quad_start|>', '<|quad_end|>', '<|vision_start|>',
  '<|vision_end|>', '<|vision_pad|>', '<|image_pad|>', '<|video_pad|>',
]; // prettier-ignore

/**
 * The chat template of Qwen/Qwen2-VL-2B-Instruct's tokenizer_config.json (Qwen2.5-VL ships the
 * same one): a default system turn, one <|vision_start|><|image_pad|><|vision_end|> per image.
 */
export const QWEN2_VL_CHAT_TEMPLATE =
  "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] == 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

export type Qwen2VlModelType = 'qwen2_vl' | 'qwen2_5_vl';

/**
 * pixel_values [grid_t·grid_h·grid_w, 1176] (each run of 4 rows is one 2×2 merged patch, as the
 * image processor orders them) → image_features [patches / 4, HIDDEN]: per merged patch, the mean
 * and mean square of each colour channel, projected. `gridName` is grid_thw (Qwen2-VL) or
 * image_grid_thw (Qwen2.5-VL), [num_images, 3], unused by the stand-in.
 */
function visionEncoder(gridName: string): Uint8Array {
  const g = new GraphBuilder('qwen2_vl_vision_encoder');
  g.input('pixel_values', FLOAT, ['num_patches', PATCH_DIM]);
  g.input(gridName, INT64, ['num_images', 3]);
  const merge = MERGE_SIZE * MERGE_SIZE;
  const grouped = g.node('Reshape', ['pixel_values', g.constant([-1, merge, 3, PATCH_DIM / 3])]);
  const mean = g.node('ReduceMean', [grouped], { axes: [1, 3], keepdims: 0 });
  const square = g.node('ReduceMean', [g.node('Mul', [grouped, grouped])], { axes: [1, 3], keepdims: 0 });
  const stats = g.node('Concat', [mean, square], { axis: 1 });
  const embed = g.node('Tanh', [g.node('MatMul', [stats, g.weight([6, VISION_EMBED])])]);
  g.node('MatMul', [embed, g.weight([VISION_EMBED, HIDDEN], 1.5)], {}, 'image_features');
  g.output('image_features', FLOAT, ['num_image_tokens', HIDDEN]);
  return g.toBytes();
}

/** The token embeddings, shared by embed_tokens and the (tied, as in Qwen2-VL-2B) language-model head. */
function embeddingTable(vocab: StandInVocab): Float32Array {
  const random = seededRandom(11);
  return Float32Array.from({ length: vocab.size * HIDDEN }, () => random() * 2 - 1);
}

function embedTokens(vocab: StandInVocab, table: Float32Array): Uint8Array {
  const g = new GraphBuilder('qwen2_vl_embed_tokens');
  g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  g.node('Gather', [g.constant(table, [vocab.size, HIDDEN]), 'input_ids'], {}, 'inputs_embeds');
  g.output('inputs_embeds', FLOAT, ['batch_size', 'sequence_length', HIDDEN]);
  return g.toBytes();
}

/** [b, s, KV_DIM] → [b, KV_HEADS, s, HEAD_DIM], the layout of a key/value cache entry. */
function toHeads(g: GraphBuilder, x: string): string {
  const shape = g.constant([0, 0, KV_HEADS, HEAD_DIM]);
  return g.node('Transpose', [g.node('Reshape', [x, shape])], { perm: [0, 2, 1, 3] });
}

/**
 * One layer of "attention": the mean of every cached value (so the image features reach every
 * step through the cache), plus a sinusoid of the mean M-RoPE position (so position_ids must
 * broadcast as [3, batch, seq]), minus the step's own embedding; the tied head then makes the
 * image-dependent context likely and the token just read unlikely, so captions vary.
 */
function decoder(vocab: StandInVocab, table: Float32Array, endId: number): Uint8Array {
  const g = new GraphBuilder('qwen2_vl_decoder_merged');
  const past = (n: string) => ['batch_size', KV_HEADS, n, HEAD_DIM];
  g.input('inputs_embeds', FLOAT, ['batch_size', 'sequence_length', HIDDEN]);
  g.input('attention_mask', INT64, ['batch_size', 'total_sequence_length']);
  g.input('position_ids', INT64, [3, 'batch_size', 'sequence_length']);
  g.input('past_key_values.0.key', FLOAT, past('past_sequence_length'));
  g.input('past_key_values.0.value', FLOAT, past('past_sequence_length'));

  const x = 'inputs_embeds';
  const key = toHeads(g, g.node('MatMul', [x, g.weight([HIDDEN, KV_DIM])]));
  const value = toHeads(g, g.node('MatMul', [x, g.weight([HIDDEN, KV_DIM])]));
  g.node('Concat', ['past_key_values.0.key', key], { axis: 2 }, 'present.0.key');
  const presentValue = g.node('Concat', ['past_key_values.0.value', value], { axis: 2 }, 'present.0.value');

  // [b, KV_HEADS, 1, HEAD_DIM] → [b, 1, KV_DIM] → [b, 1, HIDDEN]
  const meanValue = g.node('ReduceMean', [presentValue], { axes: [2], keepdims: 1 });
  const flat = g.node('Reshape', [
    g.node('Transpose', [meanValue], { perm: [0, 2, 1, 3] }),
    g.constant([0, 1, KV_DIM]),
  ]);
  const context = g.node('MatMul', [flat, g.weight([KV_DIM, HIDDEN], CONTEXT_SCALE)]);

  const pos = g.node('ReduceMean', [g.node('Cast', ['position_ids'], { to: FLOAT })], {
    axes: [0],
    keepdims: 0,
  });
  const angle = g.node('Mul', [g.node('Unsqueeze', [pos, g.constant([2])]), g.weight([HIDDEN], 2)]);
  const position = g.node('Mul', [g.node('Sin', [angle]), g.floats([POSITION_SCALE])]);

  const h = g.node('Sub', [g.node('Add', [context, position]), x]);
  const head = g.node('Transpose', [g.constant(table, [vocab.size, HIDDEN])], { perm: [1, 0] });
  const raw = g.node('MatMul', [h, head]);
  const biased = g.node('Add', [
    g.node('Mul', [raw, g.floats([HEAD_SCALE])]),
    g.floats(wordBias(vocab, endId)),
  ]);
  const steps = generatedSteps(g, 'inputs_embeds', 1, { heads: KV_HEADS, headDim: HEAD_DIM });
  endAfterGeneratedWords(g, biased, steps, vocab, endId, 'logits');

  g.output('logits', FLOAT, ['batch_size', 'sequence_length', vocab.size]);
  g.output('present.0.key', FLOAT, past('total_sequence_length'));
  g.output('present.0.value', FLOAT, past('total_sequence_length'));
  return g.toBytes();
}

/**
 * Writes the stand-in under `<modelsDir>/<id>/` and returns the folder. The model type defaults
 * to qwen2_5_vl for an id containing "Qwen2.5", else qwen2_vl.
 */
export function writeQwen2VlStandIn(
  modelsDir: string,
  id = 'onnx-community/Qwen2-VL-2B-Instruct',
  opts: { modelType?: Qwen2VlModelType } = {},
): string {
  const modelType: Qwen2VlModelType = opts.modelType ?? (id.includes('Qwen2.5') ? 'qwen2_5_vl' : 'qwen2_vl');
  const v25 = modelType === 'qwen2_5_vl';
  const vocab = byteLevelVocab(SPECIAL_TOKENS);
  const table = embeddingTable(vocab);
  const tokenId = (t: string) => vocab.ids.get(t) as number;
  const [ENDOFTEXT, IM_END] = [tokenId('<|endoftext|>'), tokenId('<|im_end|>')];
  const tokens = {
    image_token_id: tokenId('<|image_pad|>'),
    video_token_id: tokenId('<|video_pad|>'),
    vision_start_token_id: tokenId('<|vision_start|>'),
    vision_end_token_id: tokenId('<|vision_end|>'),
    vision_token_id: tokenId('<|vision_pad|>'),
  };
  const language = {
    bos_token_id: ENDOFTEXT,
    eos_token_id: IM_END,
    hidden_act: 'silu',
    hidden_size: HIDDEN,
    intermediate_size: 2 * HIDDEN,
    max_position_embeddings: v25 ? 128000 : 32768,
    max_window_layers: 1,
    num_attention_heads: HEADS,
    // Layer 1 is the stand-in's generated-step counter (generatedSteps).
    num_hidden_layers: 2,
    num_key_value_heads: KV_HEADS,
    rms_norm_eps: 1e-6,
    // Real: [16, 24, 24] for head_dim 128; scaled so the sections still sum to head_dim / 2.
    rope_scaling: v25
      ? { mrope_section: [2, 1, 1], rope_type: 'default', type: 'default' }
      : { mrope_section: [2, 1, 1], type: 'mrope' },
    rope_theta: 1000000.0,
    sliding_window: 32768,
    tie_word_embeddings: true,
    use_cache: true,
    use_sliding_window: false,
    vocab_size: vocab.size,
  };
  const visionConfig = v25
    ? {
        model_type: 'qwen2_5_vl',
        depth: 1,
        fullatt_block_indexes: [0],
        hidden_act: 'silu',
        hidden_size: VISION_EMBED,
        in_channels: 3,
        in_chans: 3,
        intermediate_size: 2 * VISION_EMBED,
        num_heads: 2,
        out_hidden_size: HIDDEN,
        patch_size: PATCH_SIZE,
        spatial_merge_size: MERGE_SIZE,
        spatial_patch_size: PATCH_SIZE,
        temporal_patch_size: TEMPORAL_PATCH_SIZE,
        tokens_per_second: 2,
        window_size: 112,
      }
    : {
        model_type: 'qwen2_vl',
        depth: 1,
        embed_dim: VISION_EMBED,
        mlp_ratio: 4,
        num_heads: 2,
        in_chans: 3,
        hidden_size: HIDDEN,
        patch_size: PATCH_SIZE,
        spatial_merge_size: MERGE_SIZE,
        spatial_patch_size: PATCH_SIZE,
        temporal_patch_size: TEMPORAL_PATCH_SIZE,
      };
  const name = `pcc stand-in for ${id} (random weights)`;
  const config = v25
    ? {
        // Qwen2.5-VL: transformers.js reads the language model's sizes from text_config.
        _name_or_path: name,
        architectures: ['Qwen2_5_VLForConditionalGeneration'],
        model_type: 'qwen2_5_vl',
        bos_token_id: ENDOFTEXT,
        eos_token_id: IM_END,
        ...tokens,
        vocab_size: vocab.size,
        text_config: {
          model_type: 'qwen2_5_vl_text',
          architectures: ['Qwen2_5_VLForConditionalGeneration'],
          ...language,
          ...tokens,
          image_token_id: null,
          video_token_id: null,
        },
        vision_config: visionConfig,
      }
    : {
        _name_or_path: name,
        architectures: ['Qwen2VLForConditionalGeneration'],
        model_type: 'qwen2_vl',
        ...language,
        ...tokens,
        vision_config: visionConfig,
      };
  return writeModelFolder(
    path.join(modelsDir, ...id.split('/')),
    {
      'config.json': config,
      'generation_config.json': {
        bos_token_id: ENDOFTEXT,
        do_sample: true,
        eos_token_id: [IM_END, ENDOFTEXT],
        pad_token_id: ENDOFTEXT,
        // Qwen2-VL-2B-Instruct's values, used for both (Qwen2.5-VL's were not at hand).
        repetition_penalty: 1.0,
        temperature: 0.01,
        top_k: 1,
        top_p: 0.001,
      },
      'preprocessor_config.json': {
        do_convert_rgb: true,
        do_normalize: true,
        do_rescale: true,
        do_resize: true,
        image_mean: [0.48145466, 0.4578275, 0.40821073],
        image_processor_type: 'Qwen2VLImageProcessor',
        image_std: [0.26862954, 0.26130258, 0.27577711],
        max_pixels: MAX_PIXELS,
        merge_size: MERGE_SIZE,
        min_pixels: MIN_PIXELS,
        patch_size: PATCH_SIZE,
        processor_class: v25 ? 'Qwen2_5_VLProcessor' : 'Qwen2VLProcessor',
        resample: 3,
        rescale_factor: 1 / 255,
        size: { max_pixels: MAX_PIXELS, min_pixels: MIN_PIXELS },
        temporal_patch_size: TEMPORAL_PATCH_SIZE,
      },
      'tokenizer.json': vocab.tokenizerJson,
      'tokenizer_config.json': {
        add_prefix_space: false,
        additional_special_tokens: SPECIAL_TOKENS.slice(1),
        bos_token: null,
        chat_template: QWEN2_VL_CHAT_TEMPLATE,
        clean_up_tokenization_spaces: false,
        eos_token: '<|im_end|>',
        errors: 'replace',
        model_max_length: 32768,
        pad_token: '<|endoftext|>',
        padding_side: 'left',
        processor_class: v25 ? 'Qwen2_5_VLProcessor' : 'Qwen2VLProcessor',
        split_special_tokens: false,
        tokenizer_class: 'Qwen2Tokenizer',
        unk_token: null,
      },
    },
    {
      vision_encoder: visionEncoder(v25 ? 'image_grid_thw' : 'grid_thw'),
      embed_tokens: embedTokens(vocab, table),
      decoder_model_merged: decoder(vocab, table, IM_END),
    },
  );
}
