/**
 * Long work (imports, predictions, training, pruning) runs as jobs: each has an id, pushes progress
 * events to the UI, can be cancelled, and ends done / failed / cancelled. The registry only keeps
 * state and forwards events; the work itself runs in workers (models/jobs, app/importJob.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ApiEvent, JobInfo, JobProgress } from '../api/contract.ts';

export interface JobContext {
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

export class JobRegistry {
  private readonly jobs = new Map<string, { info: JobInfo; abort: AbortController; lastEmit: number }>();

  constructor(private readonly emit: (e: ApiEvent) => void) {}

  start(kind: string, run: (ctx: JobContext) => Promise<unknown>): string {
    const jobId = `${kind}-${randomUUID().slice(0, 8)}`;
    const entry = { info: { jobId, kind, state: 'running', progress: null } as JobInfo, abort: new AbortController(), lastEmit: 0 };
    this.jobs.set(jobId, entry);
    this.emit({ type: 'job', job: { ...entry.info } });
    const ctx: JobContext = {
      signal: entry.abort.signal,
      progress: (p) => {
        entry.info.progress = p;
        // Throttle to ~20 events/s; epoch ends and phase changes always go out.
        const now = Date.now();
        if (now - entry.lastEmit > 50 || p.done === p.total || p.epoch !== undefined) {
          entry.lastEmit = now;
          this.emit({ type: 'job', job: { ...entry.info } });
        }
      },
    };
    run(ctx).then(
      (result) => this.finish(entry, entry.abort.signal.aborted ? 'cancelled' : 'done', result),
      (err: unknown) => this.finish(entry, entry.abort.signal.aborted ? 'cancelled' : 'failed', undefined, err instanceof Error ? err.message : String(err)),
    );
    return jobId;
  }

  private finish(entry: { info: JobInfo }, state: JobInfo['state'], result?: unknown, error?: string) {
    entry.info.state = state;
    if (result !== undefined) entry.info.result = result;
    if (error !== undefined) entry.info.error = error;
    this.emit({ type: 'job', job: { ...entry.info } });
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }

  get(jobId: string): JobInfo | undefined {
    const j = this.jobs.get(jobId);
    return j ? { ...j.info } : undefined;
  }

  cancel(jobId: string): JobInfo {
    const j = this.jobs.get(jobId);
    if (!j) throw Object.assign(new Error(`no job ${jobId}`), { code: 'not_found' });
    if (j.info.state === 'running') j.abort.abort();
    return { ...j.info };
  }

  /** Resolves when the job ends (for the CLI and tests). */
  wait(jobId: string): Promise<JobInfo> {
    return new Promise((ok) => {
      const tick = () => {
        const j = this.get(jobId);
        if (!j || j.state !== 'running') ok(j!);
        else setTimeout(tick, 25);
      };
      tick();
    });
  }

  cancelAll(): void {
    for (const j of this.jobs.values()) if (j.info.state === 'running') j.abort.abort();
  }
}
