/**
 * A CLIP stand-in that costs what the real one does: the real config, tokenizer and processor
 * files and the text tower of an existing stand-in folder (../shared/models), with a vision tower
 * that does ViT-B/32's work per image (about 4.4 GFLOP: 50 tokens, width 768) on random weights.
 * For `npm run bench:local`, where a near-free model would measure only the plumbing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FLOAT, GraphBuilder } from './onnx-graph';
import { visionWork } from './stand-in-files';

export function writeCostlyClipStandIn(
  sourceFolder: string,
  modelsDir: string,
  id = 'Xenova/clip-vit-base-patch32',
  layers = 48,
): string {
  const folder = path.join(modelsDir, ...id.split('/'));
  fs.mkdirSync(path.join(folder, 'onnx'), { recursive: true });
  for (const f of fs.readdirSync(sourceFolder).filter((x) => x.endsWith('.json') || x.endsWith('.txt')))
    fs.copyFileSync(path.join(sourceFolder, f), path.join(folder, f));
  fs.copyFileSync(
    path.join(sourceFolder, 'onnx', 'text_model.onnx'),
    path.join(folder, 'onnx', 'text_model.onnx'),
  );
  const g = new GraphBuilder('clip_vision_model');
  g.input('pixel_values', FLOAT, ['batch', 3, 224, 224]);
  const pooled = g.node('ReduceMean', ['pixel_values'], { axes: [2, 3], keepdims: 0 });
  // 48 layers × 2·50·768² ≈ 2.8 GFLOP of matrix work plus the rest: ViT-B/32's order of cost.
  const features = visionWork(g, pooled, { layers, tokens: 50, width: 768 });
  const embeds = g.node('MatMul', [features, g.weight([3, 512])]);
  const norm = g.node('ReduceL2', [embeds], { axes: [1], keepdims: 1 });
  g.node('Div', [embeds, norm], {}, 'image_embeds');
  g.output('image_embeds', FLOAT, ['batch', 512]);
  fs.writeFileSync(path.join(folder, 'onnx', 'vision_model.onnx'), g.toBytes());
  return folder;
}
