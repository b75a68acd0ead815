/**
 * Compose's variable interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}`, `${VAR?message}`, `${VAR:+replacement}`, `${VAR+replacement}`, with nested templates in the
 * default/replacement part. A `$` followed by anything else is kept literally, as Compose does; `${` that does not
 * form a valid template is an error.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly kind: 'required' | 'invalid',
  ) {
    super(message);
    this.name = 'InterpolationError';
  }
}

export interface InterpolationResult {
  value: string;
  /** Variables referenced, set or not (for findings such as `PASSWORD: ${DB_PASSWORD}`). */
  variables: string[];
  /** Variables used without default while unset (Compose warns and uses an empty string). */
  unset: string[];
}

const NAME_START = /[_a-zA-Z]/;
const NAME_CHAR = /[_a-zA-Z0-9]/;

export function interpolate(template: string, env: Env): InterpolationResult {
  const variables: string[] = [];
  const unset: string[] = [];
  const value = expand(template, env, variables, unset);
  return { value, variables, unset };
}

function expand(s: string, env: Env, variables: string[], unset: string[]): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    // Copy the run up to the next `$` as one slice: per-character concatenation of a multi-MB value builds a rope of
    // one-character strings (tens of bytes of heap per input byte).
    const dollar = s.indexOf('$', i);
    if (dollar !== i) {
      const end = dollar < 0 ? s.length : dollar;
      out += s.slice(i, end);
      i = end;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < s.length && NAME_CHAR.test(s[j]!)) j++;
      const name = s.slice(i + 1, j);
      variables.push(name);
      const v = env[name];
      if (v === undefined) unset.push(name);
      out += v ?? '';
      i = j;
      continue;
    }
    if (next === '{') {
      const close = matchingBrace(s, i + 1);
      if (close < 0) throw new InterpolationError(`invalid interpolation format in "${s}": unclosed "\${"`, 'invalid');
      out += substitute(s.slice(i + 2, close), s, env, variables, unset);
      i = close + 1;
      continue;
    }
    // A lone `$` is literal in Compose.
    out += '$';
    i++;
  }
  return out;
}

/** Index of the `}` closing the `{` at `open`, honouring nested `${...}`. */
function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '$' && s[i + 1] === '$') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function substitute(body: string, whole: string, env: Env, variables: string[], unset: string[]): string {
  const m = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?)([-?+])([\s\S]*))?$/.exec(body);
  if (!m) throw new InterpolationError(`invalid interpolation format in "${whole}": "\${${body}}"`, 'invalid');
  const name = m[1]!;
  variables.push(name);
  const value = env[name];
  const op = m[3];
  if (op === undefined) {
    if (value === undefined) unset.push(name);
    return value ?? '';
  }
  const colon = m[2] === ':';
  const arg = m[4] ?? '';
  const missing = colon ? value === undefined || value === '' : value === undefined;
  switch (op) {
    case '-':
      return missing ? expand(arg, env, variables, unset) : (value ?? '');
    case '+':
      return missing ? '' : expand(arg, env, variables, unset);
    default: {
      if (!missing) return value ?? '';
      const msg = expand(arg, env, variables, unset);
      throw new InterpolationError(`required variable ${name} is missing a value${msg ? `: ${msg}` : ''}`, 'required');
    }
  }
}
