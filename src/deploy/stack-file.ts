/**
 * Renders the stack file `docker stack deploy` reads, from the merged prod model (already interpolated by the compose
 * loader, `$` escaped as `$$`, so the manager's CLI re-interpolates nothing and both targets see the same values).
 * Pure: unit-tested as it is.
 *
 * What changes against the compose model: `build:` goes, the built services run the delivered image, secrets become
 * versioned external Docker secrets owned by the image's runtime user at 0400, every service gets a rolling update
 * that rolls back on failure, and keys Swarm cannot honour are dropped with a warning rather than ignored silently.
 */
import { stringify } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonMap = { [k: string]: Json };

export interface StackRenderInput {
  /** The merged model in `docker compose config --format json` shape (see `toComposeConfigJson`). */
  config: Record<string, unknown>;
  /** The image the built services run: `repo:1.2.3`, or `repo:1.2.3@sha256:…` when the digest is known. */
  image: string;
  buildServices: readonly string[];
  /** Compose secret name → the versioned external secret (`<stack>_<name>_<hash>`). */
  secretNames: Readonly<Record<string, string>>;
  runtimeUser: { uid: number; gid: number };
  version: string;
}

export interface RenderedStack {
  text: string;
  /** The stack's services, in file order. */
  services: string[];
  /** Services whose image is the delivered one (their tasks must run it after the deploy). */
  pinnedServices: string[];
  warnings: string[];
}

export const VERSION_LABEL = 'com.doongzi.deploy-action.version';

/** Keys the stack keeps as they are. Anything else is dropped (with a warning unless it is in SILENT). */
const KEEP = new Set([
  'image',
  'command',
  'entrypoint',
  'environment',
  'env_file',
  'healthcheck',
  'deploy',
  'labels',
  'networks',
  'user',
  'working_dir',
  'init',
  'stop_grace_period',
  'stop_signal',
  'read_only',
  'tmpfs',
  'ulimits',
  'logging',
  'cap_add',
  'cap_drop',
  'extra_hosts',
  'hostname',
  'dns',
  'dns_search',
  'sysctls',
  'volumes',
  'ports',
  'secrets',
]);
/** Dropped without a word: Swarm has its own form of them (restart, limits) or they mean nothing to a stack. */
const SILENT = new Set([
  'build',
  'restart',
  'depends_on',
  'container_name',
  'pull_policy',
  'expose',
  'cpus',
  'mem_limit',
  'mem_reservation',
]);

/** Go duration (`1m30s`, `500ms`, `2s`) to seconds; undefined when it does not parse. */
export function durationSeconds(v: Json | undefined): number | undefined {
  if (typeof v === 'number') return v / 1e9; // compose config prints nanoseconds for numbers
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let total = 0;
  let matched = '';
  for (const m of v.trim().matchAll(re)) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched += m[0];
  }
  return matched === v.trim() ? total : undefined;
}

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * How long Swarm watches each updated task before it calls the update a success: long enough for the healthcheck to
 * fail (interval × retries, plus the start period), 5 s to 60 s; 10 s without a healthcheck.
 */
export function monitorSeconds(healthcheck: Json | undefined): number {
  if (!isMap(healthcheck) || healthcheck['disable'] === true) return 10;
  const test = healthcheck['test'];
  if (Array.isArray(test) && test[0] === 'NONE') return 10;
  const interval = durationSeconds(healthcheck['interval']) ?? 30;
  const retries = typeof healthcheck['retries'] === 'number' ? healthcheck['retries'] : 3;
  const start = durationSeconds(healthcheck['start_period']) ?? 0;
  return Math.round(Math.min(60, Math.max(5, start + interval * retries)));
}

/** Host networking or host-mode published ports: two tasks cannot run side by side, so the update must stop first. */
function needsStopFirst(svc: JsonMap, networks: JsonMap): boolean {
  if (svc['network_mode'] === 'host') return true;
  if (Array.isArray(svc['ports']) && svc['ports'].some((p) => isMap(p) && p['mode'] === 'host')) return true;
  const nets = svc['networks'];
  const keys = Array.isArray(nets) ? nets.map(String) : isMap(nets) ? Object.keys(nets) : [];
  return keys.some((k) => {
    const n = networks[k];
    return k === 'host' || (isMap(n) && (n['name'] === 'host' || n['driver'] === 'host'));
  });
}

/** `/run/secrets/db_password` → `db_password`: Swarm mounts relative targets under /run/secrets. */
function secretTarget(target: Json | undefined, source: string): string {
  if (typeof target !== 'string' || target === '') return source;
  return target.startsWith('/run/secrets/') ? target.slice('/run/secrets/'.length) : target;
}

function renderService(
  name: string,
  svc: JsonMap,
  input: StackRenderInput,
  networks: JsonMap,
  warnings: string[],
): JsonMap {
  const out: JsonMap = {};
  const pinned = input.buildServices.includes(name);
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(svc)) {
    if (v === null) continue;
    if (KEEP.has(k)) out[k] = v;
    else if (!SILENT.has(k)) dropped.push(k);
  }
  if (dropped.length)
    warnings.push(
      `service ${name}: ${dropped.join(', ')} ${dropped.length > 1 ? 'are' : 'is'} not supported by docker stack deploy and left out of the stack`,
    );
  if (pinned) out['image'] = input.image;
  if (typeof out['image'] !== 'string') throw new Error(`service ${name} has no image to run in the stack`);

  if (Array.isArray(svc['volumes']) && svc['volumes'].some((v) => isMap(v) && v['type'] === 'bind')) {
    warnings.push(`service ${name}: bind mounts refer to paths on whichever node runs the task`);
  }

  // Secrets: versioned external names, owned by the image's runtime user, 0400.
  if (Array.isArray(svc['secrets'])) {
    out['secrets'] = svc['secrets'].map((s) => {
      const source = isMap(s) ? String(s['source']) : String(s);
      if (input.secretNames[source] === undefined) {
        throw new Error(`service ${name} uses the secret ${source}, which has no value (add it to the secrets input)`);
      }
      return {
        source,
        target: secretTarget(isMap(s) ? s['target'] : undefined, source),
        uid: String(input.runtimeUser.uid),
        gid: String(input.runtimeUser.gid),
        mode: 0o400,
      };
    });
  }

  // The environment is the compose files' own (interpolated); env files stay files, uploaded beside the stack file.
  const deploy: JsonMap = isMap(svc['deploy']) ? { ...svc['deploy'] } : {};
  for (const k of ['placement', 'resources'] as const)
    if (isMap(deploy[k]) && Object.keys(deploy[k]).length === 0) delete deploy[k];
  const resources = isMap(deploy['resources']) ? { ...deploy['resources'] } : {};
  for (const part of ['limits', 'reservations'] as const) {
    const r = resources[part];
    if (!isMap(r)) continue;
    // The 3.x schema takes cpus and memory as strings.
    const copy: JsonMap = { ...r };
    if (typeof copy['cpus'] === 'number') copy['cpus'] = String(copy['cpus']);
    if (typeof copy['memory'] === 'number') copy['memory'] = String(copy['memory']);
    resources[part] = copy;
  }
  // Service-level cpus / mem_limit, when deploy.resources does not say.
  const limits: JsonMap = isMap(resources['limits']) ? { ...resources['limits'] } : {};
  if (svc['cpus'] !== undefined && svc['cpus'] !== null && limits['cpus'] === undefined)
    limits['cpus'] = String(svc['cpus']);
  if (typeof svc['mem_limit'] === 'string' && limits['memory'] === undefined) limits['memory'] = svc['mem_limit'];
  if (Object.keys(limits).length) resources['limits'] = limits;
  if (Object.keys(resources).length) deploy['resources'] = resources;

  if (!isMap(deploy['restart_policy']) && typeof svc['restart'] === 'string') {
    const condition = svc['restart'] === 'no' ? 'none' : svc['restart'].startsWith('on-failure') ? 'on-failure' : 'any';
    deploy['restart_policy'] = { condition };
  }

  const order = needsStopFirst(svc, networks) ? 'stop-first' : 'start-first';
  const monitor = `${monitorSeconds(svc['healthcheck'])}s`;
  const userUpdate = isMap(deploy['update_config']) ? deploy['update_config'] : {};
  if (userUpdate['failure_action'] !== undefined && userUpdate['failure_action'] !== 'rollback') {
    warnings.push(
      `service ${name}: deploy.update_config.failure_action ${String(userUpdate['failure_action'])} is replaced by rollback`,
    );
  }
  if (userUpdate['order'] === 'start-first' && order === 'stop-first') {
    warnings.push(
      `service ${name}: update order start-first is not possible with host networking or host-mode ports; using stop-first`,
    );
  }
  deploy['update_config'] = {
    parallelism: 1,
    delay: '0s',
    monitor,
    max_failure_ratio: 0,
    ...userUpdate,
    order: order === 'stop-first' ? 'stop-first' : (userUpdate['order'] ?? 'start-first'),
    failure_action: 'rollback',
  };
  const userRollback = isMap(deploy['rollback_config']) ? deploy['rollback_config'] : {};
  deploy['rollback_config'] = {
    parallelism: 0,
    monitor,
    failure_action: 'pause',
    ...userRollback,
    order: order === 'stop-first' ? 'stop-first' : (userRollback['order'] ?? 'start-first'),
  };
  deploy['labels'] = { ...(isMap(deploy['labels']) ? deploy['labels'] : {}), [VERSION_LABEL]: input.version };
  out['deploy'] = deploy;
  return out;
}

export function renderStackFile(input: StackRenderInput): RenderedStack {
  const warnings: string[] = [];
  const config = input.config as JsonMap;
  const networks = isMap(config['networks']) ? config['networks'] : {};
  const services: JsonMap = {};
  const pinnedServices: string[] = [];
  for (const [name, svc] of Object.entries(isMap(config['services']) ? config['services'] : {})) {
    if (!isMap(svc)) continue;
    services[name] = renderService(name, svc, input, networks, warnings);
    if (input.buildServices.includes(name)) pinnedServices.push(name);
  }
  if (Object.keys(services).length === 0) throw new Error('the prod compose files declare no service');

  const out: JsonMap = { version: '3.9', services };
  if (Object.keys(networks).length) {
    out['networks'] = Object.fromEntries(
      Object.entries(networks).map(([k, v]) => {
        const n: JsonMap = isMap(v) ? { ...v } : {};
        if (isMap(n['ipam']) && Object.keys(n['ipam']).length === 0) delete n['ipam'];
        return [k, n];
      }),
    );
  }
  if (isMap(config['volumes'])) out['volumes'] = config['volumes'];
  const used = new Set(
    Object.values(services).flatMap((s) =>
      isMap(s) && Array.isArray(s['secrets']) ? s['secrets'].map((r) => String((r as JsonMap)['source'])) : [],
    ),
  );
  if (used.size) {
    out['secrets'] = Object.fromEntries(
      [...used].sort().map((n) => [n, { external: true, name: input.secretNames[n]! }]),
    );
  }
  if (isMap(config['configs']) && Object.keys(config['configs']).length) {
    warnings.push('top-level configs are not deployed to the stack (not supported by this action yet)');
  }
  const header = `# Written by deploy-action for docker stack deploy: release ${input.version}. Values are interpolated already ($$ is a literal $).\n`;
  return { text: header + stringify(out, { lineWidth: 0 }), services: Object.keys(services), pinnedServices, warnings };
}
