import { useEffect, useState, type FormEvent } from 'react';
import type { FormatInfo, RecentEntry } from '../../../shared/contract.js';
import { asApiError, type ApiErrorShape } from '../../../shared/errors.js';
import { isAbsolutePathText, relativePathProblem } from '../../../shared/path-text.js';
import type { Transport } from '../transport.js';

interface Props {
  transport: Transport;
  busy: boolean;
  onOpen: (path: string, format?: string) => void;
  onError: (error: ApiErrorShape) => void;
  /** Drops the banner of an earlier open's error: a path refused beside the field is this attempt's only answer. */
  onClearError: () => void;
}

export function OpenScreen({ transport, busy, onOpen, onError, onClearError }: Props) {
  const { api, kind } = transport;
  const [path, setPath] = useState('');
  const [recent, setRecent] = useState<RecentEntry[]>([]);
  const [formats, setFormats] = useState<FormatInfo[]>([]);
  const [format, setFormat] = useState('');
  /** Why the typed path is not asked for (a relative one), said beside the field. */
  const [pathProblem, setPathProblem] = useState<string | null>(null);

  useEffect(() => {
    api
      .listRecent({})
      .then((r) => setRecent(r.entries))
      .catch(() => setRecent([]));
    api
      .formats({})
      .then((r) => setFormats(r.formats))
      .catch(() => setFormats([]));
  }, [api]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = path.trim();
    if (!trimmed) return;
    if (!isAbsolutePathText(trimmed)) {
      onClearError();
      setPathProblem(relativePathProblem(trimmed));
      return;
    }
    setPathProblem(null);
    onOpen(trimmed, format || undefined);
  };

  const choose = async () => {
    try {
      const picked = await api.chooseDirectory({ title: 'Open a key-value store' });
      if (picked.path) onOpen(picked.path, format || undefined);
    } catch (err) {
      onError(asApiError(err).toJSON());
    }
  };

  return (
    <main className="open-screen">
      <div className="open-card">
        <h1>
          <span className="logo">kv</span>scope
        </h1>
        <p className="muted">Inspect log-structured key-value stores. Stores open read-only; nothing on disk changes until you switch to read-write.</p>
        {kind === 'electron' && (
          <button type="button" className="primary wide" onClick={choose} disabled={busy}>
            Open Directory…
          </button>
        )}
        <form className="open-form" onSubmit={submit}>
          <label htmlFor="open-path">Directory</label>
          <div className="row">
            <input
              id="open-path"
              className="mono"
              type="text"
              placeholder="/path/to/store"
              value={path}
              spellCheck={false}
              autoComplete="off"
              aria-invalid={pathProblem !== null}
              aria-describedby={pathProblem !== null ? 'open-path-problem' : undefined}
              onChange={(e) => {
                setPath(e.target.value);
                setPathProblem(null);
              }}
            />
            <button type="submit" className="primary" disabled={busy || path.trim() === ''}>
              {busy ? 'Opening…' : 'Open'}
            </button>
          </div>
          {pathProblem !== null && (
            <div id="open-path-problem" className="inline-error small" role="alert" aria-label="Path problem">
              {pathProblem}
            </div>
          )}
          <div className="format-row">
            <label htmlFor="open-format" className="small muted">
              Format
            </label>
            <select id="open-format" value={format} onChange={(e) => setFormat(e.target.value)}>
              <option value="">Detect automatically</option>
              {formats.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.title}
                  {f.writable ? '' : ' (read-only)'}
                </option>
              ))}
            </select>
          </div>
        </form>
        <section aria-label="Recent directories" className="recent">
          <h2>Recent</h2>
          {recent.length === 0 ? (
            <p className="muted small">No recent directories yet.</p>
          ) : (
            <ul>
              {recent.map((entry) => (
                <li key={entry.path}>
                  <button type="button" className="link mono" onClick={() => onOpen(entry.path)} disabled={busy}>
                    {entry.path}
                  </button>
                  <span className="muted small">
                    {entry.format ?? ''} · {new Date(entry.openedAt).toLocaleString()}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </main>
  );
}
