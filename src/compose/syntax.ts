/** Parsers for Compose's short syntaxes (volumes, ports, key=value lists), following compose-go's rules. */

export interface ShortVolume {
  type: 'bind' | 'volume';
  source?: string;
  target: string;
  readOnly: boolean;
  /** Options after the second colon other than ro/rw (z, Z, nocopy, propagation). */
  options: string[];
}

const isWindowsDrive = (s: string): boolean => /^[a-zA-Z]:[\\/]/.test(s);

/** `[SOURCE:]TARGET[:MODE]`. Throws Error with a user-facing message on malformed input. */
export function parseShortVolume(spec: string): ShortVolume {
  const parts: string[] = [];
  let buf = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    // `C:\path` is one part, not two.
    if (c === ':' && !(buf.length === 1 && /[a-zA-Z]/.test(buf) && (spec[i + 1] === '\\' || spec[i + 1] === '/'))) {
      parts.push(buf);
      buf = '';
    } else buf += c;
  }
  parts.push(buf);
  if (parts.some((p) => p === '') || parts.length > 3) throw new Error(`invalid volume specification "${spec}"`);
  let source: string | undefined;
  let target: string;
  let mode = '';
  if (parts.length === 1) target = parts[0]!;
  else {
    source = parts[0]!;
    target = parts[1]!;
    mode = parts[2] ?? '';
  }
  const opts = mode ? mode.split(',') : [];
  const readOnly = opts.includes('ro');
  const options = opts.filter((o) => o !== 'ro' && o !== 'rw');
  const type = source !== undefined && isPathLike(source) ? 'bind' : 'volume';
  return { type, source, target, readOnly, options };
}

export function isPathLike(source: string): boolean {
  return (
    source.startsWith('.') ||
    source.startsWith('/') ||
    source.startsWith('~') ||
    source.startsWith('\\') ||
    isWindowsDrive(source)
  );
}

export interface ShortPort {
  hostIp?: string;
  published?: string;
  target: number;
  protocol: string;
}

/** `[[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL]` with ranges; a range expands into one entry per port. */
export function parseShortPort(spec: string): ShortPort[] {
  let rest = spec;
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  let hostIp: string | undefined;
  let published: string | undefined;
  let target: string;
  const ipv6 = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (ipv6) {
    hostIp = ipv6[1]!;
    rest = ipv6[2]!;
    const i = rest.lastIndexOf(':');
    if (i < 0) throw new Error(`invalid port specification "${spec}"`);
    published = rest.slice(0, i);
    target = rest.slice(i + 1);
  } else {
    const parts = rest.split(':');
    if (parts.length === 1) target = parts[0]!;
    else if (parts.length === 2) [published, target] = [parts[0]!, parts[1]!];
    else {
      target = parts.pop()!;
      published = parts.pop()!;
      hostIp = parts.join(':');
    }
  }
  if (published === '') published = undefined;
  const [t0, t1] = range(target, spec);
  const count = t1 - t0 + 1;
  let pubs: (string | undefined)[] = Array(count).fill(published);
  if (published !== undefined) {
    const [p0, p1] = range(published, spec);
    if (p1 - p0 + 1 === count) pubs = Array.from({ length: count }, (_, i) => String(p0 + i));
    else if (count !== 1) throw new Error(`invalid port range "${spec}"`);
  }
  return Array.from({ length: count }, (_, i) => ({ hostIp, published: pubs[i], target: t0 + i, protocol }));
}

function range(s: string, spec: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new Error(`invalid port specification "${spec}"`);
  const a = Number(m[1]);
  const b = m[2] !== undefined ? Number(m[2]) : a;
  if (b < a || a > 65535 || b > 65535) throw new Error(`invalid port range "${spec}"`);
  return [a, b];
}

/** `KEY=VALUE` → [KEY, VALUE]; `KEY` alone → [KEY, null]. */
export function splitKeyValue(s: string, sep = '='): [string, string | null] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, null] : [s.slice(0, i), s.slice(i + 1)];
}

/** Docker's byte units (`512M`, `1g`, `256mb`) as a byte count; undefined when not parseable. */
export function parseBytes(v: string | number): number | undefined {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b?)\s*$/i.exec(v);
  if (!m) return undefined;
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.floor(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
}
