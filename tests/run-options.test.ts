/**
 * One option table, three surfaces: every `pcc run` option is accepted as a flag, as a pcc.yaml
 * key and in a `POST /runs` body, and has the same effect on all three (table-driven).
 */
import fs from 'node:fs';
import path from 'node:path';
import 'reflect-metadata';
import { Command } from 'commander';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import YAML from 'yaml';
import { StartRunDto } from '../src/api/runs/start-run.dto';
import { addRunFlags, requestFromFlags } from '../src/cli/run-flags';
import { exampleConfigFile, parseRunConfigFile } from '../src/runs/config-file';
import { RUN_OPTIONS, requestFromApi, type RunOption } from '../src/runs/run-options';
import { buildRunConfig, type RunRequest } from '../src/runs/run-request';
import { SAMPLE_LIBRARY, SHARED, tempDir } from './helpers/fixtures';

const work = tempDir('pcc-options-');
const vocabulary = path.join(work, 'tags.yaml');
fs.writeFileSync(vocabulary, 'labels: [beach, dog]\n');
const root = path.join(SAMPLE_LIBRARY, 'orientation');
const dataFiles: Record<string, [string, string]> = {
  conceptBank: ['concepts.txt', 'overcast\nreflection\n'],
  cities: ['cities.txt', 'Venice\nMurano\n'],
  keywordAliases: ['aliases.yaml', 'car: [auto]\n'],
  keywordTree: ['keywords.txt', 'Places|Italy|Venice\n'],
};
for (const [name, text] of Object.values(dataFiles)) fs.writeFileSync(path.join(work, name), text);

/** The example, with files made absolute (they must exist for the run to be built). */
function exampleOf(o: RunOption): RunOption['example'] {
  if (o.key === 'vocabulary') return vocabulary;
  if (o.key === 'reportDir') return path.join(work, 'reports');
  if (dataFiles[o.key]) return path.join(work, dataFiles[o.key][0]);
  // The stand-in models are fp32 only.
  if (o.key === 'dtype') return 'fp32';
  return o.example;
}

function viaFlags(values: Array<[RunOption, RunOption['example']]>): Partial<RunRequest> {
  const argv: string[] = [];
  for (const [o, v] of values) {
    if (o.type === 'boolean') argv.push(`--${o.flag}`);
    else if (Array.isArray(v)) for (const item of v) argv.push(`--${o.flag}`, item);
    else argv.push(`--${o.flag}`, String(v));
  }
  const command = addRunFlags(new Command('run').exitOverride());
  command.parse(argv, { from: 'user' });
  return requestFromFlags(command.opts());
}

function viaConfig(values: Array<[RunOption, RunOption['example']]>): Partial<RunRequest> {
  const doc: Record<string, Record<string, unknown>> = {};
  for (const [o, v] of values) (doc[o.section] ??= {})[o.configKey] = v;
  return parseRunConfigFile(YAML.stringify(doc), path.join(work, 'pcc.yaml')).request;
}

function viaApi(values: Array<[RunOption, RunOption['example']]>): Partial<RunRequest> {
  const body: Record<string, unknown> = { roots: [root] };
  for (const [o, v] of values) body[o.key] = v;
  const dto = plainToInstance(StartRunDto, body);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  expect(errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`)).toEqual([]);
  const request: Partial<RunRequest> = requestFromApi(dto as StartRunDto);
  delete request.roots;
  return request;
}

describe('the run option table', () => {
  it('has one row per option, with unique flags, config keys and request fields', () => {
    const unique = (xs: string[]) => new Set(xs).size === xs.length;
    expect(unique(RUN_OPTIONS.map((o) => o.flag))).toBe(true);
    expect(unique(RUN_OPTIONS.map((o) => `${o.section}.${o.configKey}`))).toBe(true);
    expect(unique(RUN_OPTIONS.map((o) => o.key))).toBe(true);
  });

  it.each(RUN_OPTIONS.map((o) => [o.key, o] as const))(
    '%s: flag, pcc.yaml key and API field agree',
    (_key, o) => {
      const values: Array<[RunOption, RunOption['example']]> = [[o, exampleOf(o)]];
      const cli = viaFlags(values);
      expect(Object.keys(cli)).toEqual([o.key]);
      expect(viaConfig(values)).toEqual(cli);
      expect(viaApi(values)).toEqual(cli);
    },
  );

  it('all options together build the same run on every surface', () => {
    // --force cannot go with --retry-status; --dry-run drops the model; --text-model none drops
    // caption vectors that the example's "both" space needs.
    const skip = new Set(['force', 'dryRun', 'textModel']);
    const values = RUN_OPTIONS.filter((o) => !skip.has(o.key)).map(
      (o) => [o, exampleOf(o)] as [RunOption, RunOption['example']],
    );
    const env = {
      ...process.env,
      PCC_MODELS_DIR: path.join(SHARED, 'models'),
      OPENAI_API_KEY: 'sk-test-key',
      PCC_NSFW_MODEL: path.join(SHARED, 'models-real', 'open-nsfw', 'open_nsfw.onnx'),
    };
    const build = (request: Partial<RunRequest>) => buildRunConfig({ ...request, roots: [root] }, env);
    const cli = build(viaFlags(values));
    expect(build(viaConfig(values))).toEqual(cli);
    expect(build(viaApi(values))).toEqual(cli);
    expect(cli).toMatchObject({
      batchSize: 128,
      maxEdge: 768,
      acceptTruncated: true,
      embed: { inferenceBatch: 8 },
    });
  });

  it('a value out of range or of the wrong type is refused by name on every surface', () => {
    const batch = RUN_OPTIONS.find((o) => o.key === 'batchSize')!;
    expect(() => viaFlags([[batch, 0]])).toThrow(/--batch-size must be from 1 to 512, got "0"/);
    expect(() => viaConfig([[batch, 'many']])).toThrow(
      /pcc\.yaml:2: runtime\.batch_size must be a whole number/,
    );
    const dto = plainToInstance(StartRunDto, { roots: [root], batchSize: 9999 });
    expect(validateSync(dto).map((e) => e.property)).toEqual(['batchSize']);
  });

  it('pcc.yaml: unknown sections and keys are named with their line; roots resolve against the file', () => {
    const file = path.join(work, 'sub', 'pcc.yaml');
    expect(() => parseRunConfigFile('caption:\n  backnd: mock\n', file)).toThrow(
      /sub\/pcc\.yaml:2: unknown key caption\.backnd; caption takes backend, model/,
    );
    expect(() => parseRunConfigFile('runtime: {}\nclustring:\n  mode: x\n', file)).toThrow(
      /:2: unknown section "clustring"/,
    );
    expect(parseRunConfigFile('roots: [../photos]\nvocabulary:\n  file: tags.yaml\n', file)).toMatchObject({
      roots: [path.join(work, 'photos')],
      request: { vocabulary: path.join(work, 'sub', 'tags.yaml') },
    });
  });

  it('pcc config init writes every option, and the file loads as written once uncommented', () => {
    const example = exampleConfigFile();
    for (const o of RUN_OPTIONS) expect(example).toContain(`#   ${o.configKey}: `);
    const uncommented = example
      .split('\n')
      .filter((l) => l.startsWith('# ') && /^# {1,3}\w+:/.test(l) && !l.startsWith('# roots'))
      .map((l) => l.replace(/^# /, '').replace(/\s+# .*$/, ''))
      .join('\n');
    const loaded = parseRunConfigFile(uncommented, path.join(work, 'init.yaml')).request;
    expect(Object.keys(loaded).sort()).toEqual(RUN_OPTIONS.map((o) => o.key).sort());
  });
});
