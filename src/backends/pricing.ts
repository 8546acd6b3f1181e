import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../config';

export interface ModelPrice {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
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

/**
 * Image input tokens for one photo whose long edge is `edge` (3:2 aspect), by each provider's
 * published rule: OpenAI high detail = 85 + 170 per 512-px tile after fitting 2048/768;
 * Anthropic ≈ width×height/750; Gemini 258 per 768-px tile (258 when both sides ≤ 384).
 */
export function imageTokens(provider: string, edge: number): number {
  const w = edge;
  const h = Math.round((edge * 2) / 3);
  if (provider === 'anthropic') return Math.ceil((w * h) / 750);
  if (provider === 'gemini') {
    if (w <= 384 && h <= 384) return 258;
    return Math.ceil(w / 768) * Math.ceil(h / 768) * 258;
  }
  // OpenAI and xAI (OpenAI-compatible): scale the short side to ≤ 768, count 512-px tiles.
  const scale = Math.min(1, 768 / Math.min(w, h), 2048 / Math.max(w, h));
  const tiles = Math.ceil((w * scale) / 512) * Math.ceil((h * scale) / 512);
  return 85 + 170 * tiles;
}

/** A caption prompt plus the message envelope, in tokens (≈ 4 characters a token). */
export function promptTokens(prompt: string): number {
  return Math.ceil(prompt.length / 4) + 10;
}

export const EXPECTED_CAPTION_TOKENS = 60;
