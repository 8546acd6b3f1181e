/**
 * Stand-in for Xenova/moondream2 (the ONNX export of vikhyatk/moondream2): config model_type
 * "moondream1", which transformers.js loads as Moondream1ForConditionalGeneration (a LLaVA-style
 * image-text-to-text model) with three graphs: vision_encoder (pixel_values → one image feature per
 * 14×14 patch, 729 at 378²), embed_tokens, and a Phi-style decoder_model_merged with
 * past_key_values.N.key/value, attention_mask and position_ids. Random weights.
 *
 * Real: the preprocessor config (SigLIP image processor, 378², mean/std 0.5, bicubic), the config
 * layout (phi_config, image_token_index -200), the `<image>` added token with id -200, the
 * CodeGen tokenizer class and its post-processor that puts `<|endoftext|>` first. Tiny: the vocab
 * (byteLevelVocab), hidden 16, one layer.
 *
 * Like the real model under transformers.js 4.x, the prompt needs one `<image>` token per image
 * feature: default_merge_input_ids_with_image_features throws "Number of tokens and features do not
 * match" for a single `<image>`. MOONDREAM2_IMAGE_TOKENS says how many (729).
 */
import path from 'node:path';
import { FLOAT, GraphBuilder, INT64 } from './onnx-graph';
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
const HEAD_DIM = HIDDEN / HEADS;
const IMAGE_SIZE = 378;
const PATCH = 14;

/** Image features per image (and so `<image>` tokens per prompt): (378 / 14)² = 729, as the real model. */
export const MOONDREAM2_IMAGE_TOKENS = (IMAGE_SIZE / PATCH) ** 2;

/** The real image token id (config image_token_index, tokenizer added token "<image>"). */
export const MOONDREAM2_IMAGE_TOKEN_ID = -200;

/** pixel_values [b, 3, H, W] → image_features [b, (H/14)·(W/14), HIDDEN]: one feature per patch. */
function visionEncoder(): Uint8Array {
  const g = new GraphBuilder('moondream2_vision_encoder');
  g.input('pixel_values', FLOAT, ['batch_size', 3, 'height', 'width']);
  const pooled = g.node('AveragePool', ['pixel_values'], {
    kernel_shape: [PATCH, PATCH],
    strides: [PATCH, PATCH],
  });
  const patches = g.node('Transpose', [g.node('Reshape', [pooled, g.constant([0, 3, -1])])], {
    perm: [0, 2, 1],
  });
  const h = g.node('Tanh', [g.node('MatMul', [patches, g.weight([3, HIDDEN], 2)])]);
  g.node('Identity', [h], {}, 'image_features');
  g.output('image_features', FLOAT, ['batch_size', 'num_patches', HIDDEN]);
  return g.toBytes();
}

function embedTokens(vocab: StandInVocab): Uint8Array {
  const g = new GraphBuilder('moondream2_embed_tokens');
  g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  // Gather counts negative ids from the end, so the image token (-200) has a row, as in the real model.
  g.node('Gather', [g.weight([vocab.size, HIDDEN]), 'input_ids'], {}, 'inputs_embeds');
  g.output('inputs_embeds', FLOAT, ['batch_size', 'sequence_length', HIDDEN]);
  return g.toBytes();
}

/** [b, s, HIDDEN] → [b, HEADS, s, HEAD_DIM], the layout of a key/value cache entry. */
function toHeads(g: GraphBuilder, x: string): string {
  const shape = g.constant([0, 0, HEADS, HEAD_DIM]);
  return g.node('Transpose', [g.node('Reshape', [x, shape])], { perm: [0, 2, 1, 3] });
}

function decoder(vocab: StandInVocab, endId: number): Uint8Array {
  const g = new GraphBuilder('moondream2_decoder_merged');
  const past = (n: string) => ['batch_size', HEADS, n, HEAD_DIM];
  g.input('inputs_embeds', FLOAT, ['batch_size', 'sequence_length', HIDDEN]);
  g.input('attention_mask', INT64, ['batch_size', 'total_sequence_length']);
  g.input('position_ids', INT64, ['batch_size', 'sequence_length']);
  g.input('past_key_values.0.key', FLOAT, past('past_sequence_length'));
  g.input('past_key_values.0.value', FLOAT, past('past_sequence_length'));
  // The cache holds every token seen, the 729 image features among them: its mean is the context
  // that makes later steps depend on the image.
  const kv = toHeads(g, 'inputs_embeds');
  const key = g.node('Concat', ['past_key_values.0.key', kv], { axis: 2 }, 'present.0.key');
  g.node('Concat', ['past_key_values.0.value', kv], { axis: 2 }, 'present.0.value');
  const pooled = g.node('ReduceMean', [key], { axes: [2], keepdims: 1 });
  const context = g.node('Reshape', [
    g.node('Transpose', [pooled], { perm: [0, 2, 1, 3] }),
    g.constant([0, -1, HIDDEN]),
  ]);
  const h = g.node('Add', ['inputs_embeds', g.node('Mul', [context, g.floats([4])])]);
  const raw = g.node('MatMul', [h, g.weight([HIDDEN, vocab.size], 3)]);
  const biased = g.node('Add', [raw, g.floats(wordBias(vocab, endId))]);
  const steps = generatedSteps(g, 'inputs_embeds', 1, { heads: HEADS, headDim: HEAD_DIM });
  endAfterGeneratedWords(g, biased, steps, vocab, endId, 'logits');
  g.output('logits', FLOAT, ['batch_size', 'sequence_length', vocab.size]);
  g.output('present.0.key', FLOAT, past('total_sequence_length'));
  g.output('present.0.value', FLOAT, past('total_sequence_length'));
  return g.toBytes();
}

/** Writes the stand-in under `<modelsDir>/<id>/` and returns the folder. */
export function writeMoondream2StandIn(modelsDir: string, id = 'Xenova/moondream2'): string {
  const EOS_TOKEN = '<|endoftext|>';
  const vocab = byteLevelVocab([EOS_TOKEN]);
  const EOS = 0;
  const imageToken = {
    id: MOONDREAM2_IMAGE_TOKEN_ID,
    content: '<image>',
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  };
  const base = vocab.tokenizerJson as { added_tokens: object[] };
  const tokenizerJson = {
    ...base,
    added_tokens: [imageToken, ...base.added_tokens],
    // The real post-processor: `<|endoftext|>` before the text (bos_token = eos_token).
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: EOS_TOKEN, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: EOS_TOKEN, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: EOS_TOKEN, type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: EOS_TOKEN, ids: [EOS], tokens: [EOS_TOKEN] } },
    },
  };
  const addedDecoder = (t: { content: string }) => ({
    content: t.content,
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
    special: true,
  });
  return writeModelFolder(
    path.join(modelsDir, ...id.split('/')),
    {
      // As the real config.json, less "transformers.js_config" (its use_external_data_format would
      // send transformers.js looking for .onnx_data files a tiny graph does not need).
      'config.json': {
        _name_or_path: `pcc stand-in for ${id} (random weights)`,
        architectures: ['Moondream'],
        model_type: 'moondream1',
        phi_config: {
          architectures: ['PhiForCausalLM'],
          attention_dropout: 0.0,
          bos_token_id: EOS,
          embd_pdrop: 0.0,
          eos_token_id: EOS,
          hidden_act: 'gelu_new',
          hidden_size: HIDDEN,
          initializer_range: 0.02,
          intermediate_size: 4 * HIDDEN,
          layer_norm_eps: 1e-5,
          max_position_embeddings: 2048,
          model_type: 'phi',
          num_attention_heads: HEADS,
          // Layer 1 is the stand-in's generated-step counter (generatedSteps).
          num_hidden_layers: 2,
          num_key_value_heads: HEADS,
          partial_rotary_factor: 0.5,
          qk_layernorm: false,
          resid_pdrop: 0.0,
          rope_scaling: null,
          rope_theta: 10000.0,
          tie_word_embeddings: false,
          use_cache: true,
          vocab_size: vocab.size,
        },
        torch_dtype: 'float32',
        image_token_index: MOONDREAM2_IMAGE_TOKEN_ID,
      },
      'generation_config.json': { bos_token_id: EOS, eos_token_id: EOS },
      'preprocessor_config.json': {
        do_normalize: true,
        do_rescale: true,
        do_resize: true,
        image_mean: [0.5, 0.5, 0.5],
        image_processor_type: 'SiglipImageProcessor',
        image_std: [0.5, 0.5, 0.5],
        processor_class: 'SiglipProcessor',
        resample: 3,
        rescale_factor: 1 / 255,
        size: { height: IMAGE_SIZE, width: IMAGE_SIZE },
      },
      'tokenizer.json': tokenizerJson,
      'tokenizer_config.json': {
        add_prefix_space: false,
        added_tokens_decoder: {
          [String(MOONDREAM2_IMAGE_TOKEN_ID)]: addedDecoder(imageToken),
          [String(EOS)]: addedDecoder({ content: EOS_TOKEN }),
        },
        bos_token: EOS_TOKEN,
        clean_up_tokenization_spaces: true,
        eos_token: EOS_TOKEN,
        model_max_length: 2048,
        tokenizer_class: 'CodeGenTokenizer',
        unk_token: EOS_TOKEN,
      },
    },
    {
      vision_encoder: visionEncoder(),
      embed_tokens: embedTokens(vocab),
      decoder_model_merged: decoder(vocab, EOS),
    },
  );
}
