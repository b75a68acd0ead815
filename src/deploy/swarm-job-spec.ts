/**
 * The swarm hook's job, read from the rendered stack file itself (what `docker stack deploy` reads), so the job gets
 * what the stack's task gets: the hook service's env files and environment, its secrets as the stack mounts them
 * (the versioned name, the same target, uid, gid and mode), its mounts, networks, user, working dir and init, under
 * the names `docker stack deploy` gives them (`<stack>_<key>` unless `name:` says otherwise). Pure: unit-tested.
 *
 * Not taken: ports (a one-off must not publish the service's ports), network aliases (the job must not answer to
 * the service's DNS name), healthcheck, resources, placement and the update settings (a job runs once).
 */
import { parse } from 'yaml';
import { csvField } from './remote/sh.js';
import type { SwarmJob } from './remote/scripts/swarm-job.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonMap = { [k: string]: Json };

export interface JobSpecInput {
  stackText: string;
  stack: string;
  service: string;
  image: string;
  argv: readonly string[];
  releaseAbs: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  resolveImage: boolean;
  registry?: { server: string; username?: string };
}

const STACK_NAMESPACE = 'com.docker.stack.namespace';

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The stack file escapes `$` as `$$` for the CLI's interpolation; `docker service create` interpolates nothing. */
function literal(v: Json | undefined): string {
  return String(v).replace(/\$\$/g, '$');
}

/** A word as `--entrypoint` splits it (shell words): single-quoted, a quote itself written `'\''`. */
function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The name `docker stack deploy` gives a network or volume: its `name:`, else `<stack>_<key>` (external: the key). */
function scoped(stack: string, key: string, def: Json | undefined): { name: string; external: boolean } {
  const external = isMap(def) && (def['external'] === true || isMap(def['external']));
  if (isMap(def) && typeof def['name'] === 'string') return { name: def['name'], external };
  if (isMap(def) && isMap(def['external']) && typeof def['external']['name'] === 'string') {
    return { name: def['external']['name'], external };
  }
  return { name: external ? key : `${stack}_${key}`, external };
}

function secrets(svc: JsonMap, top: JsonMap, service: string): string[] {
  const refs = Array.isArray(svc['secrets']) ? svc['secrets'] : [];
  return refs.map((r) => {
    const ref = isMap(r) ? r : { source: r };
    const source = String(ref['source']);
    const def = top[source];
    if (!isMap(def) || typeof def['name'] !== 'string') {
      throw new Error(`service ${service}: the secret ${source} is not declared in the stack file`);
    }
    const mode = typeof ref['mode'] === 'number' ? `0${ref['mode'].toString(8)}` : '0400';
    return [
      `source=${def['name']}`,
      `target=${literal(ref['target'] ?? source)}`,
      ...(ref['uid'] !== undefined ? [`uid=${String(ref['uid'])}`] : []),
      ...(ref['gid'] !== undefined ? [`gid=${String(ref['gid'])}`] : []),
      `mode=${mode}`,
    ]
      .map(csvField)
      .join(',');
  });
}

function mount(v: Json, stack: string, volumes: JsonMap, service: string): string {
  if (!isMap(v) || typeof v['target'] !== 'string') {
    throw new Error(`service ${service}: a volume without a target in the stack file: ${JSON.stringify(v)}`);
  }
  const type = String(v['type'] ?? 'volume');
  const fields = [`type=${type}`];
  const readonly = v['read_only'] === true;
  if (type === 'bind') {
    fields.push(`source=${literal(v['source'])}`);
    const bind = v['bind'];
    if (isMap(bind) && typeof bind['propagation'] === 'string') fields.push(`bind-propagation=${bind['propagation']}`);
  } else if (type === 'volume') {
    if (typeof v['source'] === 'string' && v['source'] !== '') {
      const key = v['source'];
      const def = volumes[key];
      const { name, external } = scoped(stack, key, def);
      fields.push(`source=${literal(name)}`);
      if (!external) {
        // Labelled as the stack labels it, so the volume the job may create first is the stack's own.
        fields.push(`volume-label=${STACK_NAMESPACE}=${stack}`);
        if (isMap(def) && typeof def['driver'] === 'string') fields.push(`volume-driver=${def['driver']}`);
        if (isMap(def) && isMap(def['driver_opts'])) {
          for (const [k, o] of Object.entries(def['driver_opts'])) fields.push(`volume-opt=${k}=${literal(o)}`);
        }
      }
    }
    if (isMap(v['volume']) && v['volume']['nocopy'] === true) fields.push('volume-nocopy=true');
  } else if (type === 'tmpfs') {
    const t = v['tmpfs'];
    if (isMap(t) && t['size'] !== undefined) fields.push(`tmpfs-size=${String(t['size'])}`);
  } else {
    throw new Error(`service ${service}: a ${type} mount cannot be given to the hook's Swarm job`);
  }
  fields.push(`target=${literal(v['target'])}`);
  if (readonly) fields.push('readonly=true');
  return fields.map(csvField).join(',');
}

function environment(svc: JsonMap): string[] {
  const env = svc['environment'];
  if (Array.isArray(env)) return env.filter((e) => typeof e === 'string' && e.includes('=')).map(literal);
  if (!isMap(env)) return [];
  return Object.entries(env)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${literal(v)}`);
}

function envFiles(svc: JsonMap): string[] {
  const files = svc['env_file'];
  const list = Array.isArray(files) ? files : typeof files === 'string' ? [files] : [];
  return list.map((f) => literal(isMap(f) ? f['path'] : f));
}

export function swarmJobSpec(i: JobSpecInput): SwarmJob {
  const doc: unknown = parse(i.stackText);
  const services = isMap(doc) && isMap(doc['services']) ? doc['services'] : {};
  const svc = services[i.service];
  if (!isMap(svc)) {
    throw new Error(
      `hook-service ${i.service} is not a service of the stack (they are ${Object.keys(services).join(', ')})`,
    );
  }
  const top = (k: string): JsonMap => (isMap(doc) && isMap(doc[k]) ? doc[k] : {});
  const nets = top('networks');
  const svcNets = svc['networks'];
  const keys = Array.isArray(svcNets) ? svcNets.map(String) : isMap(svcNets) ? Object.keys(svcNets) : ['default'];
  const resolved = keys.map((k) => scoped(i.stack, k, nets[k]));
  const entry = svc['entrypoint'];
  const entrypoint = Array.isArray(entry)
    ? entry.map((w) => shellWord(literal(w))).join(' ')
    : typeof entry === 'string'
      ? literal(entry)
      : undefined;
  return {
    releaseAbs: i.releaseAbs,
    name: i.name,
    image: i.image,
    argv: i.argv,
    labels: i.labels,
    envFiles: envFiles(svc),
    env: environment(svc),
    secrets: secrets(svc, top('secrets'), i.service),
    mounts: (Array.isArray(svc['volumes']) ? svc['volumes'] : []).map((v) =>
      mount(v, i.stack, top('volumes'), i.service),
    ),
    networks: resolved.filter((n) => n.external).map((n) => n.name),
    stackNetworks: resolved.filter((n) => !n.external).map((n) => n.name),
    ...(typeof svc['user'] === 'string' ? { user: literal(svc['user']) } : {}),
    ...(typeof svc['working_dir'] === 'string' ? { workdir: literal(svc['working_dir']) } : {}),
    ...(entrypoint !== undefined ? { entrypoint } : {}),
    ...(svc['init'] === true ? { init: true } : {}),
    resolveImage: i.resolveImage,
    ...(i.registry ? { registry: i.registry } : {}),
  };
}
