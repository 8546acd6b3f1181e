import type { Command } from 'commander';
import { cliConfig, info, printable } from '../context';
import { ensureTemporal } from '../../temporal/dev-server';
import { RunClient } from '../../temporal/run-client';

async function withClient<T>(fn: (client: RunClient) => Promise<T>): Promise<T> {
  const config = cliConfig();
  // Steering commands never start a server of their own: a run lives where it was started.
  const endpoint = await ensureTemporal(config, { install: false });
  const client = await RunClient.connect(endpoint, config);
  try {
    return await fn(client);
  } finally {
    await client.close();
    await endpoint.stop();
  }
}

export function registerControl(program: Command): void {
  program
    .command('runs')
    .description('list runs known to Temporal')
    .action(() =>
      withClient(async (client) => {
        for (const r of await client.list()) {
          process.stdout.write(
            `${r.startTime.slice(0, 19)}  ${r.status.padEnd(10)} ${r.workflowId}  ${printable((r.roots ?? []).join(', '))}${r.summary ? `  (${r.summary})` : ''}\n`,
          );
        }
      }),
    );
  program
    .command('status')
    .argument('<id>', 'run (workflow) id')
    .description("a run's status and progress")
    .action((id: string) =>
      withClient(async (client) => {
        process.stdout.write(`${JSON.stringify(await client.detail(id), null, 2)}\n`);
      }),
    );
  program
    .command('resume')
    .argument('<id>', 'run (workflow) id')
    .option('--max-cost-usd <usd>', 'raise the spending cap first')
    .description('continue a paused run')
    .action((id: string, opts: { maxCostUsd?: string }) =>
      withClient(async (client) => {
        await client.resume(id, {
          maxCostUsd: opts.maxCostUsd === undefined ? undefined : Number(opts.maxCostUsd),
        });
        info(`resume sent to ${id}`);
      }),
    );
  for (const [name, description] of [
    ['pause', 'stop starting new batches (batches in flight finish)'],
    ['cancel', 'cancel a run (finished photos stay in the catalog)'],
  ] as const) {
    program
      .command(name)
      .argument('<id>', 'run (workflow) id')
      .description(description)
      .action((id: string) =>
        withClient(async (client) => {
          await client[name](id);
          info(`${name} sent to ${id}`);
        }),
      );
  }
}
