/** Worker-thread entry for clusterInputFileOffThread. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ClusterParams } from './cluster';
import { clusterInputFile } from './run-clustering';

const { file, params } = workerData as { file: string; params: ClusterParams };
try {
  let last = 0;
  const result = clusterInputFile(file, params, (stage, fraction) => {
    const now = Date.now();
    if (now - last < 500 && fraction < 1) return;
    last = now;
    parentPort?.postMessage({ type: 'progress', stage, fraction });
  });
  parentPort?.postMessage({ type: 'done', result });
} catch (err) {
  parentPort?.postMessage({ type: 'error', message: (err as Error).stack ?? String(err) });
}
