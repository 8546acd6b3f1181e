import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every top-level command and the module that registers it. main.ts loads only the module of the
 * command being run, so `pcc stats` or `pcc search` no longer load Temporal's worker, NestJS, the
 * NLP model and three provider SDKs first (`pcc --version` took ~1.9 s with everything loaded).
 * Help, a bare `pcc` and unknown names load them all. tests/cli-startup.test.ts checks this table
 * against what the modules really register.
 */
export const COMMAND_TABLE: ReadonlyArray<{ names: readonly string[]; load: () => Register[] }> = [
  { names: ['run'], load: () => [require('./commands/run').registerRun] },
  { names: ['stats'], load: () => [require('./commands/stats').registerStats] },
  { names: ['export'], load: () => [require('./commands/export').registerExport] },
  {
    names: ['runs', 'status', 'resume', 'pause', 'cancel'],
    load: () => [require('./commands/control').registerControl],
  },
  { names: ['server', 'worker'], load: () => [require('./commands/services').registerServices] },
  { names: ['review'], load: () => [require('./commands/services').registerReview] },
  { names: ['estimate'], load: () => [require('./commands/estimate').registerEstimate] },
  { names: ['xmp'], load: () => [require('./commands/xmp').registerXmp] },
  { names: ['models'], load: () => [require('./commands/models').registerModels] },
  { names: ['report'], load: () => [require('./commands/report').registerReport] },
  { names: ['config'], load: () => [require('./commands/config').registerConfig] },
  { names: ['tags'], load: () => [require('./commands/tags').registerTags] },
  { names: ['duplicates'], load: () => [require('./commands/duplicates').registerDuplicates] },
  { names: ['search'], load: () => [require('./commands/search').registerSearch] },
  { names: ['clusters'], load: () => [require('./commands/clusters').registerClusters] },
  { names: ['samples'], load: () => [require('./commands/samples').registerSamples] },
  { names: ['codec-server'], load: () => [require('./commands/codec-server').registerCodecServer] },
];

/** The registrars `argv` needs: the invoked command's, or all of them (help, bare pcc, unknown). */
export function registrarsFor(argv: readonly string[]): Register[] {
  const name = argv[2];
  const entry = name && !name.startsWith('-') ? COMMAND_TABLE.find((c) => c.names.includes(name)) : undefined;
  return (entry ? [entry] : COMMAND_TABLE).flatMap((c) => c.load());
}
