/**
 * Top-level `include:` as compose-go v2.0.2 applies it (loader/include.go ApplyInclude): each entry is loaded as a
 * project of its own (its files merged in order, with their own `extends` and `include`), interpolated with the
 * including project's environment overlaid by the entry's env files, its relative paths resolved against its
 * project directory; then its services, volumes, networks, secrets and configs are imported. A resource the
 * including file also defines must be identical, or Compose refuses the file. Every imported node keeps the origin
 * of the file that wrote it, so findings land in the included file.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { dotenvPath, dotenvToRecord, parseDotenv } from './dotenv.js';
import { readEnvFileText } from './env-files.js';
import { applyExtends } from './extends.js';
import type { Env } from './interpolate.js';
import { ComposeInputError } from './issues.js';
import { mergeRoot } from './merge.js';
import { get, isMap, isScalar, isSeq, type Origin, str, toPlain, type YMap, type YNode } from './tree.js';

/** Loads, interpolates (with `env`) and canonicalises one compose file. */
export type IncludeFileLoader = (file: string, env: Env, from?: Origin) => Promise<YMap | undefined>;

export interface IncludeContext {
  /** The including project's working directory: include paths and env files resolve against it. */
  workingDir: string;
  /** The including project's interpolation environment. */
  env: Env;
  repositoryRoot: string;
  /** The files whose includes are being applied, outermost first (an include of one of them is a cycle). */
  chain: readonly string[];
  load: IncludeFileLoader;
}

const IMPORTED = ['services', 'volumes', 'networks', 'secrets', 'configs'] as const;

interface IncludeEntry {
  paths: string[];
  projectDirectory: string;
  envFiles: string[];
  origin: Origin;
}

/** Applies the `include:` of one file's (extended) tree and returns the tree without it. */
export async function applyInclude(root: YMap, ctx: IncludeContext): Promise<YMap> {
  const include = root.entries.get('include');
  if (!include) return root;
  const out: YMap = { ...root, entries: new Map(root.entries) };
  out.entries.delete('include');
  if (isScalar(include.value) && include.value.value === null) return out;
  if (!isSeq(include.value)) throw new ComposeInputError('include must be a list', 'DA-CMP-010', include.keyOrigin);
  for (const item of include.value.items) {
    const entry = readEntry(item, ctx.workingDir);
    const main = entry.paths[0]!;
    if (ctx.chain.includes(main))
      throw new ComposeInputError(
        `include cycle detected: ${[...ctx.chain, main].join(' -> ')}`,
        'DA-CMP-010',
        entry.origin,
      );
    const env = await includeEnv(entry, ctx);
    let project: YMap | undefined;
    for (const file of entry.paths) {
      const tree = await ctx.load(file, env, entry.origin);
      if (!tree) continue;
      const load = (f: string, from: Origin) => ctx.load(f, env, from);
      const extended = await applyExtends(tree, file, load);
      const nested = await applyInclude(extended, {
        ...ctx,
        workingDir: entry.projectDirectory,
        env,
        chain: [...ctx.chain, main],
      });
      project = mergeRoot(project, nested);
    }
    if (project) importResources(keepBaseDir(project, entry.projectDirectory), out);
  }
  return out;
}

function readEntry(item: YNode, workingDir: string): IncludeEntry {
  const list = (n: YNode | undefined): string[] =>
    n === undefined ? [] : isSeq(n) ? n.items.flatMap((i) => str(i) ?? []) : [str(n) ?? ''].filter(Boolean);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(workingDir, p));
  const paths = (isMap(item) ? list(get(item, 'path')) : list(item)).map(abs);
  if (paths.length === 0) throw new ComposeInputError('an include entry needs a path', 'DA-CMP-010', item.origin);
  const dir = isMap(item) ? str(get(item, 'project_directory')) : undefined;
  return {
    paths,
    projectDirectory: dir ? abs(dir) : dirname(paths[0]!),
    envFiles: isMap(item) ? list(get(item, 'env_file')).map(abs) : [],
    origin: item.origin,
  };
}

/** The including environment overlaid by the entry's env files (by default its project directory's `.env`). */
async function includeEnv(entry: IncludeEntry, ctx: IncludeContext): Promise<Env> {
  const explicit = entry.envFiles.length > 0;
  const files = explicit ? entry.envFiles : [dotenvPath(resolve(entry.projectDirectory))];
  const env: Record<string, string | undefined> = { ...ctx.env };
  for (const file of files) {
    const text = await readEnvFileText(file, entry.origin, ctx.repositoryRoot);
    if (text === undefined) {
      if (explicit) throw new ComposeInputError(`include env_file ${file} not found`, 'DA-CMP-010', entry.origin);
      continue;
    }
    Object.assign(env, dotenvToRecord(parseDotenv(text, env)));
  }
  return env;
}

/** Relative paths of the included project resolve against its project directory, unless a deeper file set its own. */
function keepBaseDir(n: YMap, baseDir: string): YMap {
  const walk = (x: YNode): void => {
    if (x.origin.baseDir === undefined) x.origin = { ...x.origin, baseDir };
    if (isSeq(x)) x.items.forEach(walk);
    if (isMap(x))
      for (const e of x.entries.values()) {
        if (e.keyOrigin.baseDir === undefined) e.keyOrigin = { ...e.keyOrigin, baseDir };
        walk(e.value);
      }
  };
  walk(n);
  return n;
}

/** compose-go importResources: adds what the included project defines; a differing definition is a conflict. */
function importResources(source: YMap, target: YMap): void {
  for (const key of IMPORTED) {
    const from = get(source, key);
    if (!isMap(from)) continue;
    const existing = target.entries.get(key);
    const to: YMap = isMap(existing?.value)
      ? { ...existing.value, entries: new Map(existing.value.entries) }
      : { kind: 'map', origin: from.origin, entries: new Map() };
    for (const [name, e] of from.entries) {
      const conflict = to.entries.get(name);
      if (conflict) {
        if (isDeepStrictEqual(toPlain(conflict.value), toPlain(e.value))) continue;
        throw new ComposeInputError(
          `${key}.${name} conflicts with imported resource`,
          'DA-CMP-010',
          conflict.keyOrigin,
        );
      }
      to.entries.set(name, e);
    }
    target.entries.set(key, { key, keyOrigin: existing?.keyOrigin ?? from.origin, value: to });
  }
}
