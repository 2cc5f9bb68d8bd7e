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
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
