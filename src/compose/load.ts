import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { repositoryRootOf } from '../util/read-text.js';
import { dotenvPath, dotenvToRecord, parseDotenv } from './dotenv.js';
import { checkEnvFiles, readEnvFileText } from './env-files.js';
import { applyExtends } from './extends.js';
import { applyInclude } from './include.js';
import { interpolate, InterpolationError, type Env } from './interpolate.js';
import { ComposeInputError, type Issue } from './issues.js';
import { canonicalizeFile } from './canonical.js';
import { mergeRoot } from './merge.js';
import { type ParsedFile, parseComposeFile } from './parse.js';
import { schemaIssues } from './schema.js';
import { castFile } from './typecast.js';
import { isMap, isSeq, type Origin, type YMap, type YNode } from './tree.js';

export const TOP_LEVEL_KEYS = new Set([
  'version',
  'name',
  'include',
  'services',
  'networks',
  'volumes',
  'secrets',
  'configs',
]);

export interface LoadOptions {
  cwd: string;
  /** Compose files in `-f` order, relative to cwd or absolute. */
  files: readonly string[];
  /** The process environment; it wins over the project `.env`. */
  env: Env;
  /** No file outside it is read (default: the workspace or git checkout around cwd). */
  repositoryRoot?: string;
}

export interface LoadResult {
  /** The merged tree; undefined when a file could not be read or merged. */
  root: YMap | undefined;
  files: string[];
  /** The first file's directory, as Compose uses it. */
  projectDir: string;
  projectName: string;
  /** What interpolation saw: the project `.env` under the process environment. */
  env: Record<string, string | undefined>;
  /** Absolute path of the project `.env`, when it exists. */
  dotenvFile?: string;
  /** Where every file the check reads must resolve. */
  repositoryRoot: string;
  issues: Issue[];
}

/** Loads and merges compose files the way `docker compose -f A -f B` does, keeping positions. */
export async function loadCompose(opts: LoadOptions): Promise<LoadResult> {
  const files = opts.files.map((f) => (isAbsolute(f) ? f : resolve(opts.cwd, f)));
  const projectDir = files[0] ? dirname(files[0]) : opts.cwd;
  const repositoryRoot = opts.repositoryRoot ?? repositoryRootOf(opts.cwd);
  const issues: Issue[] = [];
  const env: Record<string, string | undefined> = {};
  let dotenvFile: string | undefined;
  let failed = files.length === 0;
  try {
    const file = dotenvPath(resolve(projectDir));
    const text = await readEnvFileText(file, { file, line: 1, column: 1 }, repositoryRoot);
    if (text !== undefined) {
      dotenvFile = file;
      Object.assign(env, dotenvToRecord(parseDotenv(text, opts.env)));
    }
  } catch (e) {
    if (!(e instanceof ComposeInputError)) throw e;
    issues.push({ ruleId: e.ruleId, message: e.message, origin: e.origin! });
    failed = true;
  }
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;

  const loadOne = async (file: string, fileEnv: Env, from?: Origin): Promise<YMap | undefined> => {
    let parsed: ParsedFile;
    try {
      parsed = await parseComposeFile(file, repositoryRoot);
    } catch (e) {
      if (e instanceof ComposeInputError && from && e.ruleId === 'DA-CMP-001')
        throw new ComposeInputError(`extended or included file ${file}: ${e.message}`, 'DA-CMP-010', from);
      throw e;
    }
    if (!parsed.root) return undefined;
    checkTopLevel(parsed.root, issues);
    // Compose validates the file as written, before interpolation; a violation is reported and the check goes on.
    issues.push(...schemaIssues(parsed.root));
    const before = issues.length;
    const interpolated = interpolateTree(parsed.root, fileEnv, issues) as YMap;
    // A failed interpolation already names the value; casting its empty stand-in would only add a second error.
    const typed = issues.length === before ? castFile(interpolated) : interpolated;
    return canonicalizeFile(typed);
  };

  let merged: YMap | undefined;
  for (const file of files) {
    try {
      const root = await loadOne(file, env);
      if (!root) continue;
      const extended = await applyExtends(root, file, (f, from) => loadOne(f, env, from));
      const included = await applyInclude(extended, {
        workingDir: projectDir,
        env,
        repositoryRoot,
        chain: [file],
        load: loadOne,
      });
      if (!failed) merged = mergeRoot(merged, included);
    } catch (e) {
      if (!(e instanceof ComposeInputError)) throw e;
      issues.push({ ruleId: e.ruleId, message: e.message, origin: e.origin ?? { file, line: 1, column: 1 } });
      failed = true;
    }
  }
  if (!failed && !merged) merged = { kind: 'map', origin: { file: files[0]!, line: 1, column: 1 }, entries: new Map() };
  if (!failed && merged) {
    const refused = await checkEnvFiles(merged, projectDir, repositoryRoot);
    issues.push(...refused);
    if (refused.length) failed = true;
  }
  const nameNode = merged?.entries.get('name')?.value;
  const projectName = normalizeProjectName(
    env['COMPOSE_PROJECT_NAME'] ??
      (nameNode && nameNode.kind === 'scalar' && nameNode.value !== null
        ? String(nameNode.value)
        : basename(projectDir)),
  );
  return { root: failed ? undefined : merged, files, projectDir, projectName, env, dotenvFile, repositoryRoot, issues };
}

function normalizeProjectName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

function checkTopLevel(root: YMap, issues: Issue[]): void {
  for (const [k, e] of root.entries) {
    if (TOP_LEVEL_KEYS.has(k) || k.startsWith('x-')) continue;
    issues.push({
      ruleId: 'DA-CMP-006',
      message: `unknown top-level key "${k}" (Compose accepts ${[...TOP_LEVEL_KEYS].join(', ')} and x-* extensions)`,
      origin: e.keyOrigin,
    });
  }
  for (const k of ['services', 'networks', 'volumes', 'secrets', 'configs']) {
    const v = root.entries.get(k)?.value;
    if (v && !isMap(v) && !(v.kind === 'scalar' && v.value === null))
      throw new ComposeInputError(`top-level "${k}" must be a mapping`, 'DA-CMP-010', v.origin);
  }
}

/** Interpolates every string value (not keys), as Compose does per file before merging. */
export function interpolateTree(n: YNode, env: Env, issues: Issue[]): YNode {
  if (isMap(n)) {
    const m: YMap = { ...n, entries: new Map() };
    for (const [k, e] of n.entries) m.entries.set(k, { ...e, value: interpolateTree(e.value, env, issues) });
    return m;
  }
  if (isSeq(n)) return { ...n, items: n.items.map((i) => interpolateTree(i, env, issues)) };
  if (typeof n.value !== 'string' || !n.value.includes('$')) return n;
  try {
    const r = interpolate(n.value, env);
    return { ...n, value: r.value, raw: n.value };
  } catch (e) {
    if (!(e instanceof InterpolationError)) throw e;
    issues.push({ ruleId: e.kind === 'required' ? 'DA-CMP-007' : 'DA-CMP-008', message: e.message, origin: n.origin });
    return { ...n, value: '', raw: n.value };
  }
}
