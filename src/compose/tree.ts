/**
 * A small position-carrying value tree. Every node remembers the file, line and column that introduced it, so a
 * finding on a merged value can point at the override (or base) file that wrote it.
 */
export interface Origin {
  /** Absolute path of the compose file. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /**
   * Directory that relative paths written at this node resolve against. Unset means the project directory, as
   * Compose resolves every path of every `-f` file against the first file's directory; set for nodes pulled in by
   * `extends.file`, whose paths are relative to the extended file.
   */
  baseDir?: string;
}

export type MergeTag = '!reset' | '!override';

interface NodeBase {
  origin: Origin;
  tag?: MergeTag;
  /** Set on nodes the loader built from a short syntax (`"8080:80"`, `build: .`, `KEY=VALUE`). */
  short?: boolean;
}

export interface YEntry {
  key: string;
  keyOrigin: Origin;
  value: YNode;
}

export interface YMap extends NodeBase {
  kind: 'map';
  entries: Map<string, YEntry>;
}

export interface YSeq extends NodeBase {
  kind: 'seq';
  items: YNode[];
}

export type Scalar = string | number | boolean | null;

export interface YScalar extends NodeBase {
  kind: 'scalar';
  value: Scalar;
  /** True for quoted or block scalars: YAML gave them no type, they are strings as written. */
  quoted: boolean;
  /** The text as written, when interpolation changed it. */
  raw?: string;
  /** The string Compose cast into this boolean or number (see typecast.ts), e.g. `yes` or a quoted `"0400"`. */
  castFrom?: string;
}

export type YNode = YMap | YSeq | YScalar;

export function mapNode(origin: Origin, entries: Iterable<YEntry> = []): YMap {
  const m: YMap = { kind: 'map', origin, entries: new Map() };
  for (const e of entries) m.entries.set(e.key, e);
  return m;
}

export function seqNode(origin: Origin, items: YNode[] = []): YSeq {
  return { kind: 'seq', origin, items };
}

export function scalarNode(origin: Origin, value: Scalar, quoted = false): YScalar {
  return { kind: 'scalar', origin, value, quoted };
}

export function isMap(n: YNode | undefined): n is YMap {
  return n?.kind === 'map';
}
export function isSeq(n: YNode | undefined): n is YSeq {
  return n?.kind === 'seq';
}
export function isScalar(n: YNode | undefined): n is YScalar {
  return n?.kind === 'scalar';
}

export function get(n: YNode | undefined, key: string): YNode | undefined {
  return isMap(n) ? n.entries.get(key)?.value : undefined;
}

export function getEntry(n: YNode | undefined, key: string): YEntry | undefined {
  return isMap(n) ? n.entries.get(key) : undefined;
}

/** The scalar as a string (numbers and booleans as YAML would print them); undefined for collections and null. */
export function str(n: YNode | undefined): string | undefined {
  if (!isScalar(n) || n.value === null) return undefined;
  return String(n.value);
}

export function clone<T extends YNode>(n: T): T {
  switch (n.kind) {
    case 'scalar':
      return { ...n };
    case 'seq':
      return { ...n, items: n.items.map(clone) } as T;
    case 'map': {
      const entries = new Map<string, YEntry>();
      for (const [k, e] of n.entries) entries.set(k, { ...e, value: clone(e.value) });
      return { ...n, entries } as T;
    }
  }
}

/** Rewrites every origin below `n` (used to give nodes from an `extends.file` their own base directory). */
export function withBaseDir<T extends YNode>(n: T, baseDir: string): T {
  const c = clone(n);
  const walk = (x: YNode): void => {
    x.origin = { ...x.origin, baseDir };
    if (x.kind === 'seq') x.items.forEach(walk);
    if (x.kind === 'map')
      for (const e of x.entries.values()) {
        e.keyOrigin = { ...e.keyOrigin, baseDir };
        walk(e.value);
      }
  };
  walk(c);
  return c;
}

/** Plain JS value, for projections and tests. */
export function toPlain(n: YNode | undefined): unknown {
  if (n === undefined) return undefined;
  switch (n.kind) {
    case 'scalar':
      return n.value;
    case 'seq':
      return n.items.map(toPlain);
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const [k, e] of n.entries) o[k] = toPlain(e.value);
      return o;
    }
  }
}
