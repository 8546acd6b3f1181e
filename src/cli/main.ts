import { Command, CommanderError } from 'commander';
import { registrarsFor } from './command-table';
import { UsageError } from './context';
import { ConfigError } from '../config';

const program = new Command('pcc')
  .description('pcc — caption, embed, cluster and keyword a photo library, durably (Temporal)')
  .version(require('../../package.json').version)
  .showHelpAfterError()
  .exitOverride();

for (const register of registrarsFor(process.argv)) register(program);

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (
      err instanceof UsageError ||
      err instanceof ConfigError ||
      (err as Error)?.name === 'ModelMissingError'
    ) {
      process.stderr.write(`pcc: ${(err as Error).message}\n`);
      process.exit(2);
    }
    process.stderr.write(`pcc: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
