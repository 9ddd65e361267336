/**
 * The services both shells share: the archive (db/) and the model engine (models/) behind the
 * typed API's handlers. Shells only wire transports to `handlers`; no SQL or tensors here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type ApiEvent, type Method } from '../api/contract.ts';
import type { Handlers } from './dispatch.ts';
import { projectRoot } from './paths.ts';

export interface ServicesOptions {
  archivePath: string;
  transport: 'electron' | 'web';
  emit: (event: ApiEvent) => void;
}

export interface Services {
  handlers: Handlers;
  close(): Promise<void>;
}

const version: string = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version;

export async function createServices(opts: ServicesOptions): Promise<Services> {
  const notYet = (m: Method) => () => {
    throw new ApiError('internal', `${m} is not available in this build`);
  };
  const handlers = Object.fromEntries(
    (Object.keys((await import('../api/contract.ts')).methods) as Method[]).map((m) => [m, notYet(m)]),
  ) as unknown as Handlers;
  handlers['app.info'] = () => ({
    version,
    archivePath: opts.archivePath,
    records: 0,
    backend: { inference: 'none', training: 'none' },
    demoAvailable: true,
    transport: opts.transport,
  });
  return { handlers, close: async () => {} };
}
