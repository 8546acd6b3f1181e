/** Helper thread of optimizeShared: runs its edge range of every epoch the main thread starts. */
import { workerData } from 'node:worker_threads';
import {
  CONTROL_EPOCH,
  CONTROL_FAILED,
  CONTROL_FINISHED,
  GradientCurve,
  runEpoch,
  type SgdState,
} from './umap-sgd';

const { state, range, control } = workerData as {
  state: SgdState;
  range: [number, number];
  control: Int32Array;
};
const curve = new GradientCurve(state.a, state.b, state.gamma);
let seen = 0;
for (;;) {
  Atomics.wait(control, CONTROL_EPOCH, seen);
  const epoch = Atomics.load(control, CONTROL_EPOCH);
  if (epoch < 0) break;
  if (epoch === seen) continue;
  seen = epoch;
  try {
    runEpoch(state, curve, epoch - 1, range[0], range[1]);
  } catch (err) {
    // The main thread is blocked in Atomics.wait and cannot receive events: flag it, then log.
    Atomics.store(control, CONTROL_FAILED, 1);
    console.error(`UMAP helper thread failed: ${(err as Error).stack ?? String(err)}`);
  }
  Atomics.add(control, CONTROL_FINISHED, 1);
  Atomics.notify(control, CONTROL_FINISHED);
}
