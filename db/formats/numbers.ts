/** Strict number parsing for text formats: the whole token must be a finite number (no NaN, no "12abc"). */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

export function parseDecimal(token: string): number | null {
  if (!DECIMAL.test(token)) return null;
  const v = Number(token);
  return Number.isFinite(v) ? v : null;
}

/** A safe integer (|v| < 2^53), or null. */
export function parseInteger(token: string): number | null {
  if (!INTEGER.test(token)) return null;
  const v = Number(token);
  return Number.isSafeInteger(v) ? v : null;
}

/** Decodes UTF-8 strictly; null when the bytes are not valid UTF-8. A leading BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    return null;
  }
}
