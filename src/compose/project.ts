/**
 * Projects the merged model onto the JSON that `docker compose config --format json --no-normalize` prints, so the
 * merge can be compared with Docker Compose's own. Only the shape changes here (short syntaxes printed long,
 * sizes in bytes, env files folded into `environment`); the values are the merge's.
 */
import { readEnvFileText } from './env-files.js';
import { dotenvToRecord, parseDotenv } from './dotenv.js';
import type { ComposeModel, ServiceModel } from './model.js';
import { parseMode, resolveComposePath } from './values.js';
import { dropOmittedFalse, projectDevice } from './project-fields.js';
import { parseBytes, parseShortVolume } from './syntax.js';
import { get, isMap, isScalar, isSeq, toPlain, type YMap, type YNode } from './tree.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export async function toComposeConfigJson(model: ComposeModel): Promise<Record<string, Json>> {
  const out: Record<string, Json> = { name: model.projectName };
  const used = {
    secrets: new Set<string>(),
    configs: new Set<string>(),
    volumes: new Set<string>(),
    networks: new Set<string>(),
  };
  const services: Record<string, Json> = {};
  for (const svc of model.services) {
    services[svc.name] = await projectService(svc, model);
    for (const kind of ['secrets', 'configs'] as const) {
      const refs = get(svc.node, kind);
      if (isSeq(refs))
        for (const r of refs.items) used[kind].add(isScalar(r) ? String(r.value) : String(toPlain(get(r, 'source'))));
    }
    for (const v of svc.volumes) if (v.type === 'volume' && v.source) used.volumes.add(v.source);
    const nets = get(svc.node, 'networks');
    if (isMap(nets)) for (const k of nets.entries.keys()) used.networks.add(k);
    else if (get(svc.node, 'network_mode') === undefined) used.networks.add('default');
  }
  const networks = get(model.root, 'networks');
  if (isMap(networks)) {
    const n: Record<string, Json> = {};
    for (const [k, e] of networks.entries) {
      if (!used.networks.has(k)) continue;
      const v = (isMap(e.value) ? plainMap(e.value) : {}) as Record<string, Json>;
      if (!('ipam' in v)) v['ipam'] = {};
      if (isMap(get(e.value, 'labels'))) v['labels'] = labelMap(get(e.value, 'labels'));
      n[k] = v;
    }
    out['networks'] = n;
  }
  for (const kind of ['secrets', 'configs'] as const) {
    const defs = get(model.root, kind);
    if (!isMap(defs)) continue;
    const o: Record<string, Json> = {};
    for (const [k, e] of defs.entries) {
      // Compose drops secrets and configs no service uses.
      if (!used[kind].has(k)) continue;
      const v = (isMap(e.value) ? plainMap(e.value) : {}) as Record<string, Json>;
      const f = get(e.value, 'file');
      if (isScalar(f) && f.value !== null) v['file'] = resolveComposePath(String(f.value), f.origin, model.projectDir);
      o[k] = v;
    }
    if (Object.keys(o).length) out[kind] = o;
  }
  out['services'] = services;
  const volumes = get(model.root, 'volumes');
  if (isMap(volumes)) {
    const o: Record<string, Json> = {};
    for (const [k, e] of volumes.entries) {
      if (!used.volumes.has(k)) continue;
      const v = (isMap(e.value) ? plainMap(e.value) : {}) as Record<string, Json>;
      if (isMap(get(e.value, 'labels'))) v['labels'] = labelMap(get(e.value, 'labels'));
      o[k] = v;
    }
    if (Object.keys(o).length) out['volumes'] = o;
  }
  for (const [k, e] of model.root.entries) if (k.startsWith('x-')) out[k] = toPlain(e.value) as Json;
  dropOmittedFalse(out);
  return escapeDollars(out) as Record<string, Json>;
}

/** Compose prints `$` as `$$` so that its output loads again without re-interpolation. */
function escapeDollars(j: Json): Json {
  if (typeof j === 'string') return j.replace(/\$/g, '$$$$');
  if (Array.isArray(j)) return j.map(escapeDollars);
  if (j && typeof j === 'object') return Object.fromEntries(Object.entries(j).map(([k, v]) => [k, escapeDollars(v)]));
  return j;
}

function plainMap(m: YMap): Record<string, Json> {
  return toPlain(m) as Record<string, Json>;
}

function labelMap(n: YNode | undefined): Record<string, Json> {
  const o: Record<string, Json> = {};
  if (isMap(n))
    for (const [k, e] of n.entries) o[k] = isScalar(e.value) && e.value.value !== null ? String(e.value.value) : '';
  return o;
}

const STRINGS = [
  'image',
  'user',
  'restart',
  'network_mode',
  'pid',
  'ipc',
  'hostname',
  'working_dir',
  'container_name',
  'platform',
  'stop_signal',
  'pull_policy',
];
const BYTES = ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'];

async function projectService(svc: ServiceModel, model: ComposeModel): Promise<Record<string, Json>> {
  const node = svc.node;
  const o: Record<string, Json> = {};
  for (const [k, e] of node.entries) {
    const v = e.value;
    switch (k) {
      case 'command':
      case 'entrypoint':
        o[k] =
          isScalar(v) && v.value !== null
            ? shellSplit(String(v.value))
            : isSeq(v)
              ? v.items.map((i) => scalarString(i))
              : null;
        break;
      case 'environment':
      case 'env_file':
        break;
      case 'labels':
      case 'annotations':
      case 'sysctls':
        o[k] = labelMap(v);
        break;
      case 'ports':
        o[k] = svc.ports.map((p) => {
          const r: Record<string, Json> = { mode: p.mode, target: p.target, protocol: p.protocol };
          if (p.hostIp !== undefined) r['host_ip'] = p.hostIp;
          if (p.published !== undefined) r['published'] = p.published;
          return r;
        });
        break;
      case 'volumes':
        o[k] = isSeq(v) ? v.items.map((i) => projectVolume(i, model)) : [];
        break;
      case 'secrets':
      case 'configs':
        o[k] = isSeq(v)
          ? v.items.map((i) => {
              if (isScalar(i))
                return {
                  source: String(i.value),
                  target: k === 'secrets' ? `/run/secrets/${String(i.value)}` : `/${String(i.value)}`,
                };
              const r = plainMap(i as YMap);
              // Compose prints the default mount path of a long-syntax entry without a target.
              if (r['target'] === undefined && typeof r['source'] === 'string')
                r['target'] = k === 'secrets' ? `/run/secrets/${r['source']}` : `/${r['source']}`;
              if (get(i, 'mode') !== undefined) r['mode'] = parseMode(get(i, 'mode')) ?? null;
              return r;
            })
          : [];
        break;
      case 'extra_hosts': {
        // Compose keeps extra hosts as a host -> addresses map and prints it sorted by host.
        const hosts = new Map<string, string[]>();
        for (const i of isSeq(v) ? v.items : []) {
          const s = scalarString(i);
          const m = /^([^=:]+)[=:](.*)$/.exec(s);
          const [h, ip] = m ? [m[1]!, m[2]!] : [s, ''];
          hosts.set(h, [...(hosts.get(h) ?? []), ip]);
        }
        o[k] = [...hosts.keys()].sort().flatMap((h) => hosts.get(h)!.map((ip) => `${h}=${ip}`));
        break;
      }
      case 'devices':
        o[k] = isSeq(v) ? v.items.map(projectDevice) : [];
        break;
      case 'expose':
        o[k] = isSeq(v) ? v.items.map(scalarString) : [];
        break;
      case 'cpus':
        o[k] = Number(scalarString(v));
        break;
      case 'healthcheck': {
        const h = plainMap(v as YMap);
        const t = get(v, 'test');
        if (isScalar(t) && t.value !== null) h['test'] = ['CMD-SHELL', String(t.value)];
        o[k] = h;
        break;
      }
      case 'deploy': {
        const d = plainMap(v as YMap);
        const lim = get(get(v, 'resources'), 'limits');
        const res = get(get(v, 'resources'), 'reservations');
        for (const [name, n] of [
          ['limits', lim],
          ['reservations', res],
        ] as const) {
          if (!isMap(n)) continue;
          const r = (d['resources'] as Record<string, Record<string, Json>>)[name]!;
          if (get(n, 'cpus') !== undefined) r['cpus'] = Number(scalarString(get(n, 'cpus')));
          if (get(n, 'memory') !== undefined) r['memory'] = String(parseBytes(scalarString(get(n, 'memory'))));
        }
        if (isMap(get(v, 'labels'))) d['labels'] = labelMap(get(v, 'labels'));
        if (!('placement' in d)) d['placement'] = {};
        if (!('resources' in d)) d['resources'] = {};
        o[k] = d;
        break;
      }
      case 'build': {
        const b = plainMap(v as YMap);
        if (svc.build) b['context'] = svc.build.resolvedContext;
        if (isMap(get(v, 'args'))) b['args'] = labelMap(get(v, 'args'));
        if (isMap(get(v, 'labels'))) b['labels'] = labelMap(get(v, 'labels'));
        o[k] = b;
        break;
      }
      default:
        if (STRINGS.includes(k)) o[k] = scalarString(v);
        else if (BYTES.includes(k)) o[k] = String(parseBytes(scalarString(v)));
        else o[k] = toPlain(v) as Json;
    }
  }
  if (!('command' in o)) o['command'] = null;
  if (!('entrypoint' in o)) o['entrypoint'] = null;

  // Compose folds env files into the environment; `environment` wins over them.
  const env: Record<string, Json> = {};
  for (const f of svc.envFiles) {
    const text = await readEnvFileText(f.resolvedPath, f.origin, model.repositoryRoot).catch(() => undefined);
    if (text === undefined) continue;
    Object.assign(env, dotenvToRecord(parseDotenv(text, model.env)));
  }
  for (const e of svc.environment) env[e.key] = e.value === null ? (model.env[e.key] ?? null) : e.value;
  if (Object.keys(env).length || get(node, 'environment') !== undefined) o['environment'] = env;
  return o;
}

function projectVolume(i: YNode, model: ComposeModel): Json {
  if (isScalar(i)) {
    const p = parseShortVolume(String(i.value));
    const r: Record<string, Json> = { type: p.type, target: p.target };
    if (p.source !== undefined)
      r['source'] = p.type === 'bind' ? resolveComposePath(p.source, i.origin, model.projectDir) : p.source;
    if (p.readOnly) r['read_only'] = true;
    if (p.type === 'bind') r['bind'] = { create_host_path: true };
    else r['volume'] = p.options.includes('nocopy') ? { nocopy: true } : {};
    return r;
  }
  const r = toPlain(i) as Record<string, Json>;
  const src = get(i, 'source');
  if (r['type'] === 'bind' && isScalar(src) && src.value !== null)
    r['source'] = resolveComposePath(String(src.value), src.origin, model.projectDir);
  return r;
}

function scalarString(n: YNode | undefined): string {
  return isScalar(n) && n.value !== null ? String(n.value) : '';
}

/** POSIX-ish word splitting as Compose applies to string `command`/`entrypoint` (go-shellwords). */
export function shellSplit(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      q = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}
