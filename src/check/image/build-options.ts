/**
 * The build inputs of docker/build-push-action, turned into `docker buildx build` arguments. Pure: the argv and the
 * environment the buildx child gets are computed here and unit-tested, the build itself runs in build.ts.
 *
 * A build secret's value never goes into argv or onto disk: each secret reaches buildx as `--secret id=ID,env=VAR`
 * with VAR set only in the buildx child's environment (run.ts `childOnlyEnv`), under a name of ours, so neither
 * the value nor the user's variable name is in the command line. `secret-files` name a file the user already has.
 */
import { createHash } from 'node:crypto';

export type BuildSecret =
  /** `secrets: id=value` (the value is the input text) or `secret-envs: id=VAR` (the value of VAR in the step). */
  | { id: string; kind: 'value'; value: string; from: string }
  /** `secret-files: id=path`, an absolute path buildx reads itself. */
  | { id: string; kind: 'file'; path: string };

export interface BuildOptions {
  secrets: BuildSecret[];
  ssh: string[];
  platforms: string[];
  cacheFrom: string[];
  cacheTo: string[];
  noCache: boolean;
  pull: boolean;
  buildContexts: string[];
  tags: string[];
  /** The user's labels followed by the OCI defaults they did not set (see `withDefaultLabels`). */
  labels: string[];
  /** Working directory and Dockerfile relative to the workspace: with the target, they name the cache scope. */
  scopeBase: string;
}

export const NO_BUILD_OPTIONS: BuildOptions = {
  secrets: [],
  ssh: [],
  platforms: [],
  cacheFrom: [],
  cacheTo: [],
  noCache: false,
  pull: false,
  buildContexts: [],
  tags: [],
  labels: [],
  scopeBase: '',
};

/** The prefix of the variables that carry build secrets into the buildx child. */
export const SECRET_ENV_PREFIX = 'DEPLOY_ACTION_BUILD_SECRET_';

export interface BuildxOptionArgs {
  args: string[];
  /** Set for the buildx child only; holds the secret values. */
  secretEnv: Record<string, string>;
}

/**
 * The `--secret`, `--ssh`, cache, context, tag and label arguments. `platform` is the one platform that is built and
 * loaded (see `choosePlatform`); `cache` the cache arguments decided for this builder.
 */
export function buildxOptionArgs(
  options: BuildOptions,
  platform: string | undefined,
  cache: readonly string[],
): BuildxOptionArgs {
  const args: string[] = [];
  const secretEnv: Record<string, string> = {};
  options.secrets.forEach((secret, i) => {
    if (secret.kind === 'file') {
      args.push('--secret', `id=${secret.id},src=${secret.path}`);
    } else {
      const name = `${SECRET_ENV_PREFIX}${i}`;
      secretEnv[name] = secret.value;
      args.push('--secret', `id=${secret.id},env=${name}`);
    }
  });
  for (const s of options.ssh) args.push('--ssh', s);
  if (platform) args.push('--platform', platform);
  args.push(...cache);
  for (const c of options.buildContexts) args.push('--build-context', c);
  for (const t of options.tags) args.push('--tag', t);
  for (const l of options.labels) args.push('--label', l);
  if (options.noCache) args.push('--no-cache');
  if (options.pull) args.push('--pull');
  return { args, secretEnv };
}

/**
 * The GitHub cache scope of this build: working directory, Dockerfile and target, so two builds in one repository
 * never share (and overwrite) one cache. Readable where it can be, plus a hash of the exact text so that two paths
 * that sanitise alike still differ; stable across runs and runners (no absolute paths, no run ids).
 */
export function cacheScope(scopeBase: string, target: string | undefined): string {
  const key = `${scopeBase}#${target ?? ''}`;
  const slug = key
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 10);
  return `deploy-action-${slug ? `${slug}-` : ''}${hash}`;
}

export type CacheDecision = { args: string[]; note?: string };

/**
 * The user's cache-from/cache-to as given; otherwise the GitHub cache with a derived scope when the runner's cache
 * service is there and the builder can export a cache (the `docker` driver cannot: buildx refuses `--cache-to
 * type=gha` there, and a cache-from alone would only import).
 */
export function decideCache(
  options: BuildOptions,
  target: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  driver: string,
): CacheDecision {
  if (options.cacheFrom.length || options.cacheTo.length) {
    return {
      args: [
        ...options.cacheFrom.flatMap((c) => ['--cache-from', c]),
        ...options.cacheTo.flatMap((c) => ['--cache-to', c]),
      ],
    };
  }
  const service = env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL;
  if (!service || !env.ACTIONS_RUNTIME_TOKEN) return { args: [], note: 'no GitHub cache service in this environment' };
  if (driver === 'docker') {
    return {
      args: [],
      note: 'the buildx builder uses the docker driver, which cannot export a GitHub cache (add docker/setup-buildx-action for a docker-container builder)',
    };
  }
  const scope = cacheScope(options.scopeBase, target);
  return { args: ['--cache-from', `type=gha,scope=${scope}`, '--cache-to', `type=gha,scope=${scope},mode=max`] };
}

export interface PlatformChoice {
  /** The platform built and loaded for the proofs; undefined: the builder's default. */
  platform: string | undefined;
  /** Said to the user when some requested platforms are not verified. */
  note?: string;
}

/**
 * One image is loaded into the engine and proven. The docker driver can load only one platform at all; another
 * driver could build them all, but the engine still holds one image per tag, so the proofs cover one platform
 * either way: the builder's native one when requested, else the first.
 */
export function choosePlatform(
  requested: readonly string[],
  nativePlatform: string | undefined,
  driver: string,
): PlatformChoice {
  if (requested.length <= 1) return { platform: requested[0] };
  const native = nativePlatform ? requested.find((p) => samePlatform(p, nativePlatform)) : undefined;
  const platform = native ?? requested[0]!;
  const others = requested.filter((p) => p !== platform);
  const why =
    driver === 'docker'
      ? 'the docker driver can load only one platform into the engine'
      : 'the check loads and proves one image';
  return {
    platform,
    note: `platforms lists ${requested.length} platforms, but ${why}: built and verified ${platform} only; not verified: ${others.join(', ')}. To verify each, build with docker/build-push-action (outputs: type=oci) and check each platform's image.`,
  };
}

function samePlatform(a: string, b: string): boolean {
  const norm = (p: string) => p.trim().toLowerCase().replace(/\/v8$/, '');
  return norm(a) === norm(b);
}

/** The OCI labels set unless the user's `labels` already set them: where, at which commit, which version. */
export function defaultLabels(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  if (env.GITHUB_REPOSITORY) out['org.opencontainers.image.source'] = `${server}/${env.GITHUB_REPOSITORY}`;
  if (env.GITHUB_SHA) out['org.opencontainers.image.revision'] = env.GITHUB_SHA;
  const tag =
    env.GITHUB_REF_TYPE === 'tag' && env.GITHUB_REF_NAME
      ? env.GITHUB_REF_NAME
      : env.GITHUB_REF?.startsWith('refs/tags/')
        ? env.GITHUB_REF.slice('refs/tags/'.length)
        : undefined;
  if (tag) out['org.opencontainers.image.version'] = tag;
  return out;
}

/** The user's labels, then each default label whose key they did not set. */
export function withDefaultLabels(
  labels: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const given = new Set(labels.map((l) => l.split('=', 1)[0]!.trim()));
  const defaults = Object.entries(defaultLabels(env))
    .filter(([k]) => !given.has(k))
    .map(([k, v]) => `${k}=${v}`);
  return [...labels, ...defaults];
}
