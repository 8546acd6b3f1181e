import { getBackend } from '../backends/registry';
import { buildRunConfig, RunRequestError, type RunRequest } from '../runs/run-request';
import type { RunConfig } from '../shared/payloads';
import type { RunClient } from './run-client';

/**
 * Validates a request, proves the backend's key works (one cheap call, no photo sent), then starts
 * the run or attaches to the identical one in flight (resuming it, with the new --max-cost-usd if
 * one is given). Shared by `pcc run` and `POST /runs`.
 */
export async function prepareRun(
  request: RunRequest,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunConfig> {
  let config: RunConfig;
  try {
    config = buildRunConfig(request, env);
  } catch (err) {
    if (err instanceof RunRequestError) throw err;
    throw new RunRequestError((err as Error).message);
  }
  // A dry run uses no backend (its config says "none").
  const backend = config.dryRun ? undefined : getBackend(config.backend);
  if (backend?.verify) {
    try {
      await backend.verify(env, {
        baseUrl: config.baseUrl,
        timeoutMs: 15_000,
        model: config.model,
        dtype: config.dtype,
        prompt: config.prompt,
      });
    } catch (err) {
      throw new RunRequestError((err as Error).message);
    }
  }
  return config;
}

export async function startPreparedRun(
  client: RunClient,
  config: RunConfig,
): Promise<{ workflowId: string; attached: boolean }> {
  const started = await client.start(config);
  // Issuing the same command again means "carry on": it also resumes a paused run (a new cap applies).
  if (started.attached) await client.resume(started.workflowId, { maxCostUsd: config.maxCostUsd });
  return started;
}
