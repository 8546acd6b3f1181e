/** Ctrl-C on `pcc server` stops everything that process started: no process, no state file left. */
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from './helpers/fixtures';
import { freePort, startPcc, stopLeftoverServer, testEnv } from './helpers/processes';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startServer() {
  const { dataDir, env } = testEnv({ PCC_TEMPORAL_PORT: String(await freePort()) });
  const api = startPcc(['server', '--port', String(await freePort()), '--queues', 'io'], env);
  await waitFor('the API to listen', () => api.output().includes('OpenAPI at /docs'), 90_000);
  const stateFile = path.join(dataDir, 'temporal-server.json');
  const { pid } = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { pid: number };
  expect(alive(pid)).toBe(true);
  return { dataDir, api, stateFile, temporalPid: pid };
}

describe('clean shutdown', () => {
  it('Ctrl-C on pcc server drains workers, stops its own dev server and removes the state file', async () => {
    const s = await startServer();
    try {
      s.api.child.kill('SIGINT');
      expect(await s.api.exited).toBe(0);
      expect(s.api.output()).toMatch(/Ctrl-C: stopping/);
      expect(alive(s.temporalPid)).toBe(false);
      expect(fs.existsSync(s.stateFile)).toBe(false);
    } finally {
      stopLeftoverServer(s.dataDir);
    }
  });

  it('a second Ctrl-C forces: exit 130 at once, the dev server killed all the same', async () => {
    const s = await startServer();
    try {
      s.api.child.kill('SIGINT');
      // Signals that arrive together are delivered once: the second comes once the first is seen.
      await waitFor(
        'the graceful stop to begin',
        () => s.api.output().includes('Ctrl-C: stopping'),
        10_000,
        5,
      );
      s.api.child.kill('SIGINT');
      const code = await s.api.exited;
      expect(code).toBe(130);
      expect(s.api.output()).toMatch(/forcing the stop/);
      await waitFor('the dev server to go', () => !alive(s.temporalPid), 10_000);
      expect(fs.existsSync(s.stateFile)).toBe(false);
    } finally {
      stopLeftoverServer(s.dataDir);
    }
  });
});
