import type { SessionInfo, StatsResponse } from '../../../shared/contract.js';
import { formatBytes, formatCount } from '../format.js';

export function StatusBar({ session, stats }: { session: SessionInfo; stats: StatsResponse | null }) {
  return (
    // The footer stays the page's contentinfo landmark; its figures are a status (a role the footer itself cannot take).
    <footer>
      <div className="status-bar" role="status" aria-label="Store status">
        <span className="mono status-path" title={session.path}>
          {session.path}
        </span>
        <span title={session.detection.reason}>
          format <b>{session.format}</b>
        </span>
        <span>
          <b>{formatCount(stats?.keys ?? session.keyCount)}</b> {(stats?.keys ?? session.keyCount) === 1 ? 'key' : 'keys'}
        </span>
        <span>
          <b>{stats ? formatCount(stats.segments) : '…'}</b> {stats?.segments === 1 ? 'segment' : 'segments'}
        </span>
        <span>
          <b>{stats ? formatBytes(stats.totalBytes) : '…'}</b>
        </span>
        <span className={session.readOnly ? 'badge' : 'badge badge-warn'}>{session.readOnly ? 'read-only' : 'read-write'}</span>
      </div>
    </footer>
  );
}
