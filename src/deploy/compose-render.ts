/**
 * The one compose file the compose target uploads: the merged prod model the check judged, interpolated on the runner
 * (`$` already escaped as `$$` by the projection), so `docker compose` on the host interpolates nothing and a variable
 * set only there cannot change what runs. The pinning override (images, the secret store's files and labels) stays
 * a second `-f` file. Pure: unit-tested as it is.
 *
 * What changes against the model: `build:` goes (the host never builds), `name:` is the project name, and paths
 * inside the project are made relative to the release root, where the file is written (the release keeps the
 * project's layout, so `./deploy/data` on the host is what `./data` beside `deploy/docker-compose.yml` was).
 */
import path from 'node:path';
import { stringify } from 'yaml';

type JsonMap = Record<string, unknown>;

/** Written at the release root: Compose's project directory is the first file's, and env_file paths are root-relative. */
export const RENDERED_COMPOSE_FILE = 'docker-compose.deploy-action.rendered.yml';

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A path the loader resolved on the runner → the same path in the release: inside `root` it becomes `./rel`;
 * anything else (an absolute path on the host, `/var/lib/app`) is kept as written.
 */
export function releasePath(p: string, root: string): string {
  const rel = path.relative(root, p);
  if (rel === '') return '.';
  if (rel.startsWith('..') || path.isAbsolute(rel)) return p;
  return `./${rel.split(path.sep).join('/')}`;
}

/** Rewrites bind-mount sources and top-level secret/config `file:` paths with `releasePath`; returns a copy. */
export function withReleasePaths(config: Readonly<JsonMap>, root: string): JsonMap {
  const out = structuredClone(config) as JsonMap;
  for (const svc of Object.values(isMap(out['services']) ? out['services'] : {})) {
    if (!isMap(svc) || !Array.isArray(svc['volumes'])) continue;
    for (const v of svc['volumes']) {
      if (isMap(v) && v['type'] === 'bind' && typeof v['source'] === 'string')
        v['source'] = releasePath(v['source'], root);
    }
  }
  for (const kind of ['secrets', 'configs'] as const) {
    for (const def of Object.values(isMap(out[kind]) ? out[kind] : {})) {
      if (isMap(def) && typeof def['file'] === 'string') def['file'] = releasePath(def['file'], root);
    }
  }
  return out;
}

export interface ComposeRenderInput {
  /** The merged model in `docker compose config --format json` shape, paths already release-relative. */
  config: Readonly<JsonMap>;
  projectName: string;
  version: string;
}

export function renderComposeFile(input: ComposeRenderInput): string {
  const config = structuredClone(input.config) as JsonMap;
  const services = isMap(config['services']) ? config['services'] : {};
  if (Object.keys(services).length === 0) throw new Error('the prod compose files declare no service');
  for (const svc of Object.values(services)) {
    if (!isMap(svc)) continue;
    delete svc['build'];
    // `pull_policy: build` means "build it here", which the host never does (`up --no-build`).
    if (svc['pull_policy'] === 'build') delete svc['pull_policy'];
    // `KEY:` with no value would make the host's compose pass its own environment's KEY through: left out, as
    // Compose's own `config` leaves out a variable the runner did not set.
    if (isMap(svc['environment'])) {
      const env = Object.entries(svc['environment']).filter(([, v]) => v !== null);
      if (env.length) svc['environment'] = Object.fromEntries(env);
      else delete svc['environment'];
    }
  }
  const { name: _name, ...rest } = config;
  const doc = { name: input.projectName, ...rest };
  const header =
    `# Written by deploy-action: release ${input.version}, the merged prod model the check judged, interpolated on\n` +
    '# the runner ($$ is a literal $). The host interpolates nothing; the override file pins images and secrets.\n';
  return header + stringify(doc, { lineWidth: 0 });
}
