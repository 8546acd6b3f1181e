import { Command, CommanderError } from 'commander';
import { registerRun } from './commands/run';
import { registerStats } from './commands/stats';
import { registerExport } from './commands/export';
import { registerControl } from './commands/control';
import { registerReview, registerServices } from './commands/services';
import { registerEstimate } from './commands/estimate';
import { registerXmp } from './commands/xmp';
import { registerModels } from './commands/models';
import { registerReport } from './commands/report';
import { registerConfig } from './commands/config';
import { registerTags } from './commands/tags';
import { registerDuplicates } from './commands/duplicates';
import { registerSearch } from './commands/search';
import { registerClusters } from './commands/clusters';
import { registerSamples } from './commands/samples';
import { UsageError } from './context';
import { ConfigError } from '../config';

const program = new Command('pcc')
  .description('pcc — caption, embed, cluster and keyword a photo library, durably (Temporal)')
  .version(require('../../package.json').version)
  .showHelpAfterError()
  .exitOverride();

registerRun(program);
registerStats(program);
registerExport(program);
registerControl(program);
registerServices(program);
registerReview(program);
registerEstimate(program);
registerXmp(program);
registerModels(program);
registerReport(program);
registerConfig(program);
registerTags(program);
registerDuplicates(program);
registerSearch(program);
registerClusters(program);
registerSamples(program);

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
