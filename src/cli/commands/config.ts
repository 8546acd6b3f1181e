import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { info, UsageError } from '../context';
import { exampleConfigFile } from '../../runs/config-file';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('the pcc.yaml options file');
  config
    .command('init')
    .description('write a commented pcc.yaml with every run option, its help and default')
    .option('--out <file>', 'where to write it', 'pcc.yaml')
    .option('--force', 'replace an existing file')
    .action((opts: { out: string; force?: boolean }) => {
      const file = path.resolve(opts.out);
      if (fs.existsSync(file) && !opts.force)
        throw new UsageError(`${file} exists: add --force to replace it`);
      fs.writeFileSync(file, exampleConfigFile());
      info(
        `wrote ${file}; uncomment what you want and run \`pcc run\` in this folder (or --config ${opts.out})`,
      );
    });
}
