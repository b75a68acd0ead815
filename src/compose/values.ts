/** Reading scalar values from the merged tree as Compose reads them (paths, typed values, secret modes). */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Located } from './model.js';
import { isScalar, type Origin, type YNode } from './tree.js';

/** Resolves a path written in a compose file the way Compose does (project directory, or the extended file's). */
export function resolveComposePath(written: string, origin: Origin, projectDir: string): string {
  if (written === '~' || written.startsWith('~/')) return resolve(homedir(), written.slice(2));
  if (isAbsolute(written)) return written;
  return resolve(origin.baseDir ?? projectDir, written);
}

export function located(n: YNode | undefined): Located<string> | undefined {
  if (!isScalar(n) || n.value === null) return undefined;
  const l: Located<string> = { value: String(n.value), origin: n.origin };
  if (n.raw !== undefined) l.raw = n.raw;
  return l;
}

/**
 * A value Compose reads as a boolean or number. The loader already cast the strings Compose casts (typecast.ts),
 * so only a typed scalar counts; `raw` keeps the text as written (`${PRIV}`, `yes`).
 */
export function locatedTyped<T extends boolean | number>(
  n: YNode | undefined,
  type: 'boolean' | 'number',
): Located<T> | undefined {
  if (!isScalar(n) || typeof n.value !== type) return undefined;
  const l: Located<T> = { value: n.value as T, origin: n.origin };
  const written = n.raw ?? n.castFrom;
  if (written !== undefined) l.raw = written;
  return l;
}

export const isTrue = (n: YNode | undefined): boolean => isScalar(n) && n.value === true;

/**
 * A secret/config `mode` as Docker Compose 2.26 reads it: YAML `0400` (and `0o400`) is octal 256; a quoted string
 * was cast by the loader with Go's Atoi (typecast.ts), so `"0400"` is decimal 400 (= 0620). A string left here is
 * one Compose would refuse: NaN.
 */
export function parseMode(n: YNode | undefined): number | undefined {
  if (!isScalar(n) || n.value === null) return undefined;
  if (typeof n.value === 'number') return n.value;
  const s = String(n.value).trim();
  return /^[-+]?\d+$/.test(s) ? parseInt(s, 10) : NaN;
}
