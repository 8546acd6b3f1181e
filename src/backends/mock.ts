import crypto from 'node:crypto';
import fs from 'node:fs';
import type { CaptionBackend, CaptionContext, CaptionInput } from './backend';
import type { CaptionOutcome } from '../shared/payloads';

const SUBJECTS = [
  'a dog',
  'two children',
  'a mountain lake',
  'a city street',
  'a birthday cake',
  'an old barn',
  'a red bicycle',
  'a field of flowers',
  'a sailing boat',
  'a family dinner',
  'a snowy forest',
  'a market stall',
];
const SETTINGS = [
  'at sunset',
  'on a rainy afternoon',
  'in soft morning light',
  'under a clear blue sky',
  'indoors by a window',
  'at night under street lamps',
  'in early autumn',
  'on a summer holiday',
];
const ACTIVITIES = [
  'seen from a low angle',
  'with people walking past',
  'framed by trees',
  'in sharp focus',
  'with a blurred background',
  'beside a wooden fence',
  'reflected in water',
  'surrounded by friends',
];

function hashBytes(...parts: string[]): Buffer {
  return crypto.createHash('sha256').update(parts.join('\0')).digest();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason ?? new Error('aborted'));
    });
  });
}

/**
 * Deterministic fake captions for dry runs, demos and tests of the pipeline around the models.
 * The caption depends only on the photo's bytes and the prompt; simulated API errors depend on the
 * photo and the run, so `--retry-status error_api` in a new run can succeed where the last one failed.
 * PCC_MOCK_CALL_LOG names a file that gets one line per captioned photo (sha1, rel path, pid):
 * the mock's equivalent of a provider's request log.
 */
export const mockBackend: CaptionBackend = {
  name: 'mock',
  queue: 'cpu',
  readsPixels: false,
  granularity: 'batch',
  remote: false,
  defaultModel: 'mock-v1',
  description: 'deterministic fake captions (no model, no network); --mock-error-rate simulates API errors',
  checkConfig(): void {},
  // Its own run options: flags --mock-error-rate / --mock-latency-ms, pcc.yaml mock.*, API fields.
  options: [
    {
      key: 'mockErrorRate',
      type: 'number',
      flag: 'mock-error-rate',
      section: 'mock',
      configKey: 'error_rate',
      help: 'fraction of photos that fail with a simulated API error',
      default: 0,
      min: 0,
      max: 1,
      example: 0.1,
    },
    {
      key: 'mockLatencyMs',
      type: 'int',
      flag: 'mock-latency-ms',
      section: 'mock',
      configKey: 'latency_ms',
      help: 'simulated time per caption',
      default: 0,
      min: 0,
      max: 600_000,
      example: 200,
    },
  ],
  async caption(input: CaptionInput, ctx: CaptionContext): Promise<CaptionOutcome> {
    await sleep(ctx.mockLatencyMs, ctx.signal);
    const callLog = process.env.PCC_MOCK_CALL_LOG;
    if (callLog) fs.appendFileSync(callLog, `${input.sha1}\t${input.relPath}\t${process.pid}\n`);
    const roll = hashBytes('error', input.sha1, ctx.runId).readUInt32BE(0) / 0x1_0000_0000;
    if (roll < ctx.mockErrorRate) {
      return { photoId: input.photoId, status: 'error_api', reason: 'mock: simulated API error (HTTP 503)' };
    }
    const h = hashBytes('caption', input.sha1, ctx.model, ctx.prompt);
    const caption = `${SUBJECTS[h[0] % SUBJECTS.length]} ${SETTINGS[h[1] % SETTINGS.length]}, ${
      ACTIVITIES[h[2] % ACTIVITIES.length]
    }.`;
    return {
      photoId: input.photoId,
      status: 'success',
      caption: caption[0].toUpperCase() + caption.slice(1),
    };
  },
};
