/**
 * The stand-in caption models the tests build (src/stand-ins): one per supported architecture,
 * under the real model id, so `pcc run --backend local --model <id>` loads it like the real one.
 */
import type { CaptionFamily } from '../../src/models/known-models';
import { writeFlorence2StandIn } from '../../src/stand-ins/florence2';

export interface StandInCaptioner {
  id: string;
  family: CaptionFamily;
  write(modelsDir: string): string;
}

export const STAND_IN_CAPTIONERS: StandInCaptioner[] = [
  {
    id: 'onnx-community/Florence-2-base-ft',
    family: 'florence2',
    write: (dir) => writeFlorence2StandIn(dir, 'onnx-community/Florence-2-base-ft'),
  },
  {
    id: 'onnx-community/Florence-2-large-ft',
    family: 'florence2',
    write: (dir) => writeFlorence2StandIn(dir, 'onnx-community/Florence-2-large-ft'),
  },
];

export function writeStandIn(modelsDir: string, standIn: StandInCaptioner): string {
  return standIn.write(modelsDir);
}
