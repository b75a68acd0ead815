import {
  type Alias,
  isAlias,
  isMap as isYamlMap,
  isScalar as isYamlScalar,
  isSeq as isYamlSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node as YamlNode,
  visit,
} from 'yaml';
import { ReadTextError, readRepositoryFile } from '../util/read-text.js';
import { ComposeInputError } from './issues.js';
import { decodeUtf8 } from './text.js';
import {
  mapNode,
  scalarNode,
  seqNode,
  type MergeTag,
  type Origin,
  type Scalar,
  type YMap,
  type YNode,
} from './tree.js';

/** Real compose files are kilobytes; anything above this is refused before it is read into memory. */
export const MAX_COMPOSE_FILE_BYTES = 1024 * 1024;
/**
 * Alias expansion is bounded by what it produces, not by how many aliases a file uses: a real 57-service file with
 * 140 `<<: *defaults` is a few thousand nodes, a billion-laughs file hits these bounds within milliseconds.
 */
export const MAX_EXPANDED_NODES = 200_000;
export const MAX_EXPANDED_BYTES = 16 * 1024 * 1024;

export interface ParsedFile {
  file: string;
  /** Undefined for an empty file. */
  root: YMap | undefined;
}

/** Reads and parses one compose file into a position-carrying tree. Throws ComposeInputError on bad input. */
export async function parseComposeFile(file: string, root: string): Promise<ParsedFile> {
  const at: Origin = { file, line: 1, column: 1 };
  let bytes: Buffer;
  try {
    bytes = await readRepositoryFile(file, { root, maxBytes: MAX_COMPOSE_FILE_BYTES, label: 'compose file' });
  } catch (e) {
    if (!(e instanceof ReadTextError)) throw e;
    if (e.problem === 'too-large')
      throw new ComposeInputError(
        `compose file is larger than ${MAX_COMPOSE_FILE_BYTES} bytes; the check refuses files above that`,
        'DA-CMP-004',
        at,
      );
    throw new ComposeInputError(
      e.problem === 'missing' ? 'cannot read compose file: ENOENT' : e.message,
      'DA-CMP-001',
      at,
    );
  }
  const text = decodeUtf8(bytes, file, 'compose file', 'DA-CMP-002', 'Compose refuses it');
  return { file, root: parseComposeText(text, file) };
}

/** Parses YAML text (exported for tests). */
export function parseComposeText(text: string, file: string): YMap | undefined {
  if (Buffer.byteLength(text) > MAX_COMPOSE_FILE_BYTES)
    throw new ComposeInputError(`compose file is larger than ${MAX_COMPOSE_FILE_BYTES} bytes`, 'DA-CMP-004', {
      file,
      line: 1,
      column: 1,
    });
  const lc = new LineCounter();
  // Compose reads one document; yaml.v3 (what Compose uses) rejects duplicate keys as we do.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: false });
  const pos = (offset: number | undefined): Origin => {
    const p = lc.linePos(offset ?? 0);
    return { file, line: p.line, column: p.col };
  };
  const err = doc.errors[0];
  if (err) {
    const msg = err.message.split('\n')[0] ?? err.message;
    throw new ComposeInputError(`YAML syntax error: ${msg}`, 'DA-CMP-002', pos(err.pos[0]));
  }
  if (doc.contents === null) return undefined;
  const root = convert(doc, doc.contents as YamlNode, pos);
  if (root === undefined || (root.kind === 'scalar' && root.value === null)) return undefined;
  if (root.kind !== 'map')
    throw new ComposeInputError(
      `a compose file must be a mapping at the top level, not a ${root.kind === 'seq' ? 'list' : 'scalar'}`,
      'DA-CMP-005',
      root.origin,
    );
  return root;
}

function convert(doc: Document, top: YamlNode, pos: (o: number | undefined) => Origin): YNode | undefined {
  const targets = aliasTargets(doc);
  let nodes = 0;
  let bytes = 0;
  // `aliasAt` is the outermost alias being expanded: an exhausted budget is reported where that alias is used.
  const spend = (at: Origin, aliasAt: Origin | undefined, scalarBytes: number): void => {
    nodes++;
    bytes += scalarBytes;
    if (nodes <= MAX_EXPANDED_NODES && bytes <= MAX_EXPANDED_BYTES) return;
    const what = nodes > MAX_EXPANDED_NODES ? `${MAX_EXPANDED_NODES} nodes` : `${MAX_EXPANDED_BYTES} bytes of text`;
    throw new ComposeInputError(
      `YAML aliases expand to more than ${what} ("billion laughs"): refused as a resource-exhaustion risk`,
      'DA-CMP-003',
      aliasAt ?? at,
    );
  };
  const walk = (node: unknown, depth: number, origin?: Origin, aliasAt?: Origin): YNode => {
    const at = origin ?? pos((node as YamlNode | null)?.range?.[0]);
    spend(at, aliasAt, isYamlScalar(node) ? String(node.value ?? '').length : 0);
    if (depth > 200) throw new ComposeInputError('YAML nesting is too deep', 'DA-CMP-003', at);
    if (node === null || node === undefined) return scalarNode(at, null);
    if (isAlias(node)) {
      const target = targets.get(node as Alias);
      if (!target) throw new ComposeInputError(`unknown YAML alias *${(node as Alias).source}`, 'DA-CMP-002', at);
      // The aliased value keeps the anchor's positions: that is the line that wrote it.
      return walk(target, depth + 1, undefined, aliasAt ?? at);
    }
    const tag = mergeTag((node as { tag?: string }).tag, at);
    if (isYamlScalar(node)) {
      const s = scalarFrom(node.value, node.type, (node as { source?: string }).source);
      const n = scalarNode(at, s.value, s.quoted);
      if (tag) n.tag = tag;
      return n;
    }
    if (isYamlSeq(node)) {
      const n = seqNode(
        at,
        node.items.map((i) => walk(i, depth + 1, undefined, aliasAt)),
      );
      if (tag) n.tag = tag;
      return n;
    }
    if (isYamlMap(node)) {
      const m = mapNode(at);
      if (tag) m.tag = tag;
      const merges: YNode[] = [];
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode | null;
        const keyAt = pos(keyNode?.range?.[0] ?? node.range?.[0]);
        if (isYamlScalar(keyNode) && keyNode.value === '<<' && keyNode.type === 'PLAIN') {
          // YAML merge key: explicit keys win, earlier merged maps win over later ones.
          const v = walk(pair.value, depth + 1, undefined, aliasAt);
          if (v.kind === 'seq') merges.push(...v.items);
          else merges.push(v);
          continue;
        }
        if (!isYamlScalar(keyNode) && !isAlias(keyNode))
          throw new ComposeInputError('mapping keys must be scalars', 'DA-CMP-010', keyAt);
        const keyValue = isAlias(keyNode)
          ? (targets.get(keyNode) as { value?: unknown } | undefined)?.value
          : keyNode.value;
        const key = keyValue === null || keyValue === undefined ? '' : String(keyValue);
        const valueNode = pair.value as YamlNode | null;
        // A missing value (`key:`) sits on the key's line.
        const value = walk(valueNode, depth + 1, valueNode ? undefined : keyAt, aliasAt);
        m.entries.set(key, { key, keyOrigin: keyAt, value });
      }
      for (const src of merges) {
        if (src.kind !== 'map')
          throw new ComposeInputError('a YAML merge key (<<) needs a mapping', 'DA-CMP-010', src.origin);
        for (const [k, e] of src.entries) if (!m.entries.has(k)) m.entries.set(k, e);
      }
      return m;
    }
    throw new ComposeInputError('unsupported YAML node', 'DA-CMP-002', at);
  };
  return walk(top, 0);
}

/**
 * Each alias's anchor (the last one of that name before it), found in one pass: `Alias.resolve` walks the whole
 * document on every call, which a file of many aliases would turn quadratic.
 */
function aliasTargets(doc: Document): Map<Alias, YamlNode> {
  const last = new Map<string, YamlNode>();
  const targets = new Map<Alias, YamlNode>();
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = last.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) last.set(node.anchor, node);
    },
  });
  return targets;
}

function mergeTag(tag: string | undefined, at: Origin): MergeTag | undefined {
  if (tag === undefined) return undefined;
  if (tag === '!reset' || tag === '!override') return tag;
  if (tag.startsWith('tag:yaml.org,2002:')) return undefined;
  throw new ComposeInputError(`unsupported YAML tag ${tag} (Compose knows !reset and !override)`, 'DA-CMP-010', at);
}

/**
 * Types a scalar the way Compose's YAML library (yaml.v3) does: plain `0400` is octal 256, `yes` stays a string,
 * quoted values are strings.
 */
export function scalarFrom(
  value: unknown,
  type: string | null | undefined,
  source: string | undefined,
): { value: Scalar; quoted: boolean } {
  if (type !== 'PLAIN') return { value: value === null || value === undefined ? '' : String(value), quoted: true };
  const s = source ?? (value === null || value === undefined ? '' : String(value));
  return { value: resolvePlain(s), quoted: false };
}

export function resolvePlain(s: string): Scalar {
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  const int = parseGoInt(s.replace(/_/g, ''));
  if (int !== undefined) return int;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(s)) return NaN;
  return s;
}

/** Go's strconv.ParseInt(s, 0, 64): 0x, 0o, 0b prefixes and a leading 0 for octal. */
function parseGoInt(s: string): number | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!;
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) v = parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
  else if (body.length > 1 && body.startsWith('0')) v = parseInt(body.slice(1), 8);
  else v = parseInt(body, 10);
  return sign * v;
}
