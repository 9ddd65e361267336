/**
 * App-wide UI state (Svelte 5 runes). What must survive a reload (annotator, chosen label set,
 * viewer scales) is mirrored in localStorage: the workstation never loses a user's choices.
 */
import type { Input, LabelSetInfo, LabelSetName } from '../../../api/contract.ts';

export type RecordsQuery = Omit<Input<'records.list'>, 'offset' | 'limit'>;
import type { LayoutName } from './ecgGeometry.ts';

export type View = 'archive' | 'viewer' | 'review' | 'training' | 'models' | 'export';

const saved = <T>(key: string, fallback: T): T => {
  try {
    const raw = localStorage.getItem(`x3ecg.${key}`);
    return raw == null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
};
export const persist = (key: string, value: unknown) => {
  try {
    localStorage.setItem(`x3ecg.${key}`, JSON.stringify(value));
  } catch {
    /* storage full or disabled: the value still lives in memory */
  }
};

export const ui = $state({
  view: 'archive' as View,
  recordId: null as number | null,
  /** Records the user ticked in the archive (predict / export over a selection). */
  selected: [] as number[],
  /** The archive's current filter and the focused row, so the viewer can step to next/previous. */
  archiveQuery: {} as RecordsQuery,
  cursor: -1,
  labelSet: saved<LabelSetName>('labelSet', 'chapman4'),
  annotator: saved<string>('annotator', ''),
  labelSets: [] as LabelSetInfo[],
  /** Bumped when the archive changes (import, labels, predictions): views refetch. */
  archiveVersion: 0,
  viewer: saved('viewer', { layout: '3x4' as LayoutName, gain: 10, speed: 25, zoom: 1 }),
});

export function setAnnotator(name: string) {
  ui.annotator = name.trim();
  persist('annotator', ui.annotator);
}
export function setLabelSet(name: LabelSetName) {
  ui.labelSet = name;
  persist('labelSet', name);
}
export function saveViewer() {
  persist('viewer', ui.viewer);
}
export function openRecord(id: number, cursor?: number) {
  ui.recordId = id;
  if (cursor !== undefined) ui.cursor = cursor;
  ui.view = 'viewer';
}
export function classesOf(set: LabelSetName): string[] {
  return ui.labelSets.find((s) => s.name === set)?.classes ?? [];
}
export { saved };
