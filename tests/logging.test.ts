import fs from 'node:fs';
import { runLogger, runLogPath } from '../src/logging/logger';
import { tempDir } from './helpers/fixtures';

describe('run logs', () => {
  it("write one JSON object per line to the run's file and never a secret", async () => {
    const dataDir = tempDir();
    const log = runLogger(dataDir, 'run-log-test');
    log.info(
      {
        event: 'x',
        apiKey: 'sk-secret-1',
        nested: { authorization: 'Bearer sk-secret-2' },
        OPENAI_API_KEY: 'sk-secret-3',
      },
      'hello',
    );
    log.warn({ event: 'photo.corrupt', relPath: 'a/b.jpg', reason: 'truncated' });
    const text = fs.readFileSync(runLogPath(dataDir, 'run-log-test'), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ runId: 'run-log-test', event: 'x', msg: 'hello', apiKey: '[redacted]' });
    expect(lines[1]).toMatchObject({ event: 'photo.corrupt', relPath: 'a/b.jpg' });
    expect(text).not.toMatch(/sk-secret/);
  });
});
