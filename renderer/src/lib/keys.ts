/** Keyboard helpers: shortcuts never fire while the user types into a field. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  const tag = t.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t.isContentEditable;
}

/** "1".."9" and "0" (= 10) → class index, else null. */
export function digitIndex(e: KeyboardEvent): number | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (/^Digit\d$/.test(e.code)) {
    const d = Number(e.code.slice(5));
    return d === 0 ? 9 : d - 1;
  }
  return null;
}
