/**
 * The stand-in caption models the tests build (src/stand-ins): one per supported architecture,
 * under the real model id, so `pcc run --backend local --model <id>` loads it like the real one.
 */
import type { CaptionFamily } from '../../src/models/known-models';
import { writeFlorence2StandIn } from '../../src/stand-ins/florence2';
import { writeMoondream2StandIn } from '../../src/stand-ins/moondream2';
import { writeQwen2VlStandIn } from '../../src/stand-ins/qwen2-vl';
import { writeSmolVlmStandIn } from '../../src/stand-ins/smolvlm';

export interface StandInCaptioner {
  id: string;
  family: CaptionFamily;
  /** transformers.js model_type: the e2e test runs one model per architecture. */
  architecture: string;
  write(modelsDir: string): string;
}

export const STAND_IN_CAPTIONERS: StandInCaptioner[] = [
  {
    id: 'onnx-community/Florence-2-base-ft',
    family: 'florence2',
    architecture: 'florence2',
    write: (dir) => writeFlorence2StandIn(dir, 'onnx-community/Florence-2-base-ft'),
  },
  {
    id: 'onnx-community/Florence-2-large-ft',
    family: 'florence2',
    architecture: 'florence2',
    write: (dir) => writeFlorence2StandIn(dir, 'onnx-community/Florence-2-large-ft'),
  },
  {
    id: 'HuggingFaceTB/SmolVLM-256M-Instruct',
    family: 'chat',
    architecture: 'idefics3',
    write: (dir) => writeSmolVlmStandIn(dir, 'HuggingFaceTB/SmolVLM-256M-Instruct'),
  },
  {
    id: 'HuggingFaceTB/SmolVLM2-256M-Video-Instruct',
    family: 'chat',
    architecture: 'smolvlm',
    write: (dir) => writeSmolVlmStandIn(dir, 'HuggingFaceTB/SmolVLM2-256M-Video-Instruct'),
  },
  {
    id: 'onnx-community/Qwen2-VL-2B-Instruct',
    family: 'chat',
    architecture: 'qwen2_vl',
    write: (dir) => writeQwen2VlStandIn(dir, 'onnx-community/Qwen2-VL-2B-Instruct'),
  },
  {
    id: 'onnx-community/Qwen2.5-VL-3B-Instruct',
    family: 'chat',
    architecture: 'qwen2_5_vl',
    write: (dir) => writeQwen2VlStandIn(dir, 'onnx-community/Qwen2.5-VL-3B-Instruct'),
  },
  {
    id: 'Xenova/moondream2',
    family: 'moondream',
    architecture: 'moondream1',
    write: (dir) => writeMoondream2StandIn(dir, 'Xenova/moondream2'),
  },
];

export function writeStandIn(modelsDir: string, standIn: StandInCaptioner): string {
  return standIn.write(modelsDir);
}
