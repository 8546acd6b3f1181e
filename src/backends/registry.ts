import type { CaptionBackend } from './backend';
import { mockBackend } from './mock';
import { openAiBackend } from './openai';
import { xaiBackend } from './xai';
import { anthropicBackend } from './anthropic';
import { geminiBackend } from './gemini';
import { openAiCompatibleBackend } from './openai-compatible';
import { localBackend } from './local';
import { isQueueRole, type QueueRole } from '../shared/queues';
import type { RunOption } from '../runs/run-options';

/** Adding a backend: write src/backends/<name>.ts and add it to this list (docs/adding_a_backend.md). */
const REGISTERED: readonly CaptionBackend[] = [
  mockBackend,
  openAiBackend,
  xaiBackend,
  anthropicBackend,
  geminiBackend,
  openAiCompatibleBackend,
  localBackend,
];

export class UnknownBackendError extends Error {
  override name = 'UnknownBackendError';
}

/** Fails loudly at startup when the registry is inconsistent, instead of mid-run. */
export function buildRegistry(backends: readonly CaptionBackend[]): ReadonlyMap<string, CaptionBackend> {
  const map = new Map<string, CaptionBackend>();
  for (const b of backends) {
    if (map.has(b.name)) throw new Error(`caption backend "${b.name}" is registered twice`);
    if (!isQueueRole(b.queue)) {
      throw new Error(`caption backend "${b.name}" names unknown queue role "${b.queue}"`);
    }
    map.set(b.name, b);
  }
  return map;
}

const registry = buildRegistry(REGISTERED);

export function knownBackends(): string[] {
  return [...registry.keys()];
}

export function getBackend(name: string): CaptionBackend {
  const backend = registry.get(name);
  if (!backend) {
    throw new UnknownBackendError(
      `unknown caption backend "${name}"; known backends: ${knownBackends().join(', ')}`,
    );
  }
  return backend;
}

/** The cloud providers' queues, from the registry: what an api worker serves. */
export function apiQueueRoles(): QueueRole[] {
  return [...new Set([...registry.values()].map((b) => b.queue).filter((q) => q.startsWith('api-')))];
}

/** The run options the registered backends own, in registry order. */
export function backendOptions(): RunOption[] {
  return [...registry.values()].flatMap((b) => [...(b.options ?? [])]);
}
