import { format } from 'node:path';
import { interpolate, type Env } from './interpolate.js';

export interface DotenvEntry {
  key: string;
  /** Undefined for a bare `KEY` line whose value the lookup environment does not have. */
  value: string | undefined;
  /** 1-based line of the key. */
  line: number;
}

/**
 * Parses an env file the way Compose does: `KEY=VALUE` lines, optional `export `, `#` comments, single quotes
 * literal, double quotes with escapes and `${VAR}` expansion, unquoted values trimmed with expansion and ` #`
 * comments cut. `lookup` resolves variables not defined earlier in the file, and bare `KEY` lines.
 */
export function parseDotenv(text: string, lookup: Env = {}): DotenvEntry[] {
  const entries: DotenvEntry[] = [];
  const seen: Record<string, string | undefined> = {};
  const env = new Proxy({}, { get: (_t, k: string) => (k in seen ? seen[k] : lookup[k]) }) as Env;
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const nl = src.indexOf('\n', i);
    const end = nl < 0 ? src.length : nl;
    const raw = src.slice(i, end);
    const startLine = line;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i = end + 1;
      line++;
      continue;
    }
    const m = /^\s*(?:export\s+)?([^=\s#]+)\s*(=)?\s*/.exec(raw);
    if (!m) {
      i = end + 1;
      line++;
      continue;
    }
    const key = m[1]!;
    if (!m[2]) {
      const v = lookup[key];
      entries.push({ key, value: v, line: startLine });
      i = end + 1;
      line++;
      continue;
    }
    let pos = i + m[0].length;
    const q = src[pos];
    let value: string;
    if (q === '"' || q === "'") {
      let j = pos + 1;
      let body = '';
      while (j < src.length && src[j] !== q) {
        if (q === '"' && src[j] === '\\' && j + 1 < src.length) {
          const e = src[j + 1]!;
          body +=
            e === 'n'
              ? '\n'
              : e === 't'
                ? '\t'
                : e === 'r'
                  ? '\r'
                  : e === '"' || e === '\\' || e === '$'
                    ? e === '$'
                      ? '$$'
                      : e
                    : `\\${e}`;
          j += 2;
          continue;
        }
        // The run up to the next quote, backslash or newline goes in as one slice (see interpolate.ts).
        let k = j;
        while (k < src.length && src[k] !== q && src[k] !== '\\' && src[k] !== '\n') k++;
        if (k === j) {
          if (src[j] === '\n') line++;
          k = j + 1;
        }
        body += src.slice(j, k);
        j = k;
      }
      value = q === '"' ? safeExpand(body, env) : body;
      pos = j + 1;
      const rest = src.indexOf('\n', pos);
      i = rest < 0 ? src.length : rest + 1;
    } else {
      let v = src.slice(pos, end);
      const hash = v.search(/\s#/);
      if (hash >= 0) v = v.slice(0, hash);
      value = safeExpand(v.trim(), env);
      i = end + 1;
    }
    line++;
    seen[key] = value;
    entries.push({ key, value, line: startLine });
  }
  return entries;
}

function safeExpand(v: string, env: Env): string {
  try {
    return interpolate(v, env).value;
  } catch {
    return v;
  }
}

export function dotenvToRecord(entries: readonly DotenvEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) if (e.value !== undefined) out[e.key] = e.value;
  return out;
}

/**
 * The `.env` file of a directory. Built with path.format so the bundler does not mistake it for an asset to copy
 * into dist/ (ncc globs files named in `resolve(dir, '.env')`).
 */
export function dotenvPath(dir: string): string {
  return format({ dir, base: '.env' });
}
