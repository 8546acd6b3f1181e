import fs from 'node:fs';
import path from 'node:path';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogEntry,
  type WorkerOptions,
  type ActivityInterceptorsFactory,
} from '@temporalio/worker';
import { processConfig, type PccConfig } from '../config';
import type { TemporalEndpoint } from '../temporal/dev-server';
import { dataConverterFor } from '../temporal/payload-codec';
import { PathMap, mapPathFields } from './path-map';
import { createActivityDeps, type ActivityDeps } from '../activities/context';
import { createComputeActivities, createIoActivities } from '../activities';
import { taskQueueOf, type QueueRole } from '../shared/queues';
import { getBackend, knownBackends } from '../backends/registry';
import { endExiftool } from '../images/exiftool';
import { consoleLine } from '../logging/logger';

let runtimeInstalled = false;

/** SDK logs at WARN and above go to the console; per-run detail goes to the run's JSON log. */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = processConfig().tuning.temporalLogLevel;
  const quiet = [/No workflows registered/];
  const logger = new DefaultLogger(level, (entry: LogEntry) => {
    if (quiet.some((re) => re.test(entry.message))) return;
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString().slice(11, 19);
    process.stderr.write(`${time} ${entry.level.padEnd(5)} temporal: ${entry.message}\n`);
  });
  // Core (Rust) logs are forwarded to the same logger so the console keeps one readable format.
  Runtime.install({
    logger,
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
}

/** A prebuilt bundle (npm run build) starts workers in well under a second; sources are bundled on the fly. */
function workflowCode(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = path.join(__dirname, '..', 'workflow-bundle.js');
  if (__filename.endsWith('.js') && fs.existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}

export interface WorkerTuning {
  /** Activities this process runs at once on the role's queue (--max-workers). */
  maxWorkers?: number;
  /** Server-side limit for the whole queue, across every worker process (--rps). */
  rps?: number;
}

function envNumber(role: QueueRole, suffix: string): number | undefined {
  const value = Number(process.env[`PCC_${role.toUpperCase().replace('-', '_')}_${suffix}`]);
  return value > 0 ? value : undefined;
}

/**
 * How many activities one process runs at once, by role. A gpu worker runs one at a time when
 * asked for more with --max-workers: its batches share one ONNX session and one device, so a
 * second activity only waits for the GPU while holding another batch's tensors in memory. More
 * throughput on a GPU comes from larger inference batches; more GPUs, from one gpu worker each.
 * PCC_GPU_CONCURRENCY stays an expert override, for a gpu queue that talks to an HTTP model
 * server which batches requests itself (vLLM).
 */
export function concurrencyOf(
  role: QueueRole,
  tuning?: WorkerTuning,
  warn: (message: string) => void = (m) => consoleLine('warn', m),
): number {
  if (role === 'gpu' && tuning?.maxWorkers && tuning.maxWorkers > 1) {
    warn(
      `gpu queue: --max-workers ${tuning.maxWorkers} clamped to 1 — one batch at a time per GPU (batches share ` +
        'one model session and one device; more in flight only queue on the GPU and add memory). ' +
        'Raise --inference-batch for throughput, or start one gpu worker per GPU ' +
        '(PCC_GPU_CONCURRENCY overrides this for an HTTP model server that batches, such as vLLM).',
    );
    return 1;
  }
  const fromEnv = tuning?.maxWorkers ?? envNumber(role, 'CONCURRENCY');
  if (fromEnv) return fromEnv;
  if (role === 'gpu') return 1;
  if (role === 'io') return 4;
  if (role === 'cpu') return 2;
  return 8;
}

export interface WorkerGroup {
  roles: QueueRole[];
  /** Resolves when every worker has stopped (after shutdown()). */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Requests per second a provider queue allows by default (conservative for new accounts). */
export const DEFAULT_API_RPS = 5;

/**
 * Compute roles on another machine: paths in activity inputs become this machine's, the files
 * they return become the catalog host's again (src/workers/path-map.ts). io never maps: it runs
 * where the catalog is, and its paths are the shared terms.
 */
function pathMapInterceptor(config: PccConfig): ActivityInterceptorsFactory {
  const map = new PathMap(config.pathMap);
  return () => ({
    inbound: {
      async execute(input, next) {
        const result = await next({ ...input, args: mapPathFields(input.args, (p) => map.toLocal(p)) });
        return mapPathFields(result, (p) => map.toShared(p));
      },
    },
  });
}

/** A worker for a provider queue refuses to start without that provider's key. */
function checkRoleConfig(role: QueueRole): void {
  for (const backend of knownBackends().map(getBackend)) {
    if (backend.queue === role && role.startsWith('api-')) backend.checkConfig(process.env);
  }
}

export interface CreateWorkersOptions {
  tuning?: Partial<Record<QueueRole, WorkerTuning>>;
  deps?: ActivityDeps;
}

export async function createWorkers(
  config: PccConfig,
  endpoint: Pick<TemporalEndpoint, 'address' | 'namespace'>,
  roles: QueueRole[],
  options: CreateWorkersOptions = {},
): Promise<WorkerGroup> {
  const deps = options.deps ?? createActivityDeps(config);
  roles.forEach(checkRoleConfig);
  installRuntime();
  const connection = await NativeConnection.connect({ address: endpoint.address });
  const workers: Worker[] = [];
  for (const role of roles) {
    const common = {
      connection,
      namespace: endpoint.namespace,
      dataConverter: dataConverterFor(config),
      ...(role !== 'io' && config.pathMap.length
        ? { interceptors: { activity: [pathMapInterceptor(config)] } }
        : {}),
      taskQueue: taskQueueOf(role),
      maxConcurrentActivityTaskExecutions: concurrencyOf(role, options.tuning?.[role]),
      ...(role.startsWith('api-')
        ? {
            maxTaskQueueActivitiesPerSecond:
              options.tuning?.[role]?.rps ?? envNumber(role, 'RPS') ?? DEFAULT_API_RPS,
          }
        : {}),
      // A killed process's tasks go back to the queue; a graceful stop finishes what it holds first.
      shutdownGraceTime: 10_000,
    };
    workers.push(
      role === 'io'
        ? await Worker.create({ ...common, ...workflowCode(), activities: createIoActivities(deps) })
        : await Worker.create({ ...common, activities: createComputeActivities(deps) }),
    );
  }
  let running: Promise<void> | undefined;
  return {
    roles,
    run() {
      running ??= Promise.all(workers.map((w) => w.run())).then(async () => {
        await connection.close();
        await endExiftool();
        deps.catalog().close();
      });
      return running;
    },
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}
