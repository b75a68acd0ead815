/**
 * Compose reads some values as booleans or numbers even when YAML gave it a string: after interpolating a file it
 * casts every string found at these paths (compose-go `interpolateTypeCastMapping`, loader/interpolate.go; the
 * same in v2.0.2, which upstream Compose 2.26 pins, and v2.1.3, which the Debian build on the test bed links).
 * So `privileged: yes`, `privileged: "on"` and `privileged: ${PRIV}` with PRIV=yes all run the service privileged.
 * Values YAML already typed (`true`, `3`) are left alone, as Compose leaves them.
 */
import { ComposeInputError } from './issues.js';
import { LIST_ITEM, lookupPath, type Path, pathText } from './paths.js';
import { isMap, isSeq, type Scalar, type YMap, type YNode, type YScalar } from './tree.js';

/** Turns the string Compose saw into its typed value, or returns an Error saying why it cannot. */
type Cast = (s: string) => Scalar | Error;

/** compose-go: loader/interpolate.go toBoolean — YAML 1.1 spellings, any case (y/n/yes/no/on/off with a warning). */
export function toBoolean(s: string): boolean | Error {
  switch (s.toLowerCase()) {
    case 'true':
    case 'y':
    case 'yes':
    case 'on':
      return true;
    case 'false':
    case 'n':
    case 'no':
    case 'off':
      return false;
    default:
      return new Error(`invalid boolean: ${s}`);
  }
}

/** compose-go: loader/interpolate.go toInt / toInt64 (Go strconv.Atoi, ParseInt base 10): digits with a sign. */
export function toInteger(s: string): number | Error {
  if (!/^[-+]?\d+$/.test(s)) return new Error(`invalid integer: ${s}`);
  const n = Number(s);
  // Go's int and int64 are 64-bit here; beyond that Atoi reports a range error.
  if (Math.abs(n) > 2 ** 63) return new Error(`integer out of range: ${s}`);
  return n === 0 ? 0 : n;
}

const FLOAT = /^[-+]?(\d+(_\d+)*\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const FLOAT_SPECIAL = /^[-+]?(inf|infinity|nan)$/i;

/** compose-go: loader/interpolate.go toFloat (Go strconv.ParseFloat 64): decimals, exponents, inf and nan. */
export function toFloat(s: string): number | Error {
  if (FLOAT_SPECIAL.test(s)) return /nan/i.test(s) ? NaN : s.startsWith('-') ? -Infinity : Infinity;
  if (!FLOAT.test(s) || s.includes('_')) return new Error(`invalid number: ${s}`);
  return Number(s);
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** compose-go: loader/interpolate.go toFloat32 (ParseFloat with bitSize 32: out of range beyond float32). */
export function toFloat32(s: string): number | Error {
  const n = toFloat(s);
  if (typeof n === 'number' && Number.isFinite(n) && Math.abs(n) > FLOAT32_MAX)
    return new Error(`number out of range: ${s}`);
  return n;
}

const svc = (rest: string): string => `services.*.${rest}`;
const item = LIST_ITEM;

/** compose-go: loader/interpolate.go interpolateTypeCastMapping (v2.0.2), entry for entry. */
export const TYPE_CASTS: ReadonlyArray<readonly [string, Cast]> = [
  [svc(`configs.${item}.mode`), toInteger],
  [svc('cpu_count'), toInteger],
  [svc('cpu_percent'), toFloat],
  [svc('cpu_period'), toInteger],
  [svc('cpu_quota'), toInteger],
  [svc('cpu_rt_period'), toInteger],
  [svc('cpu_rt_runtime'), toInteger],
  [svc('cpus'), toFloat32],
  [svc('cpu_shares'), toInteger],
  [svc('init'), toBoolean],
  [svc('deploy.replicas'), toInteger],
  [svc('deploy.update_config.parallelism'), toInteger],
  [svc('deploy.update_config.max_failure_ratio'), toFloat],
  [svc('deploy.rollback_config.parallelism'), toInteger],
  [svc('deploy.rollback_config.max_failure_ratio'), toFloat],
  [svc('deploy.restart_policy.max_attempts'), toInteger],
  [svc('deploy.placement.max_replicas_per_node'), toInteger],
  [svc('healthcheck.retries'), toInteger],
  [svc('healthcheck.disable'), toBoolean],
  [svc('oom_kill_disable'), toBoolean],
  [svc('oom_score_adj'), toInteger],
  [svc('pids_limit'), toInteger],
  [svc(`ports.${item}.target`), toInteger],
  [svc('privileged'), toBoolean],
  [svc('read_only'), toBoolean],
  [svc('scale'), toInteger],
  [svc(`secrets.${item}.mode`), toInteger],
  [svc('stdin_open'), toBoolean],
  [svc('tty'), toBoolean],
  [svc('ulimits.*'), toInteger],
  [svc('ulimits.*.hard'), toInteger],
  [svc('ulimits.*.soft'), toInteger],
  [svc(`volumes.${item}.read_only`), toBoolean],
  [svc(`volumes.${item}.volume.nocopy`), toBoolean],
  ['networks.*.external', toBoolean],
  ['networks.*.internal', toBoolean],
  ['networks.*.attachable', toBoolean],
  ['networks.*.enable_ipv6', toBoolean],
  ['volumes.*.external', toBoolean],
  ['secrets.*.external', toBoolean],
  ['configs.*.external', toBoolean],
];

/** A copy of one interpolated file with Compose's casts applied, as Compose casts before extends and merge. */
export function castFile(root: YMap): YMap {
  return castNode(root, []) as YMap;
}

function castNode(n: YNode, path: Path): YNode {
  if (isMap(n)) {
    const m: YMap = { ...n, entries: new Map() };
    for (const [k, e] of n.entries) m.entries.set(k, { ...e, value: castNode(e.value, [...path, k]) });
    return m;
  }
  if (isSeq(n)) return { ...n, items: n.items.map((i) => castNode(i, [...path, LIST_ITEM])) };
  if (typeof n.value !== 'string') return n;
  const cast = lookupPath(TYPE_CASTS, path);
  if (!cast) return n;
  const value = cast(n.value);
  if (value instanceof Error)
    throw new ComposeInputError(
      `${pathText(path)}: Compose cannot read "${n.value}" (${value.message})`,
      'DA-CMP-010',
      n.origin,
    );
  const out: YScalar = { ...n, value, quoted: false, castFrom: n.value };
  return out;
}
