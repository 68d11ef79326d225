/**
 * The template helpers, as plain functions (render.ts registers them with Handlebars). Names
 * they produce end up in Azure resource names, so `slug` only ever emits [a-z0-9] and the
 * separator, and `hash`/`suffix` only [a-z0-9].
 */
import { createHash, randomInt } from 'node:crypto';

export function lower(value: string): string {
  return value.toLowerCase();
}

/** Letters that NFKD does not decompose into an ASCII base letter plus accents. */
const foldMap: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', þ: 'th', ı: 'i' };

/**
 * Azure-safe: accents folded (é -> e), lowercase, every run of other characters becomes one
 * `separator` ("-" by default; "" for ACR names, which allow no dashes), no separator at
 * either end, at most `max` characters. Never empty ("x"), so a name built from it keeps its shape.
 */
export function slug(value: string, max = 63, separator = '-'): string {
  if (!['-', '_', ''].includes(separator)) throw new Error(`slug: sep must be "-", "_" or "" (got ${JSON.stringify(separator)}).`);
  const folded = value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\u0000-\u007f]/g, (c) => foldMap[c] ?? ' ');
  const collapsed = folded.replace(/[^a-z0-9]+/g, separator);
  const trim = (s: string) => (separator ? s.replace(new RegExp(`^\\${separator}+|\\${separator}+$`, 'g'), '') : s);
  const result = trim(trim(collapsed).slice(0, Math.max(1, max)));
  return result || 'x';
}

/** The first `length` characters (whole code points, so an accent is never cut in half). */
export function truncate(value: string, length: number): string {
  return [...value].slice(0, Math.max(0, length)).join('');
}

/**
 * Short, stable: the same subscription and attendee id give the same hash on every machine and
 * every re-run, so a name built from it never changes under a run (and two attendees differ).
 */
export function stableHash(subscription: string, attendeeId: string, length = 6): string {
  const digest = createHash('sha256').update(`${subscription.toLowerCase()}/${attendeeId}`).digest();
  // Base 36 of the first 8 bytes: denser than hex for the same name budget.
  const text = BigInt(`0x${digest.subarray(0, 8).toString('hex')}`)
    .toString(36)
    .padStart(13, '0');
  return text.slice(0, clampLength(length, 13, 'hash'));
}

export const SUFFIX_LENGTH = 8;
const suffixAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Drawn once per attendee and saved in DIR/workshop.yaml (workshop-file.ts); `{{suffix N}}` takes N of it. */
export function drawSuffix(): string {
  let text = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) text += suffixAlphabet[randomInt(suffixAlphabet.length)];
  return text;
}

export function suffixOf(saved: string, length = 4): string {
  return saved.slice(0, clampLength(length, SUFFIX_LENGTH, 'suffix'));
}

function clampLength(length: number, max: number, helper: string): number {
  if (!Number.isInteger(length) || length < 1 || length > max)
    throw new Error(`${helper}: length must be a whole number from 1 to ${max} (got ${length}).`);
  return length;
}
