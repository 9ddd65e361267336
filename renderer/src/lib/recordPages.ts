/**
 * Page cache for the archive's virtualised table: rows are fetched 200 at a time through
 * records.list (offset/limit) as they scroll into view, so 10^5 rows cost what one screen costs.
 */
import type { RecordRow } from '../../../api/contract.ts';
import { api } from './apiClient.ts';
import type { RecordsQuery } from './state.svelte.ts';

export const PAGE = 200;
const MAX_PAGES = 60;

export class RecordPages {
  private pages = new Map<number, RecordRow[]>();
  private inflight = new Map<number, Promise<void>>();
  total = 0;
  constructor(
    readonly query: RecordsQuery,
    private readonly changed: () => void,
    private readonly failed: (e: unknown) => void,
  ) {}

  row(i: number): RecordRow | undefined {
    return this.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  }

  /** Makes sure rows [from, to) are loaded or loading. */
  want(from: number, to: number): void {
    for (let p = Math.floor(from / PAGE); p <= Math.floor(Math.max(from, to - 1) / PAGE); p++) void this.load(p);
  }

  load(page: number): Promise<void> {
    if (this.pages.has(page)) return Promise.resolve();
    const running = this.inflight.get(page);
    if (running) return running;
    const job = api
      .call('records.list', { ...this.query, offset: page * PAGE, limit: PAGE })
      .then((r) => {
        this.total = r.total;
        this.pages.set(page, r.rows);
        // Keep memory flat while someone scrolls through 10^5 rows.
        if (this.pages.size > MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
        this.changed();
      }, this.failed)
      .finally(() => this.inflight.delete(page));
    this.inflight.set(page, job);
    return job;
  }

  /** All ids matching the query (for "predict over all matching"). */
  async allIds(): Promise<number[]> {
    const ids: number[] = [];
    for (let offset = 0; ; offset += 1000) {
      const r = await api.call('records.list', { ...this.query, offset, limit: 1000 });
      ids.push(...r.rows.map((x) => x.id));
      if (r.rows.length < 1000 || ids.length >= r.total) return ids;
    }
  }
}
