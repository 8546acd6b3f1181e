import { useCallback, useEffect, useRef, useState } from 'react';

/** Loads `load()` whenever `key` changes; `reload()` fetches again. Stale answers are dropped. */
export function useData<T>(key: string, load: () => Promise<T>) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const ticket = useRef(0);
  const fetchNow = useCallback(() => {
    const mine = ++ticket.current;
    setLoading(true);
    load().then(
      (d) => {
        if (mine !== ticket.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== ticket.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, [key]);
  useEffect(fetchNow, [fetchNow]);
  return { data, error, loading, reload: fetchNow, setData };
}

/** Keyboard shortcuts, ignored while typing in a field. */
export function useKeys(bindings: Record<string, () => void>): void {
  const ref = useRef(bindings);
  ref.current = bindings;
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (e.metaKey || e.altKey) return;
      const key = `${e.ctrlKey ? 'ctrl+' : ''}${e.key}`;
      const fn = ref.current[key];
      if (fn) {
        e.preventDefault();
        fn();
      }
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, []);
}
