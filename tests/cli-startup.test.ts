/**
 * The CLI loads only the module of the command it runs (src/cli/command-table.ts): the table must
 * name exactly what each module registers, and a light command must not load the heavy ones.
 */
import { execFileSync } from 'node:child_process';
import { COMMAND_TABLE, registrarsFor } from '../src/cli/command-table';
import { REPO_ROOT } from './helpers/fixtures';

describe('CLI command table', () => {
  // On the built CLI (npm test builds first): loading every command module through ts-jest costs ~15 s.
  it('names exactly the commands each module registers, and every registrar is in it', () => {
    const script = `
      const fs = require('fs'), { Command } = require('commander');
      const { COMMAND_TABLE } = require('./dist/cli/command-table');
      const tabled = new Set(), entries = [], missing = [];
      for (const entry of COMMAND_TABLE) {
        const program = new Command('pcc');
        for (const register of entry.load()) { register(program); tabled.add(register); }
        entries.push({ names: [...entry.names].sort(), registered: program.commands.map((c) => c.name()).sort() });
      }
      for (const file of fs.readdirSync('dist/cli/commands').filter((f) => f.endsWith('.js')))
        for (const [name, fn] of Object.entries(require('./dist/cli/commands/' + file)))
          // registerClustersExport adds a subcommand to clusters, not a top-level command.
          if (name.startsWith('register') && name !== 'registerClustersExport' && !tabled.has(fn))
            missing.push(file + ' ' + name);
      console.log(JSON.stringify({ entries, missing }));`;
    const { entries, missing } = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT }).toString(),
    ) as { entries: Array<{ names: string[]; registered: string[] }>; missing: string[] };
    expect(entries).toHaveLength(COMMAND_TABLE.length);
    for (const e of entries) expect(e.registered).toEqual(e.names);
    expect(missing).toEqual([]);
  });

  it('loads one module for a named command, all of them for help, a bare pcc or an unknown name', () => {
    const loads = COMMAND_TABLE.map((c) => jest.spyOn(c, 'load').mockReturnValue([]));
    const stats = COMMAND_TABLE.findIndex((c) => c.names.includes('stats'));
    registrarsFor(['node', 'pcc', 'stats', '--json']);
    expect(loads.map((l) => l.mock.calls.length)).toEqual(COMMAND_TABLE.map((_, i) => (i === stats ? 1 : 0)));
    for (const argv of [
      ['node', 'pcc'],
      ['node', 'pcc', '--help'],
      ['node', 'pcc', 'help'],
      ['node', 'pcc', 'nope'],
    ]) {
      for (const l of loads) l.mockClear();
      registrarsFor(argv);
      expect(loads.map((l) => l.mock.calls.length)).toEqual(COMMAND_TABLE.map(() => 1));
    }
    for (const l of loads) l.mockRestore();
  });

  it('a light command does not load Temporal, NestJS or the provider SDKs (built CLI)', () => {
    const script =
      "const t = require('./dist/cli/command-table');" +
      "for (const r of t.registrarsFor(['node', 'pcc', 'stats'])) r(new (require('commander').Command)('pcc'));" +
      'console.log(JSON.stringify(Object.keys(require.cache)));';
    const loaded = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT }).toString(),
    ) as string[];
    for (const heavy of ['@temporalio/worker', '@nestjs/core', '@anthropic-ai/sdk', 'onnxruntime-node'])
      expect(loaded.filter((f) => f.includes(`node_modules/${heavy}/`))).toEqual([]);
    expect(loaded.some((f) => f.includes('commands/stats'))).toBe(true);
  });
});
