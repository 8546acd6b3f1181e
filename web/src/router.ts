import { useEffect, useState } from 'react';

/** Hash routes (#/clusters/3?run=…): the API owns every real path on this origin. */
export interface Route {
  page: string;
  id?: string;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [pathPart, search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [page = 'clusters', id] = pathPart.split('/').filter(Boolean);
  return { page: page || 'clusters', id, params: new URLSearchParams(search) };
}

export function href(
  page: string,
  id?: string | number,
  params: Record<string, string | number | undefined> = {},
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `#/${page}${id !== undefined ? `/${id}` : ''}${s ? `?${s}` : ''}`;
}

export function navigate(to: string): void {
  window.location.hash = to.replace(/^#/, '');
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
