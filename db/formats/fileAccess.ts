/** How parsers reach the files beside a record, so the parsing itself stays pure (tests pass in-memory files). */
export interface FileAccess {
  /** Size in bytes of `name` in the record's folder, or null when it does not exist. */
  size(name: string): number | null;
  /**
   * Bytes of `name` (only called after size() returned a number): all of them, or `length` bytes from `start`
   * (fewer when the file is shorter), so a parser never reads more than the header's sizes justify.
   */
  read(name: string, start?: number, length?: number): Uint8Array;
  /** The path to report for `name` in errors and provenance. */
  path(name: string): string;
}

/** A FileAccess over an in-memory map of file name → bytes. */
export function memoryFiles(files: Record<string, Uint8Array | string>): FileAccess {
  const enc = new TextEncoder();
  const get = (n: string) => {
    const v = Object.prototype.hasOwnProperty.call(files, n) ? files[n] : undefined;
    return typeof v === 'string' ? enc.encode(v) : v;
  };
  return {
    path: (n) => n,
    size: (n) => get(n)?.length ?? null,
    read: (n, start = 0, length = Infinity) => {
      const v = get(n);
      if (!v) throw new Error(`no such file ${n}`);
      return start === 0 && length >= v.length ? v : v.subarray(start, Math.min(v.length, start + length));
    },
  };
}
