/**
 * onnxruntime session options for local models on the CPU, from the process's tuning
 * (PCC_INFERENCE_THREADS, PCC_INFERENCE_SPIN).
 *
 * Why no spinning by default: onnxruntime's intra-op threads busy-wait between parallel sections
 * and after each run. That wins a little latency on an idle machine, but in a pcc process the
 * model always shares the cores with the io stage (sharp decodes, ExifTool, catalog writes,
 * Temporal), and spinning threads take those cycles: measured with the CLIP stand-in, 20 runs with
 * 50 ms gaps used 3.9 core-s spinning against 3.2 without, for the same inference time.
 */
import type { Tuning } from '../config';
import { processConfig } from '../config';

export interface CpuSessionOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  extra: { session: { intra_op: { allow_spinning: '0' | '1' }; inter_op: { allow_spinning: '0' | '1' } } };
}

export function cpuSessionOptions(
  tuning: Pick<Tuning, 'inferenceThreads' | 'inferenceSpin'> = processConfig().tuning,
): CpuSessionOptions {
  const spin = tuning.inferenceSpin ? '1' : '0';
  return {
    ...(tuning.inferenceThreads ? { intraOpNumThreads: tuning.inferenceThreads, interOpNumThreads: 1 } : {}),
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
}
