/**
 * How the stack a deploy would hand to `docker stack deploy` differs from the live release's, per service of the
 * parsed YAML (not the text: the header and key order say nothing about what Swarm would do). The release label
 * every service carries is left out, since it changes with every version; an env file whose content changes, and a
 * secret whose versioned name changes, change the services that use them although their lines do not.
 */
import { parse } from 'yaml';
import { VERSION_LABEL } from '../stack-file.js';
import type { HostPlan } from './host-plan.js';

type Map_ = Record<string, unknown>;

const isMap = (v: unknown): v is Map_ => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Stable JSON (sorted keys), so two parses of equal YAML compare equal. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isMap(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export interface ParsedStack {
  services: Map<string, Map_>;
  /** Top-level `secrets:`, `networks:`, `volumes:`. */
  top: Record<'secrets' | 'networks' | 'volumes', Map_>;
}

/** A stack file's text, parsed; a problem (never the text) when it is not one. */
export function parseStack(text: string): ParsedStack | { problem: string } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return { problem: `it does not parse as YAML (${(e as Error).message.split('\n')[0]})` };
  }
  if (!isMap(doc) || !isMap(doc['services'])) return { problem: 'it has no services mapping' };
  const services = new Map<string, Map_>();
  for (const [name, svc] of Object.entries(doc['services'])) services.set(name, isMap(svc) ? svc : {});
  const part = (k: string): Map_ => (isMap(doc[k]) ? doc[k] : {});
  return { services, top: { secrets: part('secrets'), networks: part('networks'), volumes: part('volumes') } };
}

/** The service without the release label every deploy sets anew. */
function withoutReleaseLabel(svc: Map_): Map_ {
  const deploy = isMap(svc['deploy']) ? { ...svc['deploy'] } : undefined;
  if (!deploy) return svc;
  if (isMap(deploy['labels'])) {
    const labels = { ...deploy['labels'] };
    delete labels[VERSION_LABEL];
    if (Object.keys(labels).length) deploy['labels'] = labels;
    else delete deploy['labels'];
  }
  return { ...svc, deploy };
}

const secretSources = (svc: Map_): string[] =>
  Array.isArray(svc['secrets']) ? svc['secrets'].map((s) => String(isMap(s) ? s['source'] : s)) : [];
const envFilesOf = (svc: Map_): string[] =>
  Array.isArray(svc['env_file'])
    ? svc['env_file'].map(String)
    : typeof svc['env_file'] === 'string'
      ? [svc['env_file']]
      : [];

/** What makes one service's spec differ: its own keys, the versioned secrets it mounts, the env files it reads. */
function serviceChanges(
  name: string,
  next: ParsedStack,
  live: ParsedStack,
  changedEnvFiles: ReadonlySet<string>,
): string[] {
  const a = withoutReleaseLabel(next.services.get(name)!);
  const b = withoutReleaseLabel(live.services.get(name)!);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out = keys.filter((k) => stable(a[k]) !== stable(b[k]));
  for (const s of secretSources(a)) {
    if (stable(next.top.secrets[s]) !== stable(live.top.secrets[s])) out.push(`secret ${s}`);
  }
  for (const f of envFilesOf(a)) if (changedEnvFiles.has(f)) out.push(`env file ${f}`);
  return [...new Set(out)];
}

export interface StackDiff {
  services: HostPlan['services'];
  notes: string[];
}

/**
 * `next`: the stack file the deploy would upload; `live`: the live release's (undefined when there is none);
 * `running`: the stack's services as Swarm lists them, without the `<stack>_` prefix (a release file can be missing
 * while the services run).
 */
export function diffStack(opts: {
  next: string;
  live: string | undefined;
  changedEnvFiles: ReadonlySet<string>;
  running: readonly string[];
}): StackDiff {
  const next = parseStack(opts.next);
  if ('problem' in next) throw new Error(`the rendered stack file: ${next.problem}`);
  const notes: string[] = [];
  let live: ParsedStack | undefined;
  if (opts.live !== undefined) {
    const parsed = parseStack(opts.live);
    if ('problem' in parsed) notes.push(`the live release's stack file cannot be compared: ${parsed.problem}`);
    else live = parsed;
  } else if (opts.running.length) {
    notes.push('the live release has no stack file to compare: its running services are counted as updated');
  }
  const services: HostPlan['services'] = [];
  for (const name of next.services.keys()) {
    if (live?.services.has(name)) {
      const changed = serviceChanges(name, next, live, opts.changedEnvFiles);
      services.push(
        changed.length
          ? { service: name, action: 'update', detail: changed.join(', ') }
          : { service: name, action: 'unchanged' },
      );
    } else if (opts.running.includes(name)) {
      services.push({ service: name, action: 'update', detail: 'not in the live stack file' });
    } else services.push({ service: name, action: 'create' });
  }
  // `docker stack deploy --prune` removes the stack's services the new file no longer has.
  const gone = new Set([...(live?.services.keys() ?? []), ...opts.running].filter((n) => !next.services.has(n)));
  for (const name of [...gone].sort()) services.push({ service: name, action: 'remove' });
  if (live) {
    for (const k of ['networks', 'volumes'] as const) {
      if (stable(next.top[k]) !== stable(live.top[k])) notes.push(`the stack's top-level ${k} change`);
    }
  }
  return { services, notes };
}
