/**
 * Docker Compose's override semantics (compose-go `override` package): mappings merge; `command`, `entrypoint`
 * and `healthcheck.test` are replaced; key=value collections (environment, labels, ...) merge by key; `volumes`
 * and `devices` are keyed by target, `secrets`/`configs` by target (default `/run/secrets/<source>`), `ports` by
 * host ip, published port, target and protocol; other sequences append and some drop duplicates; `!reset`
 * removes a value, `!override` replaces it whole. Every node keeps the origin of the file that wrote it.
 */
import { ComposeInputError } from './issues.js';
import { parseShortPort, parseShortVolume, type ShortPort, splitKeyValue } from './syntax.js';
import {
  clone,
  isMap,
  isScalar,
  isSeq,
  mapNode,
  scalarNode,
  seqNode,
  type YMap,
  type YNode,
  type YSeq,
} from './tree.js';

type Path = readonly string[];

function matches(path: Path, pattern: string): boolean {
  const parts = pattern.split('.');
  if (parts.length !== path.length) return false;
  return parts.every((p, i) => p === '*' || p === path[i]);
}

/** Collections written as a list of `KEY=VALUE` or as a mapping; both become a mapping keyed by KEY. */
const KEY_VALUE = [
  'services.*.environment',
  'services.*.labels',
  'services.*.annotations',
  'services.*.sysctls',
  'services.*.deploy.labels',
  'services.*.build.args',
  'services.*.build.labels',
  'services.*.build.additional_contexts',
  'networks.*.labels',
  'volumes.*.labels',
  'secrets.*.labels',
  'configs.*.labels',
];
/** Sequences that may be written as a single string. */
const STRING_OR_LIST = [
  'services.*.dns',
  'services.*.dns_opt',
  'services.*.dns_search',
  'services.*.tmpfs',
  'services.*.env_file',
  'services.*.extra_hosts',
];
/** Sequences appended and then deduplicated by their (string) value. */
const UNIQUE_STRINGS = [
  'services.*.dns',
  'services.*.dns_opt',
  'services.*.dns_search',
  'services.*.tmpfs',
  'services.*.cap_add',
  'services.*.cap_drop',
  'services.*.profiles',
  'services.*.links',
  'services.*.expose',
  'services.*.build.tags',
  'services.*.build.platforms',
  'services.*.networks.*.aliases',
  'services.*.networks.*.link_local_ips',
];

const isKeyValue = (p: Path): boolean => KEY_VALUE.some((k) => matches(p, k));

/** Brings one file's services into the forms the merge works on (after interpolation, before extends and merge). */
export function canonicalizeFile(root: YMap): YMap {
  return canon(root, []) as YMap;
}

function canon(n: YNode, path: Path): YNode {
  if (path.length >= 1 && isKeyValue(path)) return toKeyValueMap(n, path);
  if (STRING_OR_LIST.some((k) => matches(path, k)) && isScalar(n) && typeof n.value === 'string') {
    const s = seqNode(n.origin, [{ ...n, tag: undefined }]);
    s.short = true;
    if (n.tag) s.tag = n.tag;
    return s;
  }
  if (matches(path, 'services.*.extra_hosts') && isMap(n)) return extraHostsToSeq(n);
  if (matches(path, 'services.*.build') && isScalar(n) && n.value !== null) {
    const m = mapNode(n.origin, [{ key: 'context', keyOrigin: n.origin, value: { ...n, tag: undefined } }]);
    m.short = true;
    if (n.tag) m.tag = n.tag;
    return m;
  }
  if ((matches(path, 'services.*.depends_on') || matches(path, 'services.*.networks')) && isSeq(n)) {
    const m = mapNode(n.origin);
    m.short = true;
    if (n.tag) m.tag = n.tag;
    for (const item of n.items) {
      const key = isScalar(item) ? String(item.value) : '';
      const value =
        path[2] === 'depends_on'
          ? mapNode(item.origin, [
              { key: 'condition', keyOrigin: item.origin, value: scalarNode(item.origin, 'service_started') },
              { key: 'required', keyOrigin: item.origin, value: scalarNode(item.origin, true) },
            ])
          : scalarNode(item.origin, null);
      m.entries.set(key, { key, keyOrigin: item.origin, value });
    }
    return m;
  }
  if (matches(path, 'services.*.ports') && isSeq(n)) {
    const items: YNode[] = [];
    for (const item of n.items) {
      if (isScalar(item) && item.value !== null) {
        let ports: ShortPort[];
        try {
          ports = parseShortPort(String(item.value));
        } catch (e) {
          throw new ComposeInputError((e as Error).message, 'DA-CMP-010', item.origin);
        }
        for (const p of ports) {
          const o = item.origin;
          const m = mapNode(o);
          m.short = true;
          const set = (k: string, v: string | number): void => {
            m.entries.set(k, { key: k, keyOrigin: o, value: scalarNode(o, v) });
          };
          set('mode', 'ingress');
          if (p.hostIp !== undefined) set('host_ip', p.hostIp);
          set('target', p.target);
          if (p.published !== undefined) set('published', p.published);
          set('protocol', p.protocol);
          items.push(m);
        }
      } else items.push(canon(item, [...path, '*']));
    }
    return { ...n, items };
  }
  if (isMap(n)) {
    const m: YMap = { ...n, entries: new Map() };
    for (const [k, e] of n.entries) m.entries.set(k, { ...e, value: canon(e.value, [...path, k]) });
    return m;
  }
  if (isSeq(n)) return { ...n, items: n.items.map((i) => canon(i, [...path, '*'])) };
  return n;
}

function toKeyValueMap(n: YNode, path: Path): YNode {
  if (isMap(n)) return n;
  if (isSeq(n)) {
    const m = mapNode(n.origin);
    m.short = true;
    if (n.tag) m.tag = n.tag;
    for (const item of n.items) {
      if (!isScalar(item) || item.value === null)
        throw new ComposeInputError(`${path.join('.')} entries must be KEY=VALUE strings`, 'DA-CMP-010', item.origin);
      const [k, v] = splitKeyValue(String(item.value));
      // A list `KEY` without `=` is a key with no value (for labels Compose prints it as an empty string).
      const value = scalarNode(item.origin, v, true);
      if (item.raw !== undefined) value.raw = item.raw;
      m.entries.set(k, { key: k, keyOrigin: item.origin, value });
    }
    return m;
  }
  if (isScalar(n) && n.value === null) return n;
  throw new ComposeInputError(`${path.join('.')} must be a mapping or a list of KEY=VALUE`, 'DA-CMP-010', n.origin);
}

function extraHostsToSeq(n: YMap): YSeq {
  const items: YNode[] = [];
  for (const [k, e] of n.entries) {
    const vals = isSeq(e.value) ? e.value.items : [e.value];
    for (const v of vals) items.push(scalarNode(v.origin, `${k}=${isScalar(v) ? String(v.value) : ''}`));
  }
  items.sort((a, b) => String((a as { value: unknown }).value).localeCompare(String((b as { value: unknown }).value)));
  const s = seqNode(n.origin, items);
  if (n.tag) s.tag = n.tag;
  return s;
}

/** Merges `over` (a later file, or a service extending a base) onto `base`. Neither input is modified. */
export function mergeRoot(base: YMap | undefined, over: YMap): YMap {
  const merged = mergeMaps(base ? clone(base) : mapNode(over.origin), over, []);
  enforceUnicity(merged, []);
  return merged;
}

/** Merges one service onto the service it extends. */
export function mergeService(name: string, base: YMap, over: YMap): YMap {
  const path = ['services', name];
  const merged = mergeMaps(clone(base), over, path);
  enforceUnicity(merged, path);
  return merged;
}

function merge(base: YNode, over: YNode, path: Path): YNode {
  if (over.tag === '!override') return resolveTags(over);
  if (
    matches(path, 'services.*.command') ||
    matches(path, 'services.*.entrypoint') ||
    matches(path, 'services.*.healthcheck.test') ||
    matches(path, 'services.*.ulimits.*')
  )
    return resolveTags(over);
  if (isScalar(over) && over.value === null) return base;
  if (matches(path, 'services.*.logging') && isMap(base) && isMap(over)) {
    const d1 = base.entries.get('driver')?.value;
    const d2 = over.entries.get('driver')?.value;
    if (d1 && d2 && !(isScalar(d1) && isScalar(d2) && d1.value === d2.value)) return resolveTags(over);
    return mergeMaps(base, over, path);
  }
  if (matches(path, 'services.*.extra_hosts') && isSeq(base) && isSeq(over)) {
    const seen = new Set(base.items.map((i) => (isScalar(i) ? String(i.value) : '')));
    const extra = over.items.filter((i) => !seen.has(isScalar(i) ? String(i.value) : ''));
    return { ...base, items: [...base.items, ...extra.map(resolveTags)] };
  }
  if (isMap(base)) {
    if (!isMap(over))
      throw new ComposeInputError(
        `cannot override ${path.join('.')}: a mapping with a ${over.kind === 'seq' ? 'list' : 'scalar'}`,
        'DA-CMP-010',
        over.origin,
      );
    return mergeMaps(base, over, path);
  }
  if (isSeq(base)) {
    if (!isSeq(over))
      throw new ComposeInputError(
        `cannot override ${path.join('.')}: a list with a ${over.kind === 'map' ? 'mapping' : 'scalar'}`,
        'DA-CMP-010',
        over.origin,
      );
    return { ...base, items: [...base.items, ...over.items.map(resolveTags)] };
  }
  return resolveTags(over);
}

function mergeMaps(base: YMap, over: YMap, path: Path): YMap {
  const out: YMap = { ...base, entries: new Map(base.entries) };
  for (const [k, e] of over.entries) {
    if (e.value.tag === '!reset') {
      out.entries.delete(k);
      continue;
    }
    const existing = out.entries.get(k);
    if (!existing || isKeyValue(path)) {
      if (isScalar(e.value) && e.value.value === null && !isKeyValue(path) && path.length === 0) continue;
      out.entries.set(k, { ...e, value: resolveTags(e.value) });
      continue;
    }
    const value = merge(existing.value, e.value, [...path, k]);
    // The entry now belongs to whichever file wrote the value that won.
    out.entries.set(k, value === existing.value ? existing : { ...e, value });
  }
  return out;
}

/** Applies tags inside a value that has nothing to merge with: `!reset` children vanish, `!override` is moot. */
function resolveTags(n: YNode): YNode {
  if (isMap(n)) {
    const m: YMap = { ...n, tag: undefined, entries: new Map() };
    for (const [k, e] of n.entries)
      if (e.value.tag !== '!reset') m.entries.set(k, { ...e, value: resolveTags(e.value) });
    return m;
  }
  if (isSeq(n)) return { ...n, tag: undefined, items: n.items.filter((i) => i.tag !== '!reset').map(resolveTags) };
  return n.tag ? { ...n, tag: undefined } : n;
}

type Keyer = (n: YNode) => string;

const stringKey: Keyer = (n) => (isScalar(n) ? String(n.value) : JSON.stringify(n.origin));
const targetKey: Keyer = (n) => {
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
const deviceKey: Keyer = (n) => {
  if (isMap(n)) return targetKey(n);
  const parts = String(isScalar(n) ? n.value : '').split(':');
  return parts.length === 1 ? parts[0]! : parts[1]!;
};
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
const portKey: Keyer = (n) => {
  if (isScalar(n)) return String(n.value);
  if (!isMap(n)) return '';
  const g = (k: string, d: string): string => {
    const v = n.entries.get(k)?.value;
    return isScalar(v) && v.value !== null ? String(v.value) : d;
  };
  return `${g('host_ip', '0.0.0.0')}:${g('published', '')}:${g('target', '')}/${g('protocol', 'tcp')}`;
};
const envFileKey: Keyer = (n) => {
  if (isScalar(n)) return String(n.value);
  const p = isMap(n) ? n.entries.get('path')?.value : undefined;
  return isScalar(p) ? String(p.value) : '';
};

const UNIQUE: [string, Keyer][] = [
  ...UNIQUE_STRINGS.map((p): [string, Keyer] => [p, stringKey]),
  ['services.*.volumes', targetKey],
  ['services.*.devices', deviceKey],
  ['services.*.secrets', mountKey('/run/secrets')],
  ['services.*.configs', mountKey('')],
  ['services.*.ports', portKey],
  ['services.*.env_file', envFileKey],
];

/** compose-go EnforceUnicity: a later entry with the same key replaces the earlier one in the earlier's place. */
function enforceUnicity(n: YNode, path: Path): void {
  if (isMap(n)) {
    for (const [k, e] of n.entries) {
      const next = [...path, k];
      if (isSeq(e.value)) {
        const keyer = UNIQUE.find(([p]) => matches(next, p))?.[1];
        if (keyer) {
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
          continue;
        }
      }
      enforceUnicity(e.value, next);
    }
  }
}
