/** PCC_CODEC_KEYS's notation, `id:base64key,…`, kept apart so config.ts can validate it once. */
import crypto from 'node:crypto';
import { ConfigError } from '../config-error';

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** A fresh key in PCC_CODEC_KEYS's notation (`id:base64`), for `pcc codec-server --new-key`. */
export function newCodecKey(): string {
  const id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${crypto.randomBytes(3).toString('hex')}`;
  return `${id}:${crypto.randomBytes(32).toString('base64')}`;
}

/** Parses `id:base64key,id:base64key`; throws a ConfigError naming the bad entry by position (never echoing it: it may be a key). */
export function parseCodecKeys(text: string, source: string): CodecKey[] {
  const keys = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const m = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/=]+)$/.exec(entry);
      const key = m ? Buffer.from(m[2], 'base64') : undefined;
      if (!m || key?.length !== 32) {
        throw new ConfigError(
          `${source} takes id:key pairs separated by commas, each key 32 bytes in base64 ` +
            `(make one with \`pcc codec-server --new-key\`); entry ${index + 1} is not one`,
        );
      }
      return { id: m[1], key };
    });
  if (keys.length === 0) throw new ConfigError(`${source} holds no key`);
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw new ConfigError(`${source} names a key id twice`);
  return keys;
}
