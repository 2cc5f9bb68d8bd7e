import { formatCount } from '../format.js';
import type { JobState } from './StatsPanel.js';

/** A dialog's job under way: its phase, how far (of how many), and a bar; "starting" until its first progress. */
export function JobProgress({ job, label }: { job: JobState | null; label: string }) {
  const percent = job && job.total > 0 ? Math.round((job.done / job.total) * 100) : 0;
  return (
    <div className="job">
      <div className="job-label small">
        {job ? `${job.phase}: ${formatCount(job.done)} of ${formatCount(job.total)}` : 'starting'} · {job && job.total > 0 ? `${percent}%` : '…'}
      </div>
      <ProgressBar percent={percent} label={label} />
    </div>
  );
}

/** A bar filled to `percent` (0–100), a progressbar named `label` for a screen reader; every job's bar is one. */
export function ProgressBar({ percent, label, className }: { percent: number; label: string; className?: string }) {
  return (
    <div className={className ? `progress ${className}` : 'progress'} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
      <div className="progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}
