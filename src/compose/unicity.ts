/**
 * Sequences in which a later entry replaces an earlier one with the same key, in the earlier one's place
 * (compose-go override/uncity.go EnforceUnicity, its `unique` table). Compose applies it after every merge.
 */
import { ComposeInputError } from './issues.js';
import { lookupPath, type Path } from './paths.js';
import { parseShortVolume } from './syntax.js';
import { isMap, isScalar, isSeq, type YNode } from './tree.js';

/** The key an entry is unique by. */
type Keyer = (n: YNode) => string;

/** compose-go: override/uncity.go keyValueIndexer (for entries without `=`, the entry itself). */
const stringKey: Keyer = (n) => (isScalar(n) ? String(n.value) : JSON.stringify(n.origin));

/** compose-go: override/uncity.go volumeIndexer — by mount target. */
const volumeKey: Keyer = (n) => {
  if (isMap(n)) {
    const t = n.entries.get('target')?.value;
    return isScalar(t) ? String(t.value) : '';
  }
  if (isScalar(n) && n.value !== null) {
    try {
      return parseShortVolume(String(n.value)).target;
    } catch (e) {
      throw new ComposeInputError((e as Error).message, 'DA-CMP-010', n.origin);
    }
  }
  return '';
};

/** Devices by their path in the container (`host:container[:perms]`). */
const deviceKey: Keyer = (n) => {
  if (isMap(n)) return volumeKey(n);
  const parts = String(isScalar(n) ? n.value : '').split(':');
  return parts.length === 1 ? parts[0]! : parts[1]!;
};

/** compose-go: override/uncity.go mountIndexer — by target, else `<default dir>/<source>`. */
const mountKey =
  (prefix: string): Keyer =>
  (n) => {
    if (isScalar(n)) return `${prefix}/${String(n.value)}`;
    if (isMap(n)) {
      const t = n.entries.get('target')?.value;
      if (t && isScalar(t)) return String(t.value);
      const s = n.entries.get('source')?.value;
      return `${prefix}/${isScalar(s) ? String(s.value) : ''}`;
    }
    return '';
  };

/** compose-go: override/uncity.go portIndexer — `host_ip:published:target/protocol`. */
const portKey: Keyer = (n) => {
  if (isScalar(n)) return String(n.value);
  if (!isMap(n)) return '';
  const g = (k: string, d: string): string => {
    const v = n.entries.get(k)?.value;
    return isScalar(v) && v.value !== null ? String(v.value) : d;
  };
  return `${g('host_ip', '0.0.0.0')}:${g('published', '')}:${g('target', '')}/${g('protocol', 'tcp')}`;
};

/** compose-go: override/uncity.go envFileIndexer — by path. */
const envFileKey: Keyer = (n) => {
  if (isScalar(n)) return String(n.value);
  const p = isMap(n) ? n.entries.get('path')?.value : undefined;
  return isScalar(p) ? String(p.value) : '';
};

/**
 * Path → key. compose-go's key=value entries (environment, labels, ...) are mappings here already (canonical.ts),
 * so they need no entry.
 */
export const UNIQUE_KEYS: ReadonlyArray<readonly [string, Keyer]> = [
  ['services.*.dns', stringKey],
  ['services.*.dns_opt', stringKey],
  ['services.*.dns_search', stringKey],
  ['services.*.tmpfs', stringKey],
  ['services.*.cap_add', stringKey],
  ['services.*.cap_drop', stringKey],
  ['services.*.profiles', stringKey],
  ['services.*.links', stringKey],
  // compose-go: exposeIndexer — the port as written.
  ['services.*.expose', stringKey],
  ['services.*.build.tags', stringKey],
  ['services.*.build.platforms', stringKey],
  ['services.*.networks.*.aliases', stringKey],
  ['services.*.networks.*.link_local_ips', stringKey],
  ['services.*.volumes', volumeKey],
  // compose-go: override/uncity.go ("merge devices by unique mount path", in the build Compose 2.26 pins).
  ['services.*.devices', deviceKey],
  ['services.*.secrets', mountKey('/run/secrets')],
  ['services.*.configs', mountKey('')],
  ['services.*.ports', portKey],
  ['services.*.env_file', envFileKey],
];

/** A later entry with the same key replaces the earlier one in the earlier's place (modifies `n`). */
export function enforceUnicity(n: YNode, path: Path): void {
  if (!isMap(n)) return;
  for (const [k, e] of n.entries) {
    const next = [...path, k];
    const keyer = isSeq(e.value) ? lookupPath(UNIQUE_KEYS, next) : undefined;
    if (!keyer || !isSeq(e.value)) {
      enforceUnicity(e.value, next);
      continue;
    }
    const items: YNode[] = [];
    const index = new Map<string, number>();
    for (const item of e.value.items) {
      const key = keyer(item);
      const j = index.get(key);
      if (j !== undefined) items[j] = item;
      else {
        index.set(key, items.length);
        items.push(item);
      }
    }
    n.entries.set(k, { ...e, value: { ...e.value, items } });
  }
}
