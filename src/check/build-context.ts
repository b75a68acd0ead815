/**
 * What `.dockerignore` must keep out of this build context: only what is there or what Compose points at, so
 * DA-DF-005 does not demand `secrets/` of a project that has no secrets directory.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ComposeModel } from '../compose/model.js';
import type { ContextProbe } from './dockerfile/rules/context.js';

/** Templates committed on purpose, next to the real `.env`. */
const DOTENV_TEMPLATES = new Set(['.env.example', '.env.sample', '.env.template', '.env.dist']);

/** The pattern to suggest for a context path: the seed's patterns where they cover it, else the path itself. */
function patternFor(rel: string): string {
  if (rel === '.env') return '.env';
  if (/^\.env\.[^/]+$/.test(rel)) return '.env.*';
  if (rel.startsWith('secrets/')) return 'secrets/';
  return rel;
}

const inside = (file: string, dir: string) => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : undefined;
};

/** Context entries that must be excluded, each with why: `.git` always; `.env*` and `secrets/` when present or referenced. */
export async function contextProbes(context: string, model: ComposeModel | undefined): Promise<ContextProbe[]> {
  const probes: ContextProbe[] = [];
  const add = (rel: string, why: string) => probes.push({ path: rel, pattern: patternFor(rel), why });
  let entries: Array<{ name: string; dir: boolean }> = [];
  try {
    entries = (await readdir(context, { withFileTypes: true })).map((e) => ({ name: e.name, dir: e.isDirectory() }));
  } catch {
    // An unreadable context fails the build with its own error; demand the usual patterns meanwhile.
    entries = [
      { name: '.env', dir: false },
      { name: '.env.prod', dir: false },
      { name: 'secrets', dir: true },
    ];
  }
  for (const e of entries) {
    if (e.name === '.env' || (e.name.startsWith('.env.') && !DOTENV_TEMPLATES.has(e.name)))
      add(e.name, `${e.name} is in the build context`);
  }
  if (entries.some((e) => e.name === 'secrets' && e.dir)) {
    const files = await readdir(path.join(context, 'secrets')).catch(() => [] as string[]);
    for (const f of files.length ? files.slice(0, 50) : ['x']) add(`secrets/${f}`, 'the build context has secrets/');
  }
  for (const secret of Object.values(model?.secrets ?? {})) {
    const rel = secret.resolvedFile && inside(secret.resolvedFile, context);
    if (rel) add(rel, `compose secret '${secret.name}' is the file ${rel}`);
  }
  for (const service of model?.services ?? []) {
    for (const envFile of service.envFiles) {
      const rel = inside(envFile.resolvedPath, context);
      if (rel) add(rel, `compose service '${service.name}' reads env_file ${rel}`);
    }
  }
  probes.push({ path: '.git/config', pattern: '.git', why: '' });
  return probes;
}
