/**
 * The API is for this machine (and, with a token, for hosts named on purpose). A web page must not
 * reach it by DNS rebinding (its name resolving to 127.0.0.1) or by posting from another site, so:
 * - a request whose Host is not one of ours is answered 421 (Misdirected Request);
 * - a state-changing request from a foreign Origin (or a cross-site fetch) is answered 403.
 * Both answer JSON with a message, like every other error of the API.
 */
import os from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface LocalOriginOptions {
  /** The address the API listens on. */
  bindHost: string;
  /** Extra host names (PCC_API_ALLOWED_HOSTS). */
  allowedHosts: string[];
  /** Origins allowed to call from another site (PCC_API_CORS_ORIGINS). */
  corsOrigins: string[];
}

/** The host part of a Host header value, lowercased: `[::1]:3000` → `[::1]`, `a.b:80` → `a.b`. */
export function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.replace(/:\d+$/, '');
}

/** Every name the API answers to. */
export function allowedHostnames(options: LocalOriginOptions): Set<string> {
  const names = new Set<string>([...LOOPBACK_NAMES, ...options.allowedHosts]);
  const bind = options.bindHost.toLowerCase();
  if (bind === '0.0.0.0' || bind === '::') {
    // Bound everywhere (token required): this machine's own name and addresses.
    names.add(os.hostname().toLowerCase());
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address}]` : a.address);
  } else {
    names.add(bind.includes(':') ? `[${bind}]` : bind);
  }
  return names;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  const error = status === 421 ? 'Misdirected Request' : 'Forbidden';
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ statusCode: status, error, message }));
}

/** Express middleware: runs before any route (and before the OpenAPI page). */
export function localOriginGuard(options: LocalOriginOptions) {
  const hosts = allowedHostnames(options);
  const cors = new Set(options.corsOrigins.map((o) => o.toLowerCase()));
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const host = req.headers.host;
    if (!host || !hosts.has(hostnameOf(host))) {
      return refuse(
        res,
        421,
        `this pcc API does not answer for Host "${host ?? ''}"; open it as http://127.0.0.1:<port>, ` +
          'or add the name to PCC_API_ALLOWED_HOSTS',
      );
    }
    if (!SAFE_METHODS.has(req.method ?? 'GET')) {
      const origin = req.headers.origin;
      if (origin !== undefined) {
        let sameOrigin = false;
        try {
          sameOrigin = new URL(origin).host.toLowerCase() === host.toLowerCase();
        } catch {
          /* "null" or garbage: not ours */
        }
        if (!sameOrigin && !cors.has(origin.toLowerCase())) {
          return refuse(
            res,
            403,
            `refusing a ${req.method} from another site (Origin ${origin}); allow it with PCC_API_CORS_ORIGINS`,
          );
        }
      } else if (req.headers['sec-fetch-site'] === 'cross-site') {
        return refuse(res, 403, `refusing a cross-site ${req.method}`);
      }
    }
    next();
  };
}
