/**
 * What a deploy changes against the release live on the host, by name only: the image, each service's environment
 * keys (added, removed, changed value) and resource limits, and the secrets whose value rotated. The manifest keeps a
 * release's facts: environment values only as keyed hashes (the host's store key), so it never holds a value and
 * cannot be used to test guesses of one. A release written before this has no facts: only image and secrets compare.
 */
import { createHmac } from 'node:crypto';
import type { ReleaseManifest } from './manifest.js';
import type { PlacedSecret } from './secret-store.js';

export interface ServiceFacts {
  /** Environment key → keyed hash of its value (16 hex). */
  env: Record<string, string>;
  /** The service's limits as one printable line (`cpus=1 memory=536870912`), '' for none. */
  limits: string;
}
export type ReleaseFacts = Record<string, ServiceFacts>;

type JsonMap = Record<string, unknown>;
const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** Keys of another shape are left out of the facts on both sides (they reach the summary, which is markdown). */
const ENV_KEY = /^[A-Za-z0-9_.-]{1,200}$/;

function limitsLine(svc: JsonMap): string {
  const deploy = isMap(svc['deploy']) ? svc['deploy'] : {};
  const resources = isMap(deploy['resources']) ? deploy['resources'] : {};
  const parts: string[] = [];
  for (const part of ['limits', 'reservations'] as const) {
    const r = resources[part];
    if (!isMap(r)) continue;
    for (const k of Object.keys(r).sort()) if (typeof r[k] !== 'object') parts.push(`${part}.${k}=${String(r[k])}`);
  }
  for (const k of ['cpus', 'mem_limit', 'mem_reservation', 'pids_limit'])
    if (svc[k] !== undefined && svc[k] !== null) parts.push(`${k}=${String(svc[k])}`);
  return parts.join(' ').slice(0, 300);
}

/** The facts of a rendered model (the `composeConfig` of the plan), hashed with the host's store key. */
export function releaseFacts(config: Readonly<JsonMap>, key: Buffer): ReleaseFacts {
  const out: ReleaseFacts = {};
  for (const [name, svc] of Object.entries(isMap(config['services']) ? config['services'] : {})) {
    if (!isMap(svc) || !NAME.test(name)) continue;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(isMap(svc['environment']) ? svc['environment'] : {})) {
      if (v === null || !ENV_KEY.test(k)) continue;
      env[k] = createHmac('sha256', key)
        .update(`env\0${k}\0${String(v)}`)
        .digest('hex')
        .slice(0, 16);
    }
    out[name] = { env, limits: limitsLine(svc) };
  }
  return out;
}

/** The facts as the manifest holds them, held to the grammar `releaseFacts` writes; anything else is no facts. */
export function parseFacts(v: unknown): ReleaseFacts | undefined {
  if (!isMap(v) || Object.keys(v).length > 100) return undefined;
  const out: ReleaseFacts = {};
  for (const [name, f] of Object.entries(v)) {
    if (!NAME.test(name) || !isMap(f) || !isMap(f['env']) || typeof f['limits'] !== 'string') return undefined;
    if (!/^[\u0020-\u007e]{0,300}$/.test(f['limits'])) return undefined;
    const env = Object.entries(f['env']);
    if (
      env.length > 500 ||
      !env.every(([k, h]) => ENV_KEY.test(k) && typeof h === 'string' && /^[0-9a-f]{16}$/.test(h))
    )
      return undefined;
    out[name] = { env: Object.fromEntries(env) as Record<string, string>, limits: f['limits'] };
  }
  return out;
}

export interface NextRelease {
  /** `repo:1.2.3 sha256:…`, as the manifest's `image`. */
  image: string;
  facts: ReleaseFacts | undefined;
  placed: readonly PlacedSecret[];
}

/** One line per change, names only; empty when nothing differs (or there is no live release to compare with). */
export function releaseChanges(prev: ReleaseManifest | undefined, next: NextRelease): string[] {
  if (!prev) return [];
  const out: string[] = [];
  const [prevRef = '', prevId = ''] = prev.image.split(' ');
  const [ref = '', id = ''] = next.image.split(' ');
  if (prevId !== id || prevRef !== ref)
    out.push(`image: ${prevRef || '(unknown)'} → ${ref}${prevId === id ? ' (same image id)' : ''}`);
  const before = prev.facts;
  if (before && next.facts) {
    for (const svc of [...new Set([...Object.keys(before), ...Object.keys(next.facts)])].sort()) {
      const a = before[svc];
      const b = next.facts[svc];
      if (!a || !b) {
        out.push(`service ${svc}: ${a ? 'removed' : 'added'}`);
        continue;
      }
      const keys = [...new Set([...Object.keys(a.env), ...Object.keys(b.env)])].sort();
      const added = keys.filter((k) => a.env[k] === undefined);
      const removed = keys.filter((k) => b.env[k] === undefined);
      const changed = keys.filter((k) => a.env[k] !== undefined && b.env[k] !== undefined && a.env[k] !== b.env[k]);
      const env = [
        ...(added.length ? [`added ${added.join(', ')}`] : []),
        ...(changed.length ? [`changed ${changed.join(', ')}`] : []),
        ...(removed.length ? [`removed ${removed.join(', ')}`] : []),
      ];
      if (env.length) out.push(`service ${svc} environment: ${env.join('; ')}`);
      if (a.limits !== b.limits) out.push(`service ${svc} limits: ${a.limits || '(none)'} → ${b.limits || '(none)'}`);
    }
  } else if (next.facts) {
    out.push('environment and limits: the live release records none to compare with');
  }
  if (prev.secretFiles) {
    const had = new Map(prev.secretFiles.map((f) => [f.slice(0, f.lastIndexOf('.')), f]));
    const rotated = next.placed.filter((p) => had.has(p.name) && had.get(p.name) !== p.fileName).map((p) => p.name);
    const added = next.placed.filter((p) => !had.has(p.name)).map((p) => p.name);
    if (rotated.length) out.push(`secrets rotated: ${rotated.join(', ')}`);
    if (added.length) out.push(`secrets added: ${added.join(', ')}`);
  }
  return out;
}

/** The compose host's part: the facts to record in the new manifest and the change lines for its summary. */
export function compareWithLive(
  model: Readonly<JsonMap> | undefined,
  key: Buffer,
  live: ReleaseManifest | undefined,
  image: string,
  placed: readonly PlacedSecret[],
): { changes: string[]; manifestFacts: { facts?: ReleaseFacts } } {
  const facts = model ? releaseFacts(model, key) : undefined;
  return { changes: releaseChanges(live, { image, facts, placed }), manifestFacts: facts ? { facts } : {} };
}
