/**
 * The inspector page: the open screen until a store is open, then the key
 * browser, value panel, stats panel and status bar around one session.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { KvscopeEvent, SessionInfo } from '../../shared/contract.js';
import { asApiError, type ApiErrorShape } from '../../shared/errors.js';
import { openAsLatest, OpenSequence } from './open-latest.js';
import type { Transport } from './transport.js';
import { ErrorBanner } from './components/ErrorBanner.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { OpenScreen } from './components/OpenScreen.js';
import { Workspace } from './components/Workspace.js';

export function App({ transport }: { transport: Transport }) {
  const { api } = transport;
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [error, setError] = useState<ApiErrorShape | null>(null);
  const [opening, setOpening] = useState(false);
  const sessionRef = useRef<SessionInfo | null>(null);
  /** Opens under way answer in any order: the latest is shown (open-latest.ts). */
  const opens = useRef(new OpenSequence());
  const reportError = useCallback((err: ApiErrorShape) => setError(err), []);
  const clearError = useCallback(() => setError(null), []);
  sessionRef.current = session;

  const openDirectory = useCallback(
    async (path: string, format?: string, readWrite?: boolean) => {
      const open = opens.current.begin();
      setOpening(true);
      setError(null);
      try {
        await openAsLatest(opens.current, open, api, { path, ...(format ? { format } : {}), ...(readWrite ? { readWrite } : {}) }, () => sessionRef.current, (info) => {
          sessionRef.current = info;
          setSession(info);
        });
      } catch (err) {
        if (opens.current.isLatest(open)) setError(asApiError(err).toJSON());
      } finally {
        if (opens.current.isLatest(open)) setOpening(false);
      }
    },
    [api],
  );

  const closeStore = useCallback(async () => {
    const current = sessionRef.current;
    // An open under way is not shown after Close.
    opens.current.supersede();
    setOpening(false);
    sessionRef.current = null;
    setSession(null);
    if (current) await api.closeStore({ sessionId: current.sessionId }).catch(() => undefined);
  }, [api]);

  // Leaving or reloading the page closes its store, so it does not keep the writer lock.
  useEffect(() => {
    const onPageHide = () => {
      const current = sessionRef.current;
      if (current) void api.closeStore({ sessionId: current.sessionId }).catch(() => undefined);
    };
    window.addEventListener('pagehide', onPageHide);
    return () => window.removeEventListener('pagehide', onPageHide);
  }, [api]);

  // The shell (Electron menu, command line, dropped folder) may ask us to open a directory.
  useEffect(
    () =>
      api.onEvent((event: KvscopeEvent) => {
        if (event.type === 'open-directory') void openDirectory(event.path);
        if (event.type === 'close-store') void closeStore();
      }),
    [api, openDirectory, closeStore],
  );

  // The browser host passes the directory from `kvscope serve DIR` as ?open=.
  const openedFromUrl = useRef(false);
  useEffect(() => {
    if (openedFromUrl.current) return; // once, even under StrictMode's double effects
    openedFromUrl.current = true;
    const path = new URLSearchParams(window.location.search).get('open');
    if (path) void openDirectory(path);
  }, [openDirectory]);

  return (
    <div className="app">
      {error && <ErrorBanner error={error} onDismiss={() => setError(null)} />}
      {session ? (
        <ErrorBoundary onReset={() => void closeStore()}>
          <Workspace
            key={session.sessionId}
            api={api}
            session={session}
            onSessionChange={setSession}
            onClose={closeStore}
            onError={reportError}
            onClearError={clearError}
            onOpenDirectory={(path, format, readWrite) => void openDirectory(path, format, readWrite)}
            hasChoosers={transport.kind === 'electron'}
          />
        </ErrorBoundary>
      ) : (
        <OpenScreen transport={transport} busy={opening} onOpen={openDirectory} onError={reportError} onClearError={clearError} />
      )}
    </div>
  );
}
