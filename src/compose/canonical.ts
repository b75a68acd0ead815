/**
 * The canonical forms the merge works on, one table entry per path (compose-go `transform.Canonical`, plus the
 * conversions its `override` package makes while merging). Each file is brought into these forms after
 * interpolation and casting, before extends and merge: short syntaxes become their long form and `KEY=VALUE`
 * lists become mappings keyed by KEY, so that a later file's entry replaces the earlier one with the same key.
 */
import { ComposeInputError } from './issues.js';
import { LIST_ITEM, matchesPath, type Path, pathText } from './paths.js';
import { parseShortPort, type ShortPort, splitKeyValue } from './syntax.js';
import { isMap, isScalar, isSeq, mapNode, scalarNode, seqNode, type YMap, type YNode, type YSeq } from './tree.js';

/**
 * Collections written as a list of `KEY=VALUE` or as a mapping; both become a mapping keyed by KEY.
 * compose-go: override/merge.go mergeToSequence (to a list) + override/uncity.go keyValueIndexer (unique by KEY);
 * a mapping keyed by KEY is the same result with each entry's position kept.
 */
export const KEY_VALUE_PATHS = [
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

export const isKeyValuePath = (p: Path): boolean => KEY_VALUE_PATHS.some((k) => matchesPath(p, k));

/** Rewrites a node into its canonical form, or returns undefined when this form does not apply to it. */
type Transform = (n: YNode, path: Path) => YNode | undefined;

const keyValue: Transform = (n, path) => toKeyValueMap(n, path);

/** compose-go: override/merge.go convertIntoSequence — a single string is a list of one. */
const stringToList: Transform = (n) => {
  if (!isScalar(n) || typeof n.value !== 'string') return undefined;
  const s = seqNode(n.origin, [{ ...n, tag: undefined }]);
  s.short = true;
  if (n.tag) s.tag = n.tag;
  return s;
};

/** compose-go: types/hostList.go — `extra_hosts` as a host: ip mapping is a sorted list of `host=ip`. */
const hostsMapToList: Transform = (n) => (isMap(n) ? extraHostsToSeq(n) : undefined);

/** compose-go: transform/build.go transformBuild — `build: ./dir` is `build: {context: ./dir}`. */
const buildContext: Transform = (n) => {
  if (!isScalar(n) || n.value === null) return undefined;
  const m = mapNode(n.origin, [{ key: 'context', keyOrigin: n.origin, value: { ...n, tag: undefined } }]);
  m.short = true;
  if (n.tag) m.tag = n.tag;
  return m;
};

/**
 * compose-go: transform/dependson.go transformDependsOn (condition service_started, required true) and
 * transform/services.go transformServiceNetworks (each network with no options) — a list becomes a mapping.
 */
const listToMap =
  (value: (item: YNode) => YNode): Transform =>
  (n) => {
    if (!isSeq(n)) return undefined;
    const m = mapNode(n.origin);
    m.short = true;
    if (n.tag) m.tag = n.tag;
    for (const item of n.items) {
      const key = isScalar(item) ? String(item.value) : '';
      m.entries.set(key, { key, keyOrigin: item.origin, value: value(item) });
    }
    return m;
  };

const dependsOnDefaults = (item: YNode): YNode =>
  mapNode(item.origin, [
    { key: 'condition', keyOrigin: item.origin, value: scalarNode(item.origin, 'service_started') },
    { key: 'required', keyOrigin: item.origin, value: scalarNode(item.origin, true) },
  ]);

/** compose-go: transform/ports.go transformPorts — each short port (ranges expanded) becomes a long one. */
const longPorts: Transform = (n, path) => {
  if (!isSeq(n)) return undefined;
  const items: YNode[] = [];
  for (const item of n.items) {
    if (!isScalar(item) || item.value === null) {
      items.push(canon(item, [...path, LIST_ITEM]));
      continue;
    }
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
  }
  return { ...n, items };
};

/** Path → canonical form; the first entry that applies wins. */
export const CANONICAL_FORMS: ReadonlyArray<readonly [string, Transform]> = [
  ...KEY_VALUE_PATHS.map((p) => [p, keyValue] as const),
  // compose-go: override/merge.go mergeSpecials (mergeToSequence) for these string-or-list fields.
  ['services.*.dns', stringToList],
  ['services.*.dns_opt', stringToList],
  ['services.*.dns_search', stringToList],
  ['services.*.tmpfs', stringToList],
  ['services.*.env_file', stringToList],
  ['services.*.extra_hosts', stringToList],
  ['services.*.extra_hosts', hostsMapToList],
  ['services.*.build', buildContext],
  ['services.*.depends_on', listToMap(dependsOnDefaults)],
  ['services.*.networks', listToMap((item) => scalarNode(item.origin, null))],
  ['services.*.ports', longPorts],
];

/** Brings one file into the forms the merge works on (after interpolation and casts, before extends and merge). */
export function canonicalizeFile(root: YMap): YMap {
  return canon(root, []) as YMap;
}

function canon(n: YNode, path: Path): YNode {
  for (const [pattern, transform] of CANONICAL_FORMS) {
    if (!matchesPath(path, pattern)) continue;
    const t = transform(n, path);
    if (t) return t;
  }
  if (isMap(n)) {
    const m: YMap = { ...n, entries: new Map() };
    for (const [k, e] of n.entries) m.entries.set(k, { ...e, value: canon(e.value, [...path, k]) });
    return m;
  }
  if (isSeq(n)) return { ...n, items: n.items.map((i) => canon(i, [...path, LIST_ITEM])) };
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
        throw new ComposeInputError(`${pathText(path)} entries must be KEY=VALUE strings`, 'DA-CMP-010', item.origin);
      const [k, v] = splitKeyValue(String(item.value));
      // A list `KEY` without `=` is a key with no value (for labels Compose prints it as an empty string).
      const value = scalarNode(item.origin, v, true);
      if (item.raw !== undefined) value.raw = item.raw;
      m.entries.set(k, { key: k, keyOrigin: item.origin, value });
    }
    return m;
  }
  if (isScalar(n) && n.value === null) return n;
  throw new ComposeInputError(`${pathText(path)} must be a mapping or a list of KEY=VALUE`, 'DA-CMP-010', n.origin);
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
