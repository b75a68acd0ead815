/**
 * Shell text quoted by construction. `sh\`mkdir -p ${dir}\`` single-quotes every interpolation; an array becomes a
 * list of quoted words; only a value wrapped in `raw(...)` (or another `sh` fragment) goes in as written. Integers go
 * in bare (they cannot carry shell syntax); any other number is refused.
 */

const TEXT = Symbol('shell text');

/** Shell text that is already safe: the result of `sh` or `raw`. */
export interface ShText {
  readonly [TEXT]: string;
  toString(): string;
}

function text(s: string): ShText {
  return { [TEXT]: s, toString: () => s };
}

/** Marks text that goes into a script as written: shell syntax the script itself owns, never a value from outside. */
export function raw(s: string): ShText {
  return text(s);
}

export function isShText(v: unknown): v is ShText {
  return typeof v === 'object' && v !== null && TEXT in v;
}

/** Single-quote for POSIX sh: the only character special inside single quotes is the quote itself. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export type ShValue = string | number | ShText | readonly (string | number | ShText)[];

function word(v: string | number | ShText): string {
  if (isShText(v)) return v[TEXT];
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`sh: ${v} is not an integer`);
    return String(v);
  }
  return shQuote(v);
}

function render(v: ShValue): string {
  if (Array.isArray(v)) return (v as readonly (string | number | ShText)[]).map(word).join(' ');
  return word(v as string | number | ShText);
}

export function sh(strings: TemplateStringsArray, ...values: ShValue[]): ShText {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return text(out);
}

/** Lines of a script, one command per line. */
export function lines(...parts: Array<ShText | false | undefined>): ShText {
  return text(
    parts
      .filter((p): p is ShText => isShText(p))
      .map((p) => p[TEXT])
      .join('\n'),
  );
}

/**
 * One field of a docker CSV option (`--mount`): docker reads the value with a CSV reader, so a field holding `,`,
 * `"`, a line break or a leading space must be double-quoted with `"` doubled. Always quoting is valid CSV.
 */
export function csvField(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** `--mount` value of a bind mount, with each field CSV-quoted (the path may hold `,`, `"`, `:` or spaces). */
export function bindMount(source: string, target: string, readonly = false): string {
  return [
    csvField('type=bind'),
    csvField(`source=${source}`),
    csvField(`target=${target}`),
    ...(readonly ? ['readonly'] : []),
  ].join(',');
}
