/**
 * The environment every local child process gets: the step's environment minus the action inputs (`INPUT_*`, which
 * carry the SSH key, passphrase and registry password) and minus every variable registered as holding a secret.
 * The rest passes, on purpose: PATH, HOME, DOCKER_* and the runner's cache service (`ACTIONS_CACHE_URL`,
 * `ACTIONS_RUNTIME_TOKEN`, `ACTIONS_RESULTS_URL`, `ACTIONS_CACHE_SERVICE_V2`), which buildx's `type=gha` cache reads.
 */

/** Names registered process-wide; the action entry adds the deploy secrets' variables when it reads the inputs. */
const scrubbed = new Set<string>();

/**
 * Registers environment variables whose values no child process may inherit, for the rest of this process's life.
 * Called once, before the check builds anything, so buildx, `docker save` and git are covered as well as the deploy.
 */
export function scrubFromChildEnv(names: Iterable<string>): void {
  for (const n of names) scrubbed.add(n);
}

/** The registered names (a copy), for tests and diagnostics. */
export function scrubbedNames(): string[] {
  return [...scrubbed];
}

/**
 * `base` with `overrides` applied, then every `INPUT_*`, registered and `extraScrub` name removed. Scrubbing runs
 * last, so an override cannot bring a secret back.
 */
export function childEnv(
  overrides: Readonly<Record<string, string | undefined>> = {},
  extraScrub: readonly string[] = [],
  base: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const drop = new Set([...scrubbed, ...extraScrub]);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...base, ...overrides })) {
    if (v === undefined || drop.has(k) || k.toUpperCase().startsWith('INPUT_')) continue;
    env[k] = v;
  }
  return env;
}
