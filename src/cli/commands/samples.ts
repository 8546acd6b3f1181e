import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { asUsageError, cliConfig, info, printable, UsageError } from '../context';
import { addRunFlags, requestFromFlags } from '../run-flags';
import { PACKAGE_ROOT } from '../../config';
import { getBackend, knownBackends } from '../../backends/registry';
import { DEFAULT_PROMPT } from '../../backends/backend';
import { redactSecrets } from '../../backends/keys';
import { optionByKey, type RunOption } from '../../runs/run-options';
import {
  captionSamples,
  localTargets,
  SAMPLE_SET,
  sampleSetPhotos,
  samplesMarkdown,
  type SamplePhoto,
  type SamplesOptions,
} from '../../services/caption-samples';

interface SamplesFlags extends Record<string, unknown> {
  out: string;
  backends?: string;
  model: string[];
  sampleDir: string;
  standIns?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];
/** The caption request options `pcc run` has too: flags, checks and defaults from the option table. */
const isSampleFlag = (o: RunOption) =>
  o.key === 'prompt' || o.key === 'maxEdge' || o.key === 'requestTimeoutMs';

/** The sample set of the source tree (../shared/photos/library), or PCC_SAMPLE_PHOTOS. */
const DEFAULT_SAMPLE_DIR =
  process.env.PCC_SAMPLE_PHOTOS || path.join(PACKAGE_ROOT, '..', 'shared', 'photos', 'library');

export function registerSamples(program: Command): void {
  const command = program
    .command('samples')
    .description(
      "each available caption backend's captions of five representative photos, time per photo and cost " +
        'per 1,000, side by side (Markdown); unavailable backends listed with the reason',
    )
    .argument(
      '[photos...]',
      `your own photos instead of the sample set (${SAMPLE_SET.map((s) => s.kind).join(', ')})`,
    )
    .option('--out <file>', 'where the Markdown goes', 'docs/caption_samples.md')
    .option(
      '--backends <names>',
      `comma-separated backends to try (default: all: ${knownBackends().join(', ')})`,
    )
    .option(
      '--model <backend=id>',
      'model for a backend (default: its default; local: every installed model); repeatable',
      collect,
      [],
    )
    .option('--sample-dir <dir>', 'folder holding the sample set', DEFAULT_SAMPLE_DIR)
    .option(
      '--stand-ins',
      "also caption with the tests' stand-in models (random words: checks the plumbing only)",
    );
  addRunFlags(command, isSampleFlag).action(async (given: string[], flags: SamplesFlags) => {
    cliConfig(); // loads config.env, where keys live
    const env = process.env;
    const request = requestFromFlags(flags, isSampleFlag);
    const photos = given.length ? ownPhotos(given) : sampleSet(flags.sampleDir);
    const names = flags.backends
      ? flags.backends
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : knownBackends();
    const models = modelOverrides(flags.model, names);
    const targets: SamplesOptions['targets'] = names.flatMap((name) => {
      const backend = asUsageError(() => getBackend(name));
      if (backend.name === 'local') return localTargets(backend, env, models.get('local'), flags.standIns);
      return [{ backend, model: models.get(name) ?? backend.defaultModel }];
    });
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-samples-'));
    try {
      const report = await captionSamples({
        photos,
        targets,
        prompt: request.prompt ?? DEFAULT_PROMPT,
        maxEdge: request.maxEdge ?? (optionByKey('maxEdge').default as number),
        requestTimeoutMs: request.requestTimeoutMs ?? (optionByKey('requestTimeoutMs').default as number),
        env,
        workDir,
        onProgress: (line) => info(printable(line)),
      });
      const out = path.resolve(flags.out);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      // A provider's error may quote the key it refused: no secret reaches a file meant to be shared.
      fs.writeFileSync(out, `${redactSecrets(samplesMarkdown(report), env)}\n`);
      const ran = report.backends.filter((b) => b.available).length;
      info(`wrote ${out}: ${ran} backend(s) captioned, ${report.backends.length - ran} not available here`);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });
}

function sampleSet(dir: string): SamplePhoto[] {
  try {
    return sampleSetPhotos(dir);
  } catch (err) {
    throw new UsageError(
      `${(err as Error).message}: pass --sample-dir (or PCC_SAMPLE_PHOTOS) for the sample set, or name your own photos: pcc samples a.jpg b.jpg …`,
    );
  }
}

function ownPhotos(files: string[]): SamplePhoto[] {
  if (files.length > 20)
    throw new UsageError(`at most 20 photos, got ${files.length}: samples are for comparing, not a run`);
  return files.map((file) => {
    const absPath = path.resolve(file);
    if (!fs.statSync(absPath, { throwIfNoEntry: false })?.isFile())
      throw new UsageError(`${printable(file)} is not a file`);
    return { kind: 'your photo', absPath, label: path.basename(absPath) };
  });
}

function modelOverrides(pairs: string[], names: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const backend = pair.slice(0, at);
    if (at < 1 || at === pair.length - 1)
      throw new UsageError(`--model takes backend=id, got "${printable(pair)}"`);
    asUsageError(() => getBackend(backend));
    if (!names.includes(backend))
      throw new UsageError(`--model ${backend}=…: ${backend} is not in --backends`);
    map.set(backend, pair.slice(at + 1));
  }
  return map;
}
