import { useCallback, useEffect, useState } from 'react';
import { api, setToken, setUnauthorizedHandler } from './api';
import { href, navigate, useRoute } from './router';
import { useData, useKeys } from './hooks';
import { ErrorBox, Loading } from './components/Status';
import { ClustersPage, type ClusterFilters } from './pages/ClustersPage';
import { ClusterPage } from './pages/ClusterPage';
import { PhotoPage } from './pages/PhotoPage';
import { WritePage } from './pages/WritePage';
import { LogPage } from './pages/LogPage';
import { RunsPage } from './pages/RunsPage';
import { SearchPage } from './pages/SearchPage';
import { DuplicatesPage } from './pages/DuplicatesPage';
import { QueuePage } from './pages/QueuePage';
import type { Decision, StudioInfo } from './types';

function TokenPrompt({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      className="token-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value);
        onDone();
      }}
    >
      <p>This pcc server is reachable beyond this machine and asks for its API token (PCC_API_TOKEN).</p>
      <input
        type="password"
        aria-label="API token"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        autoFocus
      />
      <button type="submit">Unlock</button>
    </form>
  );
}

export function App() {
  const route = useRoute();
  const [needToken, setNeedToken] = useState(false);
  const [toast, setToast] = useState<{ text: string; undo?: boolean } | undefined>(undefined);
  const [filters, setFilters] = useState<ClusterFilters>({});
  const [version, setVersion] = useState(0);
  useEffect(() => setUnauthorizedHandler(() => setNeedToken(true)), []);
  const studio = useData(`studio${needToken}`, () => api.get<StudioInfo>('studio'));
  const clusteredRuns = (studio.data?.runs ?? []).filter((r) => r.clusters !== null);
  const runId = route.params.get('run') ?? clusteredRuns[0]?.id;

  const say = useCallback((text: string, undo = true) => {
    setToast({ text, undo });
    window.setTimeout(() => setToast((t) => (t?.text === text ? undefined : t)), 8000);
  }, []);
  const undo = useCallback(
    async (id?: number) => {
      try {
        const target =
          id ??
          (await api.get<Decision[]>('decisions?limit=50')).find(
            (d) => d.action !== 'undo' && d.undoneBy === undefined,
          )?.id;
        if (target === undefined) return say('Nothing to undo', false);
        await api.post(`decisions/${target}/undo`);
        say(`Undone: decision ${target}`, false);
        setVersion((v) => v + 1); // the page on screen loads again
      } catch (e) {
        say((e as Error).message, false);
      }
    },
    [say],
  );
  useKeys({
    '?': () => say('Keys: j/k next/previous · a approve · r reject · u undo · Esc clear · Enter open', false),
  });

  if (needToken) return <TokenPrompt onDone={() => setNeedToken(false)} />;
  if (studio.loading && !studio.data) return <Loading what="the studio" />;
  if (studio.error) return <ErrorBox error={studio.error} retry={studio.reload} />;
  const info = studio.data!;

  let page;
  if (route.page === 'runs') page = <RunsPage studio={info} />;
  else if (route.page === 'search') page = <SearchPage params={route.params} runId={runId} />;
  else if (route.page === 'duplicates')
    page = <DuplicatesPage key={version} runId={runId} onSaid={(t) => say(t, false)} />;
  else if (route.page === 'log') page = <LogPage key={version} runId={runId} onUndo={(id) => undo(id)} />;
  else if (route.page === 'photos' && route.id) page = <PhotoPage id={Number(route.id)} runId={runId} />;
  else if (!runId)
    page = (
      <p className="status empty">No clustered run yet: start one on the Runs page (with clustering on).</p>
    );
  else if (route.page === 'write') page = <WritePage runId={runId} temporalUi={info.temporalUi} />;
  else if (route.page === 'queue')
    page = (
      <QueuePage
        key={`${runId}/${route.params.toString()}/${version}`}
        runId={runId}
        params={route.params}
        onSaid={(t, u) => say(t, u)}
        onUndo={() => void undo()}
      />
    );
  else if (route.page === 'clusters' && route.id !== undefined)
    page = (
      <ClusterPage
        key={`${runId}/${route.id}/${version}`}
        runId={runId}
        id={Number(route.id)}
        onDecided={(m) => say(m)}
        onUndo={() => void undo()}
      />
    );
  else
    page = (
      <ClustersPage key={`${runId}/${version}`} runId={runId} filters={filters} onFilters={setFilters} />
    );

  return (
    <div className="app">
      <header className="top">
        <a className="brand" href={href('clusters', undefined, { run: runId })}>
          pcc
        </a>
        <nav>
          <a
            href={href('clusters', undefined, { run: runId })}
            className={route.page === 'clusters' ? 'on' : ''}
          >
            Clusters
          </a>
          <a href={href('queue', undefined, { run: runId })} className={route.page === 'queue' ? 'on' : ''}>
            Queue
          </a>
          <a href={href('search', undefined, { run: runId })} className={route.page === 'search' ? 'on' : ''}>
            Search
          </a>
          <a
            href={href('duplicates', undefined, { run: runId })}
            className={route.page === 'duplicates' ? 'on' : ''}
          >
            Duplicates
          </a>
          <a href={href('write', undefined, { run: runId })} className={route.page === 'write' ? 'on' : ''}>
            Write
          </a>
          <a href={href('log', undefined, { run: runId })} className={route.page === 'log' ? 'on' : ''}>
            Decisions
          </a>
          <a href={href('runs')} className={route.page === 'runs' ? 'on' : ''}>
            Runs
          </a>
        </nav>
        {clusteredRuns.length > 0 && (
          <select
            aria-label="run"
            value={runId}
            onChange={(e) =>
              navigate(
                href(route.page === 'photos' ? 'clusters' : route.page, undefined, { run: e.target.value }),
              )
            }
          >
            {clusteredRuns.map((r) => (
              <option key={r.id} value={r.id}>
                {r.roots.map((x) => x.split('/').pop()).join(', ')} ·{' '}
                {r.createdAt.slice(0, 16).replace('T', ' ')} · {r.clusters} clusters
              </option>
            ))}
          </select>
        )}
        {info.temporalUi && (
          <a className="muted" href={info.temporalUi} target="_blank" rel="noreferrer">
            Temporal UI
          </a>
        )}
      </header>
      <main>{page}</main>
      {toast && (
        <div className="toast" role="status">
          {toast.text}
          {toast.undo && (
            <button type="button" onClick={() => void undo()}>
              Undo (u)
            </button>
          )}
        </div>
      )}
    </div>
  );
}
