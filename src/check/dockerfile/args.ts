/** A name an instruction can expand: declared by ARG (global or in the stage) or set by ENV. */
export interface ScopedValue {
  /** Undefined for `ARG NAME` with no default and no build-arg: only known when the image is built. */
  value: string | undefined;
  kind: 'arg' | 'env';
  /** Line of the ARG or ENV that set it. */
  line: number;
}

/** The names in scope at one instruction (BuildKit: stage ARGs and ENVs so far; global ARGs only in FROM). */
export type ArgScope = ReadonlyMap<string, ScopedValue>;

export interface Expansion {
  text: string;
  /** Names the text needs whose value is unknown before the build (no default, no build-arg, or undeclared). */
  unknown: string[];
  /** The declarations whose values went into the text. */
  used: Array<{ name: string } & ScopedValue>;
}

const REFERENCE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Expands `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alt}` as BuildKit does; an unset name is empty. */
export function expandWord(text: string, scope: ArgScope): Expansion {
  const unknown: string[] = [];
  const used: Expansion['used'] = [];
  const expanded = text.replace(
    REFERENCE,
    (_m, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare)!;
      const bound = scope.get(name);
      const value = bound?.value;
      if (value !== undefined && bound) used.push({ name, ...bound });
      // `${NAME:-word}` has a value whatever NAME is; anything else without one is only known at build time.
      else if (op !== '-') unknown.push(name);
      if (op === '-') return value ? value : (word ?? '');
      if (op === '+') return value ? (word ?? '') : '';
      return value ?? '';
    },
  );
  return { text: expanded, unknown, used };
}

/** Substitutes ARGs in a FROM line (name → value; an unset name becomes empty, like BuildKit). */
export function substituteArgs(text: string, args: ReadonlyMap<string, string | undefined>): string {
  const scope = new Map<string, ScopedValue>();
  for (const [name, value] of args) scope.set(name, { value, kind: 'arg', line: 0 });
  return expandWord(text, scope).text;
}
