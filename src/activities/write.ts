import fs from 'node:fs';
import { heartbeat } from '@temporalio/activity';
import { withHeartbeats, type ActivityDeps } from './context';
import { stageSidecarPlan, writeSidecarChunk } from '../services/write-sidecars';
import type { WriteSidecarsRequest } from '../shared/payloads';

/** io: the sidecar write workflow's steps (the logic is services/write-sidecars.ts). */
export function createWriteActivities(deps: ActivityDeps) {
  return {
    async planSidecarWrite(input: WriteSidecarsRequest) {
      return withHeartbeats(
        () => undefined,
        () => stageSidecarPlan(deps, input),
      );
    },
    async writeSidecarChunk(input: WriteSidecarsRequest & { file: string; from: number; to: number }) {
      return writeSidecarChunk(deps, input, (done) => heartbeat({ done }));
    },
    async removeSidecarPlan(input: { file: string }): Promise<void> {
      fs.rmSync(input.file, { force: true });
    },
  };
}
