/**
 * Stand-in for HuggingFaceTB/SmolVLM-256M-Instruct (model_type "idefics3") and
 * HuggingFaceTB/SmolVLM2-256M-Video-Instruct (model_type "smolvlm"): the three graphs transformers.js
 * loads for Idefics3ForConditionalGeneration / SmolVLMForConditionalGeneration as an image-text-to-text
 * model (vision_encoder, embed_tokens, decoder_model_merged with a llama-style key/value cache).
 *
 * Real: the file layout, graph input/output names and shapes, the processor files (Idefics3 /
 * SmolVLM image processor with the real image splitting — longest edge 2048 then 512² tiles plus a
 * global image — and processor_config image_seq_len 64, so each tile costs 64 `<image>` tokens as in
 * the real 256M models: SigLIP patch 16 at 512² = 32×32 patches, pixel shuffle 4 → 8×8), the special
 * tokens (<fake_token_around_image>, <image>, <global-img>, <row_R_col_C>, <end_of_utterance>) and
 * the chat template. Random: every weight; the tokenizer is a tiny byte-level BPE (the real one is
 * SmolLM2's 49k-token byte-level BPE), so ids differ from the real model's.
 *
 * The vision encoder average-pools each 512² frame into the same 8×8 grid the real one emits, the
 * decoder mixes the masked mean of its value cache (which holds the image features) into every
 * step, so captions depend on the photo.
 */
import path from 'node:path';
import { BOOL, FLOAT, GraphBuilder, INT64 } from './onnx-graph';
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
const KV_HEADS = 2;
const HEAD_DIM = HIDDEN / HEADS;
/** max_image_size.longest_edge of the real 256M models: every frame the vision encoder sees is this square. */
const TILE = 512;
/** size.longest_edge of the real image processor: images are first resized so their longest edge is this. */
const LONGEST_EDGE = 2048;
const PATCH_SIZE = 16;
const SCALE_FACTOR = 4;
const GRID = TILE / PATCH_SIZE / SCALE_FACTOR; // 8
const IMAGE_SEQ_LEN = GRID * GRID; // 64, processor_config.json image_seq_len of the 256M models
const POSITIONS = 256; // size of the stand-in's position table (position ids wrap around it)

/**
 * Chat template of HuggingFaceTB/SmolVLM-256M-Instruct (tokenizer_config.json "chat_template").
 * Renders `<|im_start|>User:<image>Describe …<end_of_utterance>\nAssistant:`.
 */
export const SMOLVLM_CHAT_TEMPLATE =
  "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

/**
 * Chat template of SmolVLM2 (transformers' processing_smolvlm.py DEFAULT_CHAT_TEMPLATE, "the correct
 * chat template to be used for videos"): the SmolVLM one plus `<video>` blocks.
 */
export const SMOLVLM2_CHAT_TEMPLATE =
  "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}{% elif line['type'] == 'image' %}{{ '<image>' }}{% elif line['type'] == 'video' %}{{ '<video>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

/** The special tokens, the first three at their real ids (<|endoftext|> 0, <|im_start|> 1, <|im_end|> 2). */
function specialTokens(): string[] {
  const rowCol: string[] = [];
  for (let r = 1; r <= 6; r++) for (let c = 1; c <= 6; c++) rowCol.push(`<row_${r}_col_${c}>`);
  return [
    '<|endoftext|>',
    '<|im_start|>',
    '<|im_end|>',
    '<end_of_utterance>',
    '<fake_token_around_image>',
    '<image>',
    '<global-img>',
    ...rowCol,
  ];
}

/** [b, s, HIDDEN] → [b, KV_HEADS, s, HEAD_DIM], the layout of a key/value cache entry. */
function toHeads(g: GraphBuilder, x: string): string {
  const shape = g.constant([0, 0, KV_HEADS, HEAD_DIM]);
  return g.node('Transpose', [g.node('Reshape', [x, shape])], { perm: [0, 2, 1, 3] });
}

/**
 * pixel_values [b, frames, 3, 512, 512] + pixel_attention_mask [b, frames, 512, 512] →
 * image_features [b·frames, 64, HIDDEN]: each frame average-pooled into an 8×8 grid (the real
 * model's 32×32 SigLIP patches after its 4× pixel shuffle), then a random projection.
 */
function visionEncoder(): Uint8Array {
  const g = new GraphBuilder('smolvlm_vision_encoder');
  g.input('pixel_values', FLOAT, ['batch_size', 'num_images', 3, 'height', 'width']);
  g.input('pixel_attention_mask', BOOL, ['batch_size', 'num_images', 'height', 'width']);
  const frames = g.node('Reshape', ['pixel_values', g.constant([-1, 3, TILE, TILE])]);
  const mask = g.node('Reshape', [
    g.node('Cast', ['pixel_attention_mask'], { to: FLOAT }),
    g.constant([-1, 1, TILE, TILE]),
  ]);
  const pooled = g.node('AveragePool', [g.node('Mul', [frames, mask])], {
    kernel_shape: [TILE / GRID, TILE / GRID],
    strides: [TILE / GRID, TILE / GRID],
  });
  const tokens = g.node('Transpose', [g.node('Reshape', [pooled, g.constant([0, 3, IMAGE_SEQ_LEN])])], {
    perm: [0, 2, 1],
  });
  g.node('Tanh', [g.node('MatMul', [tokens, g.weight([3, HIDDEN], 2)])], {}, 'image_features');
  g.output('image_features', FLOAT, ['batch_size_x_num_images', IMAGE_SEQ_LEN, HIDDEN]);
  return g.toBytes();
}

function embedTokens(vocab: StandInVocab): Uint8Array {
  const g = new GraphBuilder('smolvlm_embed_tokens');
  g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  g.node('Gather', [g.weight([vocab.size, HIDDEN]), 'input_ids'], {}, 'inputs_embeds');
  g.output('inputs_embeds', FLOAT, ['batch_size', 'sequence_length', HIDDEN]);
  return g.toBytes();
}

/**
 * The llama-style merged decoder: inputs_embeds, attention_mask, position_ids and one layer of
 * past_key_values → logits and present key/values. Every step sees the masked mean of the value
 * cache, where the image features sit, plus a position embedding so words change along a caption.
 */
function decoder(vocab: StandInVocab, endId: number): Uint8Array {
  const g = new GraphBuilder('smolvlm_decoder_model_merged');
  const cache = (n: string) => ['batch_size', KV_HEADS, n, HEAD_DIM];
  g.input('inputs_embeds', FLOAT, ['batch_size', 'sequence_length', HIDDEN]);
  g.input('attention_mask', INT64, ['batch_size', 'total_sequence_length']);
  g.input('position_ids', INT64, ['batch_size', 'sequence_length']);
  g.input('past_key_values.0.key', FLOAT, cache('past_sequence_length'));
  g.input('past_key_values.0.value', FLOAT, cache('past_sequence_length'));

  const positions = g.node('Gather', [
    g.weight([POSITIONS, HIDDEN]),
    g.node('Mod', ['position_ids', g.scalar(POSITIONS)]),
  ]);
  const x = g.node('Add', ['inputs_embeds', positions]);
  const key = g.node(
    'Concat',
    ['past_key_values.0.key', toHeads(g, g.node('MatMul', [x, g.weight([HIDDEN, HIDDEN])]))],
    { axis: 2 },
    'present.0.key',
  );
  const value = g.node(
    'Concat',
    ['past_key_values.0.value', toHeads(g, 'inputs_embeds')],
    { axis: 2 },
    'present.0.value',
  );
  void key;

  // Masked mean of the value cache over the sequence: [b, KV_HEADS, 1, HEAD_DIM] → [b, 1, HIDDEN].
  const mask = g.node('Unsqueeze', [g.node('Cast', ['attention_mask'], { to: FLOAT }), g.constant([1, 3])]);
  const sum = g.node('ReduceSum', [g.node('Mul', [value, mask]), g.constant([2])], { keepdims: 1 });
  const count = g.node('ReduceSum', [mask, g.constant([2])], { keepdims: 1 });
  const mean = g.node('Div', [sum, g.node('Max', [count, g.floats([1])])]);
  const context = g.node('Reshape', [
    g.node('Transpose', [mean], { perm: [0, 2, 1, 3] }),
    g.constant([0, 1, HIDDEN]),
  ]);

  // A one-layer mix of the current token (and its position) with the context.
  const mixed = g.node('Add', [
    g.node('MatMul', [x, g.weight([HIDDEN, HIDDEN], 1.5)]),
    g.node('MatMul', [context, g.weight([HIDDEN, HIDDEN], 1.5)]),
  ]);
  const raw = g.node('MatMul', [g.node('Tanh', [mixed]), g.weight([HIDDEN, vocab.size], 4)]);
  const biased = g.node('Add', [raw, g.floats(wordBias(vocab, endId))]);
  const steps = generatedSteps(g, 'inputs_embeds', 1, { heads: KV_HEADS, headDim: HEAD_DIM });
  endAfterGeneratedWords(g, biased, steps, vocab, endId, 'logits');
  g.output('logits', FLOAT, ['batch_size', 'sequence_length', vocab.size]);
  g.output('present.0.key', FLOAT, cache('total_sequence_length'));
  g.output('present.0.value', FLOAT, cache('total_sequence_length'));
  return g.toBytes();
}

/**
 * Writes the stand-in under `<modelsDir>/<id>/` and returns the folder. An id containing "SmolVLM2"
 * gets the SmolVLM2 layout (model_type "smolvlm", SmolVLMProcessor) unless `modelType` says otherwise.
 */
export function writeSmolVlmStandIn(
  modelsDir: string,
  id = 'HuggingFaceTB/SmolVLM-256M-Instruct',
  opts: { modelType?: 'idefics3' | 'smolvlm' } = {},
): string {
  const modelType = opts.modelType ?? (id.includes('SmolVLM2') ? 'smolvlm' : 'idefics3');
  const v2 = modelType === 'smolvlm';
  const vocab = byteLevelVocab(specialTokens());
  // Real SmolLM2 pre-tokenizer: single digits split off before the byte-level step.
  const tokenizerJson = {
    ...vocab.tokenizerJson,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
  };
  const idOf = (t: string) => vocab.ids.get(t) as number;
  const [BOS, PAD, EOS, IMAGE] = [
    idOf('<|im_start|>'),
    idOf('<|im_end|>'),
    idOf('<end_of_utterance>'),
    idOf('<image>'),
  ];
  const processorClass = v2 ? 'SmolVLMProcessor' : 'Idefics3Processor';
  const chatTemplate = v2 ? SMOLVLM2_CHAT_TEMPLATE : SMOLVLM_CHAT_TEMPLATE;

  const textConfig = {
    model_type: 'llama',
    architectures: ['VLlama3ForCausalLM'],
    vocab_size: vocab.size,
    hidden_size: HIDDEN,
    intermediate_size: HIDDEN * 4,
    // Layer 1 is the stand-in's generated-step counter (generatedSteps).
    num_hidden_layers: 2,
    num_attention_heads: HEADS,
    num_key_value_heads: KV_HEADS,
    head_dim: HEAD_DIM,
    max_position_embeddings: 8192,
    rms_norm_eps: 1e-5,
    rope_theta: 100000,
    pixel_shuffle_factor: SCALE_FACTOR,
    bos_token_id: BOS,
    eos_token_id: PAD,
    pad_token_id: PAD,
    tie_word_embeddings: false,
  };
  const visionConfig = {
    model_type: v2 ? 'smolvlm_vision' : 'idefics3_vision',
    hidden_size: HIDDEN,
    intermediate_size: HIDDEN * 4,
    num_attention_heads: HEADS,
    num_hidden_layers: 1,
    image_size: TILE,
    patch_size: PATCH_SIZE,
    max_image_size: { longest_edge: TILE },
    size: { longest_edge: LONGEST_EDGE },
  };
  const preprocessor = {
    do_convert_rgb: true,
    do_image_splitting: true,
    do_normalize: true,
    do_pad: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_processor_type: v2 ? 'SmolVLMImageProcessor' : 'Idefics3ImageProcessor',
    image_std: [0.5, 0.5, 0.5],
    max_image_size: { longest_edge: TILE },
    processor_class: processorClass,
    resample: 1,
    rescale_factor: 1 / 255,
    size: { longest_edge: LONGEST_EDGE },
    ...(v2 ? { video_sampling: { fps: 1, max_frames: 64, video_size: { longest_edge: TILE } } } : {}),
  };
  const files: Record<string, object | string> = {
    'config.json': {
      _name_or_path: `pcc stand-in for ${id} (random weights)`,
      architectures: [v2 ? 'SmolVLMForConditionalGeneration' : 'Idefics3ForConditionalGeneration'],
      model_type: modelType,
      image_token_id: IMAGE,
      scale_factor: SCALE_FACTOR,
      pad_token_id: PAD,
      vocab_size: vocab.size,
      tie_word_embeddings: false,
      use_cache: true,
      text_config: textConfig,
      vision_config: visionConfig,
    },
    'generation_config.json': { bos_token_id: BOS, eos_token_id: EOS, pad_token_id: PAD },
    'preprocessor_config.json': preprocessor,
    'processor_config.json': { image_seq_len: IMAGE_SEQ_LEN, processor_class: processorClass },
    'tokenizer.json': tokenizerJson,
    'tokenizer_config.json': {
      add_prefix_space: false,
      additional_special_tokens: ['<fake_token_around_image>', '<image>', '<end_of_utterance>'],
      bos_token: '<|im_start|>',
      chat_template: chatTemplate,
      clean_up_tokenization_spaces: false,
      eos_token: '<end_of_utterance>',
      end_of_utterance_token: '<end_of_utterance>',
      fake_image_token: '<fake_token_around_image>',
      global_image_token: '<global-img>',
      image_token: '<image>',
      legacy: false,
      model_max_length: 8192,
      pad_token: '<|im_end|>',
      processor_class: processorClass,
      tokenizer_class: 'GPT2Tokenizer',
      truncation_side: 'left',
      unk_token: '<|endoftext|>',
      vocab_size: vocab.size,
    },
  };
  if (v2) files['chat_template.json'] = { chat_template: chatTemplate };
  return writeModelFolder(path.join(modelsDir, ...id.split('/')), files, {
    vision_encoder: visionEncoder(),
    embed_tokens: embedTokens(vocab),
    decoder_model_merged: decoder(vocab, EOS),
  });
}
