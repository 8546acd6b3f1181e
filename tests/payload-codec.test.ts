import fs from 'node:fs';
import path from 'node:path';
import { DefaultPayloadConverter } from '@temporalio/common';
import { ConfigError, readConfig } from '../src/config';
import { newCodecKey, parseCodecKeys } from '../src/temporal/codec-keys';
import { AesGcmCodec, UnknownCodecKeyError, codecKeyFile, codecKeysFor } from '../src/temporal/payload-codec';
import { tempDir } from './helpers/fixtures';

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
