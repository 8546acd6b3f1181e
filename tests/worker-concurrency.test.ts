/** How many activities a worker process runs at once, per queue role (src/workers/create-workers.ts). */
import { concurrencyOf } from '../src/workers/create-workers';

describe('worker concurrency', () => {
  it('runs one gpu activity at a time and says why when asked for more', () => {
    const said: string[] = [];
    expect(concurrencyOf('gpu', { maxWorkers: 4 }, (m) => said.push(m))).toBe(1);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/--max-workers 4 clamped to 1 — one batch at a time per GPU/);
    expect(said[0]).toMatch(/--inference-batch/);
    expect(concurrencyOf('gpu', { maxWorkers: 1 }, (m) => said.push(m))).toBe(1);
    expect(concurrencyOf('gpu', undefined, (m) => said.push(m))).toBe(1);
    expect(said).toHaveLength(1);
  });

  it('honours --max-workers elsewhere, with defaults by role', () => {
    const none = () => {
      throw new Error('no warning expected');
    };
    expect(concurrencyOf('cpu', { maxWorkers: 6 }, none)).toBe(6);
    expect(concurrencyOf('io', undefined, none)).toBe(4);
    expect(concurrencyOf('cpu', undefined, none)).toBe(2);
    expect(concurrencyOf('api-openai', undefined, none)).toBe(8);
  });
});
