/**
 * Pieces every stand-in model folder shares: a small byte-level BPE tokenizer (GPT-2 style, the
 * family Florence-2's BART, SmolVLM's and Qwen2's tokenizers belong to), the word list its captions
 * are drawn from, and the writer that lays a folder out as transformers.js expects.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FLOAT, type GraphBuilder } from './onnx-graph';
import { STAND_IN_TITLE } from '../models/model-store';

/** The words a stand-in's captions are made of: a test can check every word comes from here. */
export const STAND_IN_WORDS = [
  'a', 'photo', 'of', 'dog', 'cat', 'man', 'woman', 'child', 'beach', 'city', 'street', 'mountain',
  'lake', 'tree', 'flowers', 'car', 'bicycle', 'boat', 'table', 'food', 'cake', 'sunset', 'snow',
  'on', 'in', 'with', 'near', 'the', 'two', 'red', 'blue', 'green', 'old', 'young', 'small', 'large',
]; // prettier-ignore

/** GPT-2's reversible byte → printable character map (bytes_to_unicode). */
function byteAlphabet(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const chars: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    chars.push(String.fromCharCode(printable.includes(b) ? b : 256 + extra++));
  }
  return chars;
}

export interface StandInVocab {
  /** token → id */
  ids: Map<string, number>;
  /** Ids of the caption words (what the language-model head favours). */
  wordIds: number[];
  size: number;
  tokenizerJson: object;
}

/**
 * A byte-level BPE tokenizer: the special tokens first (ids 0…), then every byte (so any prompt
 * encodes), then the caption words with GPT-2's leading-space marker Ġ and merges that build them.
 */
export function byteLevelVocab(special: string[]): StandInVocab {
  const ids = new Map<string, number>();
  const add = (t: string) => {
    if (!ids.has(t)) ids.set(t, ids.size);
    return ids.get(t) as number;
  };
  special.forEach(add);
  byteAlphabet().forEach(add);
  const merges: string[] = [];
  const wordIds: number[] = [];
  for (const word of STAND_IN_WORDS) {
    // Build "Ġdog" from "Ġ" + "d" + "o" + "g", one merge at a time.
    let current = '\u0120';
    for (const ch of word) {
      merges.push(`${current} ${ch}`);
      current += ch;
      add(current);
    }
    wordIds.push(ids.get(current) as number);
  }
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(ids),
      merges: [...new Set(merges)],
    },
  };
  return { ids, wordIds, size: ids.size, tokenizerJson };
}

/**
 * Logit bias for a stand-in's language-model head: caption words likely, everything else (bytes,
 * special tokens) very unlikely, the end token in between so captions end but have words first.
 */
export function wordBias(vocab: StandInVocab, endId: number): number[] {
  const bias = new Array<number>(vocab.size).fill(-30);
  for (const id of vocab.wordIds) bias[id] = 0;
  bias[endId] = -2.5;
  return bias;
}

/** Precisions a stand-in folder offers: the same float graph under each file name. */
export const STAND_IN_SUFFIXES = ['', '_quantized', '_q4'];

/** Writes a model folder: JSON files at its root, graphs under onnx/ for every precision. */
export function writeModelFolder(
  folder: string,
  files: Record<string, object | string>,
  graphs: Record<string, Uint8Array>,
): string {
  fs.mkdirSync(path.join(folder, 'onnx'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(
      path.join(folder, name),
      typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`,
    );
  }
  for (const [name, bytes] of Object.entries(graphs))
    for (const suffix of STAND_IN_SUFFIXES)
      fs.writeFileSync(path.join(folder, 'onnx', `${name}${suffix}.onnx`), bytes);
  fs.writeFileSync(
    path.join(folder, 'README.md'),
    `${STAND_IN_TITLE}\n\n` +
      'Random weights with the real file layout, input/output names and ' +
      'processor files, built by pcc (src/stand-ins) so tests run the real loading and generation code offline. ' +
      'Its captions are random words: never report a quality figure from it.\n',
  );
  return folder;
}

/**
 * Adds a rising end-of-text logit to `logits` ([b, s, vocab]): start + slope per token already in the
 * cache (`pastKey`'s sequence axis 2), so greedy captions end after about a dozen words the way
 * real ones do, instead of running to max_new_tokens.
 */
export function endAfterAFewWords(
  g: GraphBuilder,
  logits: string,
  pastKey: string,
  vocab: StandInVocab,
  endId: number,
  out: string,
  slope = 1,
  start = -12,
): string {
  const length = g.node('Gather', [g.node('Shape', [pastKey]), g.scalar(2)]);
  const steps = g.node('Cast', [length], { to: FLOAT });
  return endAfterGeneratedWords(g, logits, steps, vocab, endId, out, slope, start);
}

/** How much real work a stand-in's vision tower does per image (benchmarks and kill tests). */
export interface VisionWork {
  /** Dense layers over `tokens` × `width` activations, about 2·tokens·width² FLOP each. */
  layers: number;
  tokens: number;
  width: number;
}

/**
 * Real compute between a pooled image ([b, 3]) and what a stand-in emits: `layers` dense layers
 * sharing one weight (so the file stays small whatever the cost). Returns [b, 3] again.
 */
export function visionWork(g: GraphBuilder, pooled: string, work: VisionWork): string {
  if (work.layers <= 0) return pooled;
  const { tokens, width } = work;
  const spread = g.node('MatMul', [pooled, g.weight([3, tokens * width], 1)]);
  let x = g.node('Reshape', [spread, g.constant([0, tokens, width])]);
  const w = g.weight([width, width], Math.sqrt(3 / width));
  for (let i = 0; i < work.layers; i++) x = g.node('Tanh', [g.node('MatMul', [x, w])]);
  const mean = g.node('ReduceMean', [x], { axes: [1], keepdims: 0 });
  return g.node('MatMul', [mean, g.weight([width, 3], Math.sqrt(3 / width))]);
}

/**
 * For decoder-only stand-ins, whose cache also holds the prompt and the image: adds a second cache
 * layer (`past_key_values.<layer>.*` in, `present.<layer>.*` out) that records one 1 per generated
 * step (a step reading one token) and 0 for the prompt, and returns the count as a float scalar, so
 * the end-of-text ramp counts generated words only. The config must say `num_hidden_layers: layer + 1`.
 */
export function generatedSteps(
  g: GraphBuilder,
  embeds: string,
  layer: number,
  cache: { heads: number; headDim: number },
): string {
  const dims = ['batch_size', cache.heads, 'past_sequence_length', cache.headDim];
  const pastKey = g.input(`past_key_values.${layer}.key`, FLOAT, dims);
  const pastValue = g.input(`past_key_values.${layer}.value`, FLOAT, dims);
  const shape = g.node('Shape', [embeds]);
  const batch = g.node('Gather', [shape, g.constant([0])]);
  const length = g.node('Gather', [shape, g.constant([1])]);
  const isStep = g.node('Cast', [g.node('Equal', [length, g.constant([1])])], { to: FLOAT });
  const flagShape = g.node(
    'Concat',
    [batch, g.constant([cache.heads]), length, g.constant([cache.headDim])],
    {
      axis: 0,
    },
  );
  const flags = g.node('Expand', [isStep, flagShape]);
  const present = (n: 'key' | 'value') => `present.${layer}.${n}`;
  const key = g.node('Concat', [pastKey, flags], { axis: 2 }, present('key'));
  g.node('Concat', [pastValue, flags], { axis: 2 }, present('value'));
  const out = ['batch_size', cache.heads, 'total_sequence_length', cache.headDim];
  g.output(present('key'), FLOAT, out);
  g.output(present('value'), FLOAT, out);
  const perPosition = g.node('ReduceMean', [key], { axes: [0, 1, 3], keepdims: 0 });
  return g.node('ReduceSum', [perPosition, g.constant([0])], { keepdims: 0 });
}

/** endAfterAFewWords for decoder-only stand-ins: the ramp follows `steps` (generatedSteps). */
export function endAfterGeneratedWords(
  g: GraphBuilder,
  logits: string,
  steps: string,
  vocab: StandInVocab,
  endId: number,
  out: string,
  slope = 1,
  start = -12,
): string {
  const ramp = g.node('Add', [g.node('Mul', [steps, g.floats([slope], [])]), g.floats([start], [])]);
  const oneHot = new Array<number>(vocab.size).fill(0);
  oneHot[endId] = 1;
  return g.node('Add', [logits, g.node('Mul', [g.floats(oneHot), ramp])], {}, out);
}
