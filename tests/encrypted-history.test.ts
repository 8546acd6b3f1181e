/**
 * Issue 18's encrypted history and readable Temporal UI, end to end: a real run's raw history (read
 * without the codec, as the server stores it) holds no caption and no path in clear text; the
 * codec server gives them back to an authorised caller from the UI's origin; the UI finds the run
 * by its search attributes and shows a summary per activity and a memo line for the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { readConfig } from '../src/config';
import { newCodecKey } from '../src/temporal/codec-keys';
import { dataConverterFor } from '../src/temporal/payload-codec';
import { SAMPLE_LIBRARY, codecRequestBody, tempDir, waitFor } from './helpers/fixtures';
import { exportedCaptions, freePort, runPcc, startPcc, startTestServer, testEnv } from './helpers/processes';

type Texts = { strings: string[]; bytes: string[] };

/** Every string and every byte field of a history, decoded as Latin-1 so any clear text shows. */
function collect(value: unknown, into: Texts = { strings: [], bytes: [] }): Texts {
  if (typeof value === 'string') into.strings.push(value);
  else if (value instanceof Uint8Array) into.bytes.push(Buffer.from(value).toString('latin1'));
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collect(v, into);
  return into;
}

/** A small library whose folder and file names are easy to find if they leak. */
function secretLibrary(): string {
  const lib = tempDir('pcc-secret-lib-');
  const dir = path.join(lib, 'Secret-Trip-Folder');
  fs.mkdirSync(dir);
  const src = path.join(SAMPLE_LIBRARY, 'orientation');
  fs.readdirSync(src)
    .filter((f) => f.endsWith('.jpg'))
    .slice(0, 5)
    .forEach((f, i) => fs.copyFileSync(path.join(src, f), path.join(dir, `Hidden-Beach-Name-${i}.jpg`)));
  return lib;
}

async function historyTexts(address: string, workflowId: string): Promise<Texts> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection }); // no codec: the server's view
    const texts: Texts = { strings: [], bytes: [] };
    for (const id of [workflowId, `${workflowId}/batch-00000`, `${workflowId}/batch-00001`]) {
      collect(await client.workflow.getHandle(id).fetchHistory(), texts);
    }
    return texts;
  } finally {
    await connection.close();
  }
}

async function runAndExport(lib: string, env: NodeJS.ProcessEnv, dataDir: string) {
  const out = await runPcc(['run', lib, '--backend', 'mock', '--batch-size', '3'], env);
  const workflowId = /Started run (pcc-run-\S+)/.exec(out)![1];
  const captions = (await exportedCaptions(env, dataDir)).map((r) => r.caption ?? '');
  return { workflowId, captions };
}

describe('encrypted history and a readable Temporal UI', () => {
  let server: TemporalEndpoint;
  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('captions and paths are ciphertext in history; the codec server decodes them for an authorised UI', async () => {
    const lib = secretLibrary();
    const token = 'codec-token-for-the-test';
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_CODEC_SERVER_TOKEN: token });
    const { workflowId, captions } = await runAndExport(lib, env, dataDir);
    expect(captions).toHaveLength(5);

    const raw = await historyTexts(server.address, workflowId);
    const everything = [...raw.strings, ...raw.bytes].join('\n');
    for (const secret of [lib, 'Secret-Trip-Folder', 'Hidden-Beach-Name', ...captions])
      expect(everything).not.toContain(secret);
    expect(raw.bytes.filter((b) => b === 'binary/encrypted').length).toBeGreaterThan(20);

    // The same check on a run with PCC_CODEC=off finds them: the search above can fail.
    const plain = testEnv({ TEMPORAL_ADDRESS: server.address, PCC_CODEC: 'off' });
    const control = await runAndExport(secretLibrary(), plain.env, plain.dataDir);
    const clear = await historyTexts(server.address, control.workflowId);
    const clearText = [...clear.strings, ...clear.bytes].join('\n');
    expect(clearText).toContain('Hidden-Beach-Name');
    expect(clearText).toContain(control.captions[0]);

    // The UI finds the run by root folder name, backend and phase (search attributes, clear text).
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, dataConverter: dataConverterFor(readConfig(env)) });
    const found: string[] = [];
    const query = `PccRoots = "${path.basename(lib)}" AND PccBackend = "mock" AND PccPhase = "completed"`;
    await waitFor('the run in the visibility store', async () => {
      found.length = 0;
      for await (const wf of client.workflow.list({ query })) found.push(wf.workflowId);
      return found.length ? true : undefined;
    });
    expect(found).toEqual([workflowId]);
    const batchHistory = await client.workflow.getHandle(`${workflowId}/batch-00000`).fetchHistory();
    const summaries = (batchHistory.events ?? []).map((e) => e.userMetadata?.summary).filter(Boolean);
    expect(summaries.length).toBeGreaterThanOrEqual(4);
    await connection.close();

    // The codec server: the UI's origin with the token gets clear text; others get nothing.
    const port = await freePort();
    const codec = startPcc(['codec-server', '--port', String(port)], env);
    try {
      await waitFor(
        'the codec server',
        () => (/Codec server/.test(codec.output()) ? true : undefined),
        30_000,
      );
      const url = `http://127.0.0.1:${port}/decode`;
      const body = codecRequestBody(summaries.map((s) => s!));
      const post = (headers: Record<string, string>) =>
        fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
      expect((await post({})).status).toBe(401);
      expect((await post({ Authorization: 'Bearer wrong-token-of-same-len' })).status).toBe(401);
      expect((await post({ Authorization: `Bearer ${token}`, Origin: 'http://evil.example' })).status).toBe(
        403,
      );
      const ok = await post({ Authorization: `Bearer ${token}`, Origin: 'http://localhost:8233' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
      const decoded = ((await ok.json()) as { payloads: Array<{ data: string }> }).payloads.map((p) =>
        JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')),
      );
      expect(decoded).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^load batch 1 \(up to 3 photos\)$/),
          'caption 3 photos in Secret-Trip-Folder/ with mock',
          'save 3 captions in the catalog',
        ]),
      );
      const preflight = await fetch(url, {
        method: 'OPTIONS',
        headers: { Origin: 'http://localhost:8233', 'Access-Control-Request-Method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    } finally {
      codec.child.kill('SIGINT');
      await codec.exited;
    }

    // pcc itself reads the run back (memo summary, roots) with the folder's key …
    const status = await runPcc(['status', workflowId], env);
    expect(status).toContain(lib);
    expect(status).toMatch(/"summary": "5 photos: 5 captioned in \d+ s"/);
    expect(await runPcc(['runs'], env)).toMatch(/COMPLETED.*\(5 photos: 5 captioned in \d+ s\)/);
    // … and after a rotation (a new key first, the old one kept) …
    const oldKey = fs.readFileSync(path.join(dataDir, 'codec-keys'), 'utf8').trim();
    const rotated = { ...env, PCC_CODEC_KEYS: `${newCodecKey()},${oldKey}` };
    expect(await runPcc(['status', workflowId], rotated)).toContain(lib);
    // … while a process with other keys says what is wrong instead of showing garbage.
    const stranger = await runPcc(['status', workflowId], { ...env, PCC_CODEC_KEYS: newCodecKey() }, 1);
    expect(stranger).toMatch(
      /which this process does not have: give every pcc process the same PCC_CODEC_KEYS/,
    );
  }, 240_000);
});
