/** Helper thread of optimizeShared: runs its edge range of every epoch the main thread starts. */
import { workerData } from 'node:worker_threads';
import { CONTROL_EPOCH, CONTROL_FINISHED, GradientCurve, runEpoch, type SgdState } from './umap-sgd';

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
  runEpoch(state, curve, epoch - 1, range[0], range[1]);
  Atomics.add(control, CONTROL_FINISHED, 1);
  Atomics.notify(control, CONTROL_FINISHED);
}
