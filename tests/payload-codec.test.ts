import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DefaultPayloadConverter } from '@temporalio/common';
import { ConfigError, readConfig } from '../src/config';
import { newCodecKey, parseCodecKeys } from '../src/temporal/codec-keys';
import { createCodecServer } from '../src/temporal/codec-server';
import { AesGcmCodec, UnknownCodecKeyError, codecKeyFile, codecKeysFor } from '../src/temporal/payload-codec';
import { codecRequestBody, tempDir } from './helpers/fixtures';

const converter = new DefaultPayloadConverter();
const caption = 'A caption about /photos/2019/Beach.jpg';

describe('AES-256-GCM payload codec', () => {
  const [current, old] = [newCodecKey(), newCodecKey()].map((k) => parseCodecKeys(k, 'test')[0]);

  it('round-trips payloads and leaves no clear text in the ciphertext', async () => {
    const codec = new AesGcmCodec([current]);
    const plain = converter.toPayload({ caption });
    const [encrypted] = await codec.encode([plain]);
    expect(Buffer.from(encrypted.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encrypted.metadata!['encryption-key-id']!).toString()).toBe(current.id);
    expect(Buffer.from(encrypted.data!).toString('latin1')).not.toContain('Beach');
    const [decoded] = await codec.decode([encrypted]);
    expect(converter.fromPayload(decoded)).toEqual({ caption });
  });

  it('rotation: the first key encrypts, older keys still decrypt', async () => {
    const [byOld] = await new AesGcmCodec([old]).encode([converter.toPayload(caption)]);
    const rotated = new AesGcmCodec([current, old]);
    expect(converter.fromPayload((await rotated.decode([byOld]))[0])).toBe(caption);
    const [byNew] = await rotated.encode([converter.toPayload(caption)]);
    expect(Buffer.from(byNew.metadata!['encryption-key-id']!).toString()).toBe(current.id);
    // A process that lacks the key says which key and what to do.
    await expect(new AesGcmCodec([old]).decode([byNew])).rejects.toThrow(UnknownCodecKeyError);
    await expect(new AesGcmCodec([old]).decode([byNew])).rejects.toThrow(/PCC_CODEC_KEYS/);
  });

  it('passes payloads from before encryption through, and refuses tampered ones', async () => {
    const codec = new AesGcmCodec([current]);
    const plain = converter.toPayload(caption);
    expect(await codec.decode([plain])).toEqual([plain]);
    const [encrypted] = await codec.encode([plain]);
    const data = Buffer.from(encrypted.data!);
    data[20] ^= 1;
    await expect(codec.decode([{ ...encrypted, data }])).rejects.toThrow();
  });

  it('PCC_CODEC_KEYS is validated once, and a bad entry is named by position, never echoed', () => {
    const secret = 'c2VjcmV0LWtleS10aGF0LWlzLXRvby1zaG9ydA==';
    expect(() => readConfig({ PCC_CODEC_KEYS: `${newCodecKey()},${secret}` })).toThrow(ConfigError);
    const message = (() => {
      try {
        readConfig({ PCC_CODEC_KEYS: `${newCodecKey()},k2:${secret}` });
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/entry 2 is not one/);
    expect(message).not.toContain(secret);
    const a = newCodecKey();
    expect(() => readConfig({ PCC_CODEC_KEYS: `${a},${a}` })).toThrow(/twice/);
    expect(() => readConfig({ PCC_CODEC: 'maybe' })).toThrow(/PCC_CODEC must be on or off/);
    expect(readConfig({ PCC_CODEC: 'off' }).codec).toEqual({ mode: 'off' });
    const keys = readConfig({ PCC_CODEC_KEYS: ` ${a} ` }).codec;
    expect(keys.mode === 'keys' && keys.keys[0].id).toBe(a.split(':')[0]);
  });

  it('with nothing configured, the data folder gets one private key file, reused by every process', () => {
    const dataDir = path.join(tempDir('pcc-codec-'), 'data');
    const first = codecKeysFor(readConfig({ PCC_DATA_DIR: dataDir }))!;
    const again = codecKeysFor(readConfig({ PCC_DATA_DIR: dataDir }))!;
    expect(again).toEqual(first);
    expect(fs.statSync(codecKeyFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(codecKeysFor(readConfig({ PCC_DATA_DIR: dataDir, PCC_CODEC: 'off' }))).toBeUndefined();
  });
});

describe('codec server binding', () => {
  const codec = new AesGcmCodec(parseCodecKeys(newCodecKey(), 'test'));

  it('refuses a non-loopback bind without a token, unless told the port is published on loopback only', () => {
    const base = { port: 0, origins: [] };
    expect(() => createCodecServer(codec, { ...base, host: '0.0.0.0' })).toThrow(/PCC_CODEC_SERVER_TOKEN/);
    expect(() => createCodecServer(codec, { ...base, host: '0.0.0.0', token: 't' })).not.toThrow();
    expect(() => createCodecServer(codec, { ...base, host: '0.0.0.0', tokenRequired: false })).not.toThrow();
    expect(() => createCodecServer(codec, { ...base, host: '127.0.0.1' })).not.toThrow();
  });

  it('answers a malformed body with 400 and a reason, never a stack', async () => {
    const server = createCodecServer(codec, { host: '127.0.0.1', port: 0, origins: [] });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const post = (body: string) => fetch(`http://127.0.0.1:${port}/decode`, { method: 'POST', body });
      const notJson = await post('{');
      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toEqual({ message: 'the body is not JSON' });
      expect((await post('{"payloads": 3}')).status).toBe(400);
      expect((await fetch(`http://127.0.0.1:${port}/other`, { method: 'POST', body: '{}' })).status).toBe(
        404,
      );
      const [encrypted] = await codec.encode([new DefaultPayloadConverter().toPayload('x')]);
      const data = Buffer.from(encrypted.data!);
      data[20] ^= 1;
      const tampered = await post(codecRequestBody([{ ...encrypted, data }]));
      expect(tampered.status).toBe(422);
      expect(JSON.stringify(await tampered.json())).not.toMatch(/at \w+ \(/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
