/** User-facing messages. Errors name what failed (file, record, call) and the back end's reason. */
import { errorText } from './format.ts';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  title: string;
  text: string;
}

export const notices = $state({ list: [] as Notice[] });
let next = 1;

export function notify(kind: Notice['kind'], title: string, text: string) {
  const n = { id: next++, kind, title, text };
  notices.list.push(n);
  if (kind === 'info') setTimeout(() => dismiss(n.id), 4000);
}
export function notifyError(what: string, e: unknown) {
  notify('error', what, errorText(e));
}
export function dismiss(id: number) {
  notices.list = notices.list.filter((n) => n.id !== id);
}
