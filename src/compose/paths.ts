/**
 * Paths into a compose document, as compose-go's `tree.Path` spells them: keys joined by dots, `[]` for any item of
 * a list, and a `*` in a pattern for any one key or item. Compose keeps its per-path behaviour (casts, canonical
 * forms, merge specials, unique keys) in tables keyed by such patterns; ours mirror them.
 */
export type Path = readonly string[];

/** The segment a list item adds to a path (compose-go `tree.PathMatchList`). */
export const LIST_ITEM = '[]';

/** compose-go: tree/path.go Matches — same length, each pattern segment `*` or equal. */
export function matchesPath(path: Path, pattern: string): boolean {
  const parts = pattern.split('.');
  if (parts.length !== path.length) return false;
  return parts.every((p, i) => p === '*' || p === path[i]);
}

/** The value of the first table entry whose pattern matches `path`. */
export function lookupPath<T>(table: ReadonlyArray<readonly [string, T]>, path: Path): T | undefined {
  for (const [pattern, value] of table) if (matchesPath(path, pattern)) return value;
  return undefined;
}

export function pathText(path: Path): string {
  return path.join('.');
}
