/**
 * Encrypted workflow history: every payload pcc hands Temporal (workflow and activity inputs and
 * results, heartbeats, queries, memo, activity summaries) is AES-256-GCM ciphertext, so captions,
 * tags and paths never sit in clear text in the server's database or in the Web UI. Search
 * attributes are not payloads (Temporal must index them): pcc puts only non-secret words there.
 *
 * Keys come from PCC_CODEC_KEYS (`id:base64key,…`, the first one encrypts, all of them decrypt, so a
 * key is rotated by putting a new one first and keeping the old ones while histories need them) or,
 * on a machine where nothing is configured, from a key file pcc creates once in the data folder.
 * Payloads without the encrypted encoding (histories from before, or written with PCC_CODEC=off)
 * pass through unchanged, so old runs still replay and read.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PccConfig } from '../config';
import { ConfigError } from '../config-error';
import { newCodecKey, parseCodecKeys, type CodecKey } from './codec-keys';

/** Where `pcc codec-server` listens unless told otherwise (and where the embedded UI looks for it). */
export const DEFAULT_CODEC_SERVER_PORT = 8079;
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload was encrypted with a key this process does not have. */
export class UnknownCodecKeyError extends Error {
  override name = 'UnknownCodecKeyError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class AesGcmCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  /** keys[0] encrypts; every key decrypts. */
  constructor(private readonly keys: readonly CodecKey[]) {
    if (keys.length === 0) throw new ConfigError('the payload codec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0];
    return payloads.map((payload) => {
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encoder.encode(id) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const id = idBytes ? decoder.decode(idBytes) : '';
      const key = this.byId.get(id);
      if (!key) {
        throw new UnknownCodecKeyError(
          `a workflow payload is encrypted with key "${id}", which this process does not have: ` +
            'give every pcc process the same PCC_CODEC_KEYS (docs/deployment.md)',
        );
      }
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('an encrypted payload is truncated');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

export function codecKeyFile(dataDir: string): string {
  return path.join(dataDir, 'codec-keys');
}

/**
 * The keys this process encrypts and decrypts with: PCC_CODEC_KEYS, else the data folder's key
 * file (created, mode 0600, the first time a process needs it); none with PCC_CODEC=off.
 */
export function codecKeysFor(config: PccConfig): CodecKey[] | undefined {
  if (config.codec.mode === 'off') return undefined;
  if (config.codec.mode === 'keys') return config.codec.keys;
  const file = codecKeyFile(config.dataDir);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    try {
      // 'wx': two processes starting at once must not each write their own key.
      fs.writeFileSync(file, `${newCodecKey()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return parseCodecKeys(fs.readFileSync(file, 'utf8'), file);
}

const converters = new WeakMap<PccConfig, DataConverter>();

/** The data converter of every client and worker pcc creates for `config` (one codec per config). */
export function dataConverterFor(config: PccConfig): DataConverter {
  let converter = converters.get(config);
  if (!converter) {
    const keys = codecKeysFor(config);
    converter = keys ? { payloadCodecs: [new AesGcmCodec(keys)] } : {};
    converters.set(config, converter);
  }
  return converter;
}
