import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../config';

export type ImageRule =
  | { rule: 'tiles'; base: number; tile: number }
  | { rule: 'patches'; multiplier: number }
  | { rule: 'pixels'; divisor: number }
  | { rule: 'gemini-tiles'; per_tile: number };

export interface ModelPrice {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
  /** How the provider counts an image's input tokens for this model. */
  image?: ImageRule;
}

export interface PricingTable {
  asOf: string;
  models: Record<string, ModelPrice>;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

let cached: PricingTable | undefined;

/** Prices are data (data/pricing.json, dated), not code. */
export function pricing(file = path.join(PACKAGE_ROOT, 'data', 'pricing.json')): PricingTable {
  if (!cached) {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      as_of: string;
      models: Record<string, ModelPrice>;
    };
    cached = { asOf: raw.as_of, models: raw.models };
  }
  return cached;
}

export function priceOf(provider: string, model: string): ModelPrice | undefined {
  return pricing().models[`${provider}/${model}`];
}

/** Cost in USD of one response, or undefined when the model has no price in the table. */
export function costOf(provider: string, model: string, usage: TokenUsage): number | undefined {
  const price = priceOf(provider, model);
  if (!price) return undefined;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}

const FALLBACK_RULES: Record<string, ImageRule> = {
  openai: { rule: 'tiles', base: 85, tile: 170 },
  xai: { rule: 'tiles', base: 85, tile: 170 },
  anthropic: { rule: 'pixels', divisor: 750 },
  gemini: { rule: 'gemini-tiles', per_tile: 258 },
};

/**
 * Image input tokens for one photo whose long edge is `edge` (3:2 aspect), by the provider's
 * published rule for the model (data/pricing.json): OpenAI tiles (fit 2048, short side ≤ 768,
 * 512-px tiles; gpt-4o-mini counts ~33× more tokens per tile at a lower price) or 32-px patches
 * (gpt-4.1 mini/nano, capped at 1536, times a multiplier); Anthropic width×height/750; Gemini 258 per
 * 768-px tile (258 in all when both sides ≤ 384).
 */
export function imageTokens(provider: string, model: string, edge: number): number {
  const w = edge;
  const h = Math.round((edge * 2) / 3);
  const rule = priceOf(provider, model)?.image ?? FALLBACK_RULES[provider] ?? FALLBACK_RULES.openai;
  switch (rule.rule) {
    case 'pixels':
      return Math.ceil((w * h) / rule.divisor);
    case 'gemini-tiles':
      return w <= 384 && h <= 384 ? rule.per_tile : Math.ceil(w / 768) * Math.ceil(h / 768) * rule.per_tile;
    case 'patches':
      return Math.ceil(Math.min(1536, Math.ceil(w / 32) * Math.ceil(h / 32)) * rule.multiplier);
    case 'tiles': {
      const scale = Math.min(1, 2048 / Math.max(w, h), 768 / Math.min(w, h));
      return rule.base + rule.tile * Math.ceil((w * scale) / 512) * Math.ceil((h * scale) / 512);
    }
  }
}

/** Estimated USD per 1,000 photos at `edge`, for the docs and `pcc estimate`. */
export function costPerThousand(
  provider: string,
  model: string,
  edge: number,
  prompt: string,
): number | undefined {
  const price = priceOf(provider, model);
  if (!price) return undefined;
  const input = imageTokens(provider, model, edge) + promptTokens(prompt);
  return (1000 * (input * price.input + EXPECTED_CAPTION_TOKENS * price.output)) / 1e6;
}

/** A caption prompt plus the message envelope, in tokens (≈ 4 characters a token). */
export function promptTokens(prompt: string): number {
  return Math.ceil(prompt.length / 4) + 10;
}

export const EXPECTED_CAPTION_TOKENS = 60;
