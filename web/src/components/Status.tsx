import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <p className="status loading" role="status">
      Loading {what} …
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="status error" role="alert">
      {(error as Error)?.message ?? String(error)}
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="status empty">{children}</p>;
}
