/** Live job state from the back end's pushed events: every long job shows progress and can be cancelled. */
import type { JobInfo } from '../../../api/contract.ts';
import { api } from './apiClient.ts';
import { ui } from './state.svelte.ts';
import { notifyError } from './notify.svelte.ts';

export const jobs = $state({ byId: {} as Record<string, JobInfo>, order: [] as string[] });

/** Per job: every progress update seen, for the training curves (events carry one epoch each). */
const history = new Map<string, JobInfo['progress'][]>();
const listeners = new Set<(job: JobInfo) => void>();

function upsert(job: JobInfo) {
  if (!jobs.byId[job.jobId]) jobs.order.unshift(job.jobId);
  jobs.byId[job.jobId] = job;
  if (job.progress) {
    const h = history.get(job.jobId) ?? [];
    h.push(job.progress);
    history.set(job.jobId, h);
  }
  for (const l of listeners) l(job);
}

export function progressHistory(jobId: string) {
  return history.get(jobId) ?? [];
}

export function onJob(cb: (job: JobInfo) => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

export function startJobFeed() {
  api.onEvent((e) => {
    if (e.type === 'job') {
      upsert(e.job);
      if (e.job.state !== 'running') ui.archiveVersion++;
    } else if (e.type === 'archive.changed') ui.archiveVersion++;
  });
  api.call('jobs.list', {}).then(
    (list) => list.forEach(upsert),
    () => {},
  );
}

/** Resolves with the job's final state; rejects if it failed (message names the reason). */
export function waitForJob(jobId: string): Promise<JobInfo> {
  return new Promise((ok) => {
    const check = (j: JobInfo) => {
      if (j.jobId === jobId && j.state !== 'running') {
        off();
        ok(j);
      }
    };
    const off = onJob(check);
    const known = jobs.byId[jobId];
    if (known) check(known);
    // Events can race the call's reply; poll once in a while as a safety net.
    const poll = setInterval(() => {
      if (!listeners.has(check)) return clearInterval(poll);
      api.call('jobs.list', {}).then((l) => l.filter((j) => j.jobId === jobId).forEach(upsert), () => {});
    }, 3000);
  });
}

export async function cancelJob(jobId: string) {
  try {
    upsert(await api.call('jobs.cancel', { jobId }));
  } catch (e) {
    notifyError(`Cancel ${jobId}`, e);
  }
}

export function jobLabel(kind: string): string {
  return ({ import: 'Import', predict: 'Prediction', train: 'Training', prune: 'Pruning', export: 'Export', demo: 'Demo archive' } as Record<string, string>)[kind] ?? kind;
}
