/**
 * Docker Compose's override semantics (compose-go `override` package): mappings merge; sequences append; the
 * paths in MERGE_SPECIALS merge their own way (replaced, merged by key, by driver or by subnet); then the entries
 * of the sequences in unicity.ts are made unique by key. `!reset` removes a value, `!override` replaces it whole.
 * Every node keeps the origin of the file that wrote it. Inputs arrive in canonical form (canonical.ts).
 */
import { isKeyValuePath } from './canonical.js';
import { ComposeInputError } from './issues.js';
import { lookupPath, type Path, pathText } from './paths.js';
import { enforceUnicity } from './unicity.js';
import { clone, get, isMap, isScalar, isSeq, mapNode, str, type YMap, type YNode } from './tree.js';

/** Merges `over` onto `base` at `path`. */
type Merger = (base: YNode, over: YNode, path: Path) => YNode;

/** compose-go: override/merge.go override — the later value replaces the earlier one whole. */
const replace: Merger = (_base, over) => resolveTags(over);

/** compose-go: override/merge.go mergeLogging — options merge only when both files name the same driver, or one none. */
const mergeLogging: Merger = (base, over, path) => {
  if (!isMap(base) || !isMap(over)) return mergeDefault(base, over, path);
  const d1 = str(get(base, 'driver'));
  const d2 = str(get(over, 'driver'));
  if (d1 !== undefined && d2 !== undefined && d1 !== d2) return resolveTags(over);
  return mergeMaps(base, over, path);
};

/**
 * compose-go: override/merge.go mergeToSequence + uncity.go keyValueIndexer for `extra_hosts` (`host=ip`
 * strings): appended, an entry already present is not repeated.
 */
const appendHosts: Merger = (base, over, path) => {
  if (!isSeq(base) || !isSeq(over)) return mergeDefault(base, over, path);
  const seen = new Set(base.items.map((i) => (isScalar(i) ? String(i.value) : '')));
  const extra = over.items.filter((i) => !seen.has(isScalar(i) ? String(i.value) : ''));
  return { ...base, items: [...base.items, ...extra.map(resolveTags)] };
};

/**
 * compose-go: override/merge.go mergeIPAMConfig, faithfully: for each base entry and each later entry, a new
 * subnet is added, otherwise the later entry is merged into the base entry *in place* (Go mutates the map), and
 * that entry replaces the result entry with its (possibly now changed) subnet. Base subnets the later file does
 * not name can vanish; Compose 2.26 prints exactly this, see fixture 22-ipam-config.
 */
const mergeIpamConfig: Merger = (base, over, path) => {
  if (!isSeq(base) || !isSeq(over)) return mergeDefault(base, over, path);
  const asMap = (n: YNode): YMap => (isMap(n) ? n : mapNode(n.origin));
  const subnet = (n: YMap): string | undefined => str(get(n, 'subnet'));
  const lefts = over.items.map((o) => resolveTags(asMap(o)) as YMap);
  const out: YMap[] = [];
  for (const original of base.items) {
    const right: YMap = { ...asMap(original), entries: new Map(asMap(original).entries) };
    for (const left of lefts) {
      if (subnet(left) !== subnet(right) && !out.some((a) => subnet(a) === subnet(left))) {
        out.push(left);
        continue;
      }
      right.entries = mergeMaps(right, left, path).entries;
      const i = out.findIndex((a) => subnet(a) === subnet(right));
      if (i >= 0) out[i] = right;
      else out.push(right);
    }
  }
  return { ...over, tag: undefined, items: out };
};

/**
 * Path → merge. compose-go: override/merge.go mergeSpecials. The key=value collections it merges as sequences
 * (environment, labels, ...) are mappings here (canonical.ts), merged by key in mergeMaps; `build`, `depends_on`
 * and `networks` are canonical mappings, so the default mapping merge is theirs.
 */
export const MERGE_SPECIALS: ReadonlyArray<readonly [string, Merger]> = [
  ['services.*.command', replace],
  ['services.*.entrypoint', replace],
  ['services.*.healthcheck.test', replace],
  // compose-go's mergeUlimit merges the override with itself: the later value wins whole.
  ['services.*.ulimits.*', replace],
  ['services.*.logging', mergeLogging],
  ['services.*.extra_hosts', appendHosts],
  ['networks.*.ipam.config', mergeIpamConfig],
];

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
  const special = lookupPath(MERGE_SPECIALS, path);
  if (special === replace) return replace(base, over, path);
  // compose-go: override/merge.go mergeYaml — a null override keeps the base.
  if (isScalar(over) && over.value === null) return base;
  if (special) return special(base, over, path);
  return mergeDefault(base, over, path);
}

/** compose-go: override/merge.go mergeYaml — mappings merge, sequences append, anything else is replaced. */
function mergeDefault(base: YNode, over: YNode, path: Path): YNode {
  if (isMap(base)) {
    if (!isMap(over))
      throw new ComposeInputError(
        `cannot override ${pathText(path)}: a mapping with a ${over.kind === 'seq' ? 'list' : 'scalar'}`,
        'DA-CMP-010',
        over.origin,
      );
    return mergeMaps(base, over, path);
  }
  if (isSeq(base)) {
    if (!isSeq(over))
      throw new ComposeInputError(
        `cannot override ${pathText(path)}: a list with a ${over.kind === 'map' ? 'mapping' : 'scalar'}`,
        'DA-CMP-010',
        over.origin,
      );
    return { ...base, items: [...base.items, ...over.items.map(resolveTags)] };
  }
  return resolveTags(over);
}

/** compose-go: override/merge.go mergeMappings (and reset.go for `!reset`). */
function mergeMaps(base: YMap, over: YMap, path: Path): YMap {
  const out: YMap = { ...base, entries: new Map(base.entries) };
  const byKey = isKeyValuePath(path);
  for (const [k, e] of over.entries) {
    if (e.value.tag === '!reset') {
      out.entries.delete(k);
      continue;
    }
    const existing = out.entries.get(k);
    if (!existing || byKey) {
      if (isScalar(e.value) && e.value.value === null && !byKey && path.length === 0) continue;
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
