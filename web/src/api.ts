/** The studio talks only to the documented API, on its own origin. */
const TOKEN_KEY = 'pcc-api-token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Set when the API answered 401: the app shows the token prompt. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  // Images cannot send a header: the API also reads the token from this cookie.
  document.cookie = `pcc_token=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
}

function headers(json: boolean): HeadersInit {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return {
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) onUnauthorized();
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const message = (data as { message?: string | string[] } | undefined)?.message;
    throw new ApiError(
      res.status,
      Array.isArray(message) ? message.join('; ') : (message ?? `${res.status} ${res.statusText}`),
    );
  }
  return data as T;
}

export const api = {
  get: <T>(url: string) => request<T>('GET', url),
  post: <T>(url: string, body: unknown = {}) => request<T>('POST', url, body),
};

export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const thumbnailUrl = (sha1: string) => `thumbnails/${sha1}`;
