/**
 * Stand-in for onnx-community/Florence-2-base-ft (and -large-ft): the four graphs transformers.js
 * loads for Florence2ForConditionalGeneration (vision_encoder, embed_tokens, encoder_model,
 * decoder_model_merged with its encoder/decoder key-value cache), the real processor config (CLIP
 * image processor at 768², the task prompts table) and a BART-style tokenizer. Random weights.
 */
import path from 'node:path';
import { BOOL, FLOAT, GraphBuilder, INT64 } from './onnx-graph';
import {
  byteLevelVocab,
  endAfterAFewWords,
  visionWork,
  wordBias,
  writeModelFolder,
  type StandInVocab,
} from './stand-in-files';

const HIDDEN = 16;
const HEADS = 2;
const HEAD_DIM = HIDDEN / HEADS;
const IMAGE_TOKENS = 8;

/** Florence-2's caption tasks and the prompts its processor turns them into (preprocessor_config.json). */
export const FLORENCE2_TASK_PROMPTS: Record<string, string> = {
  '<OCR>': 'What is the text in the image?',
  '<OCR_WITH_REGION>': 'What is the text in the image, with regions?',
  '<CAPTION>': 'What does the image describe?',
  '<DETAILED_CAPTION>': 'Describe in detail what is shown in the image.',
  '<MORE_DETAILED_CAPTION>': 'Describe with a paragraph what is shown in the image.',
  '<OD>': 'Locate the objects with category name in the image.',
  '<DENSE_REGION_CAPTION>': 'Locate the objects in the image, with their descriptions.',
  '<REGION_PROPOSAL>': 'Locate the region proposals in the image.',
};

/** [b, s, HIDDEN] → [b, HEADS, s, HEAD_DIM], the layout of a key/value cache entry. */
function toHeads(g: GraphBuilder, x: string): string {
  const shape = g.constant([0, 0, HEADS, HEAD_DIM]);
  return g.node('Transpose', [g.node('Reshape', [x, shape])], { perm: [0, 2, 1, 3] });
}

function visionEncoder(weightScale: number, layers: number): Uint8Array {
  const g = new GraphBuilder('florence2_vision_encoder');
  g.input('pixel_values', FLOAT, ['batch_size', 3, 'height', 'width']);
  const pooled = g.node('ReduceMean', ['pixel_values'], { axes: [2, 3], keepdims: 0 });
  // Optional real work (benchmarks, kill tests): 577 tokens like Florence-2 base, ~1.2 GFLOP a layer.
  const features = visionWork(g, pooled, { layers, tokens: 577, width: 1024 });
  const flat = g.node('MatMul', [features, g.weight([3, IMAGE_TOKENS * HIDDEN], weightScale)]);
  g.node('Reshape', [flat, g.constant([0, IMAGE_TOKENS, HIDDEN])], {}, 'image_features');
  g.output('image_features', FLOAT, ['batch_size', IMAGE_TOKENS, HIDDEN]);
  return g.toBytes();
}

function embedTokens(vocab: StandInVocab): Uint8Array {
  const g = new GraphBuilder('florence2_embed_tokens');
  g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  g.node('Gather', [g.weight([vocab.size, HIDDEN]), 'input_ids'], {}, 'inputs_embeds');
  g.output('inputs_embeds', FLOAT, ['batch_size', 'sequence_length', HIDDEN]);
  return g.toBytes();
}

function encoder(): Uint8Array {
  const g = new GraphBuilder('florence2_encoder');
  g.input('inputs_embeds', FLOAT, ['batch_size', 'encoder_sequence_length', HIDDEN]);
  g.input('attention_mask', INT64, ['batch_size', 'encoder_sequence_length']);
  // Masked positions contribute nothing: hidden = tanh(embeds · W) · mask.
  const mask = g.node('Unsqueeze', [g.node('Cast', ['attention_mask'], { to: FLOAT }), g.constant([2])]);
  const h = g.node('Tanh', [g.node('MatMul', ['inputs_embeds', g.weight([HIDDEN, HIDDEN])])]);
  g.node('Mul', [h, mask], {}, 'last_hidden_state');
  g.output('last_hidden_state', FLOAT, ['batch_size', 'encoder_sequence_length', HIDDEN]);
  return g.toBytes();
}

function decoder(vocab: StandInVocab, endId: number): Uint8Array {
  const g = new GraphBuilder('florence2_decoder_merged');
  const past = (n: string) => ['batch_size', HEADS, n, HEAD_DIM];
  g.input('encoder_attention_mask', INT64, ['batch_size', 'encoder_sequence_length']);
  g.input('encoder_hidden_states', FLOAT, ['batch_size', 'encoder_sequence_length', HIDDEN]);
  g.input('inputs_embeds', FLOAT, ['batch_size', 'decoder_sequence_length', HIDDEN]);
  g.input('past_key_values.0.decoder.key', FLOAT, past('past_decoder_sequence_length'));
  g.input('past_key_values.0.decoder.value', FLOAT, past('past_decoder_sequence_length'));
  g.input('past_key_values.0.encoder.key', FLOAT, past('encoder_sequence_length_out'));
  g.input('past_key_values.0.encoder.value', FLOAT, past('encoder_sequence_length_out'));
  g.input('use_cache_branch', BOOL, [1]);
  // The image and the prompt reach every step through the mean of the encoder states.
  const context = g.node('ReduceMean', ['encoder_hidden_states'], { axes: [1], keepdims: 1 });
  const h = g.node('Add', ['inputs_embeds', context]);
  const raw = g.node('MatMul', [h, g.weight([HIDDEN, vocab.size], 3)]);
  const biased = g.node('Add', [raw, g.floats(wordBias(vocab, endId))]);
  endAfterAFewWords(g, biased, 'past_key_values.0.decoder.key', vocab, endId, 'logits');
  const kv = toHeads(g, h);
  g.node('Concat', ['past_key_values.0.decoder.key', kv], { axis: 2 }, 'present.0.decoder.key');
  g.node('Concat', ['past_key_values.0.decoder.value', kv], { axis: 2 }, 'present.0.decoder.value');
  const encKv = toHeads(g, 'encoder_hidden_states');
  g.node('Identity', [encKv], {}, 'present.0.encoder.key');
  g.node('Identity', [encKv], {}, 'present.0.encoder.value');
  g.output('logits', FLOAT, ['batch_size', 'decoder_sequence_length', vocab.size]);
  for (const [name, len] of [
    ['present.0.decoder.key', 'present_decoder_sequence_length'],
    ['present.0.decoder.value', 'present_decoder_sequence_length'],
    ['present.0.encoder.key', 'encoder_sequence_length_out'],
    ['present.0.encoder.value', 'encoder_sequence_length_out'],
  ])
    g.output(name, FLOAT, past(len));
  return g.toBytes();
}

/** Writes the stand-in under `<modelsDir>/<id>/` and returns the folder. */
export function writeFlorence2StandIn(
  modelsDir: string,
  id = 'onnx-community/Florence-2-base-ft',
  opts: { weightScale?: number; visionLayers?: number } = {},
): string {
  const special = ['<s>', '<pad>', '</s>', '<unk>'];
  const vocab = byteLevelVocab(special);
  const [BOS, PAD, EOS] = [0, 1, 2];
  const textConfig = {
    model_type: 'florence2_language',
    vocab_size: vocab.size,
    d_model: HIDDEN,
    encoder_layers: 1,
    decoder_layers: 1,
    encoder_attention_heads: HEADS,
    decoder_attention_heads: HEADS,
    max_position_embeddings: 1024,
    bos_token_id: BOS,
    eos_token_id: EOS,
    pad_token_id: PAD,
    decoder_start_token_id: EOS,
    forced_bos_token_id: BOS,
    forced_eos_token_id: EOS,
    is_encoder_decoder: true,
  };
  return writeModelFolder(
    path.join(modelsDir, ...id.split('/')),
    {
      'config.json': {
        _name_or_path: `pcc stand-in for ${id} (random weights)`,
        architectures: ['Florence2ForConditionalGeneration'],
        model_type: 'florence2',
        is_encoder_decoder: true,
        bos_token_id: BOS,
        eos_token_id: EOS,
        pad_token_id: PAD,
        decoder_start_token_id: EOS,
        vocab_size: vocab.size,
        projection_dim: HIDDEN,
        text_config: textConfig,
        vision_config: {
          model_type: 'davit',
          projection_dim: HIDDEN,
          image_feature_source: ['spatial_avg_pool', 'temporal_avg_pool'],
        },
      },
      'generation_config.json': {
        bos_token_id: BOS,
        decoder_start_token_id: EOS,
        eos_token_id: EOS,
        forced_bos_token_id: BOS,
        forced_eos_token_id: EOS,
        no_repeat_ngram_size: 3,
        num_beams: 3,
        pad_token_id: PAD,
      },
      'preprocessor_config.json': {
        processor_class: 'Florence2Processor',
        image_processor_type: 'CLIPImageProcessor',
        do_resize: true,
        size: { height: 768, width: 768 },
        resample: 3,
        do_center_crop: false,
        crop_size: { height: 768, width: 768 },
        do_rescale: true,
        rescale_factor: 1 / 255,
        do_normalize: true,
        image_mean: [0.485, 0.456, 0.406],
        image_std: [0.229, 0.224, 0.225],
        do_convert_rgb: null,
        image_seq_length: IMAGE_TOKENS,
        tasks_answer_post_processing_type: {
          '<OCR>': 'pure_text',
          '<CAPTION>': 'pure_text',
          '<DETAILED_CAPTION>': 'pure_text',
          '<MORE_DETAILED_CAPTION>': 'pure_text',
          '<OD>': 'description_with_bboxes',
        },
        task_prompts_without_inputs: FLORENCE2_TASK_PROMPTS,
        task_prompts_with_input: {
          '<CAPTION_TO_PHRASE_GROUNDING>': 'Locate the phrases in the caption: {input}',
          '<REFERRING_EXPRESSION_SEGMENTATION>': 'Locate {input} in the image with mask',
        },
      },
      'tokenizer.json': {
        ...vocab.tokenizerJson,
        post_processor: {
          type: 'RobertaProcessing',
          sep: ['</s>', EOS],
          cls: ['<s>', BOS],
          trim_offsets: true,
          add_prefix_space: false,
        },
      },
      'tokenizer_config.json': {
        tokenizer_class: 'BartTokenizer',
        bos_token: '<s>',
        eos_token: '</s>',
        sep_token: '</s>',
        cls_token: '<s>',
        pad_token: '<pad>',
        unk_token: '<unk>',
        model_max_length: 1024,
        add_prefix_space: false,
      },
    },
    {
      vision_encoder: visionEncoder(opts.weightScale ?? 1, opts.visionLayers ?? 0),
      embed_tokens: embedTokens(vocab),
      encoder_model: encoder(),
      decoder_model_merged: decoder(vocab, EOS),
    },
  );
}
