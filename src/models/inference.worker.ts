// Runs in the inference thread (one piscina worker per process, embedder.ts): the image model's
// session lives here, so its synchronous run() never blocks the main thread's event loop.
import { recycleSessions, runVisionBatch, type EmbedderOptions } from './embedder';

type Task =
  | { op: 'vision'; id: string; options: Omit<EmbedderOptions, 'log'>; data: Float32Array; dims: number[] }
  | { op: 'recycle' };

export default async function infer(task: Task): Promise<{ rows: Float32Array[]; notes: string[] }> {
  if (task.op === 'recycle') {
    await recycleSessions();
    return { rows: [], notes: [] };
  }
  const notes: string[] = [];
  const rows = await runVisionBatch(
    task.id,
    { data: task.data, dims: task.dims },
    {
      ...task.options,
      log: (message) => notes.push(message),
    },
  );
  return { rows, notes };
}
