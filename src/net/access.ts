/**
 * Who may talk to pcc's HTTP servers (the API and `pcc codec-server`): the checks both apply, in
 * one place so the two cannot drift apart.
 */
import crypto from 'node:crypto';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** A bind address only this machine reaches; any other needs a token. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}

/** Whether `given` is the configured token, compared in constant time (a mismatch says nothing about how close it was). */
export function tokenMatches(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** A web origin as browsers send it: scheme, host, optional port (`http://nas.local:8080`). */
export function isWebOrigin(value: string): boolean {
  return /^https?:\/\/[^/\s]+$/.test(value);
}
