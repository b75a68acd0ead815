/**
 * Field shapes of `docker compose config --format json` that the projection (project.ts) needs beyond the merge:
 * how Compose prints a device, and which `false` booleans it leaves out.
 */
import { LIST_ITEM, matchesPath, type Path } from './paths.js';
import { isScalar, toPlain, type YNode } from './tree.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** compose-go: types/device.go — `host[:container[:permissions]]` printed long, permissions defaulting to rwm. */
export function projectDevice(n: YNode): Json {
  if (!isScalar(n) || n.value === null) return toPlain(n) as Json;
  const [source, target, permissions] = String(n.value).split(':');
  return { source: source!, target: target ?? source!, permissions: permissions ?? 'rwm' };
}

/**
 * Booleans Compose declares `omitempty` (compose-go types/types.go, types/config.go): printed only when true.
 * `init` and `enable_ipv6` are pointers there, so their `false` is printed.
 */
export const OMITTED_WHEN_FALSE = [
  'services.*.privileged',
  'services.*.read_only',
  'services.*.stdin_open',
  'services.*.tty',
  'services.*.oom_kill_disable',
  'services.*.healthcheck.disable',
  `services.*.volumes.${LIST_ITEM}.read_only`,
  `services.*.volumes.${LIST_ITEM}.volume.nocopy`,
  'networks.*.external',
  'networks.*.internal',
  'networks.*.attachable',
  'volumes.*.external',
  'secrets.*.external',
  'configs.*.external',
];

/** Removes, in place, the `false` values Compose does not print. */
export function dropOmittedFalse(j: Json, path: Path = []): void {
  if (Array.isArray(j)) {
    for (const item of j) dropOmittedFalse(item, [...path, LIST_ITEM]);
    return;
  }
  if (!j || typeof j !== 'object') return;
  for (const [k, v] of Object.entries(j)) {
    const next = [...path, k];
    if (v === false && OMITTED_WHEN_FALSE.some((p) => matchesPath(next, p))) delete j[k];
    else dropOmittedFalse(v, next);
  }
}
