import type { ApiErrorShape } from '../../../shared/errors.js';

const TITLES: Record<string, string> = {
  NOT_FOUND: 'Not found',
  NOT_A_DIRECTORY: 'Not a directory',
  NOT_A_STORE: 'Not a key-value store',
  LOCKED: 'Store is locked by another writer',
  READ_ONLY: 'Store is read-only',
  NOT_WRITABLE: 'Format is read-only',
  CORRUPT: 'Corrupt record',
  BAD_REQUEST: 'Invalid request',
  IO: 'Input/output error',
  FORMAT_VERSION: 'Unsupported format version',
  NO_SESSION: 'Store is not open',
  ABORTED: 'Cancelled',
  BUSY: 'Busy',
};

export function ErrorBanner({ error, onDismiss }: { error: ApiErrorShape; onDismiss: () => void }) {
  const title = TITLES[error.code] ?? 'Something went wrong';
  // A job the user cancelled did what was asked: said as a status, not raised as an error.
  const cancelled = error.code === 'ABORTED';
  return (
    <div className={cancelled ? 'error-banner cancelled-banner' : 'error-banner'} role={cancelled ? 'status' : 'alert'}>
      <div>
        <strong>{title}</strong> {!cancelled && <code className="error-code">{error.code}</code>}
        <div className="error-message">{error.message}</div>
      </div>
      <button type="button" className="ghost" onClick={onDismiss} aria-label="Dismiss error">
        ×
      </button>
    </div>
  );
}
