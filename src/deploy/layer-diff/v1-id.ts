/**
 * Which layer a legacy `docker save` directory holds. dockerd (20.10, image/tarexport/save.go) names each layer
 * directory by a v1 ID, `sha256` of the directory's own `json` with `id` dropped, `parent` as a digest and
 * `layer_id` set to the layer's chain ID, keys sorted (image/v1 CreateID; below the top layer also without `os`). The directories come in name order, not
 * layer order, and manifest.json (which maps them) comes last; but each directory's `json` comes before its
 * `layer.tar`, so recomputing the ID for each candidate chain ID tells which layer the blob is, proven by the hash.
 */
import { createHash } from 'node:crypto';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Chain IDs of an image's layers (image spec: chain(0) = diff(0), chain(n) = sha256(chain(n-1) + " " + diff(n))). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : `sha256:${sha256(`${out[out.length - 1]} ${d}`)}`);
  return out;
}

/**
 * The top-level members of a JSON object as raw text, in order: the ID hashes the bytes Go wrote, so values must
 * not be re-encoded (Go escapes `<`, `>`, `&` where JSON.stringify does not). Undefined for text that is no object.
 */
export function rawMembers(json: string): Array<[string, string]> | undefined {
  const out: Array<[string, string]> = [];
  let i = json.indexOf('{');
  if (i < 0 || json.slice(0, i).trim() !== '') return undefined;
  i += 1;
  const skipSpace = () => {
    while (i < json.length && /\s/.test(json[i]!)) i += 1;
  };
  const stringEnd = (from: number): number => {
    for (let j = from + 1; j < json.length; j += 1) {
      if (json[j] === '\\') j += 1;
      else if (json[j] === '"') return j + 1;
    }
    return -1;
  };
  for (;;) {
    skipSpace();
    if (json[i] === '}') return out;
    if (json[i] !== '"') return undefined;
    const keyEnd = stringEnd(i);
    if (keyEnd < 0) return undefined;
    const key = JSON.parse(json.slice(i, keyEnd)) as string;
    i = keyEnd;
    skipSpace();
    if (json[i] !== ':') return undefined;
    i += 1;
    skipSpace();
    const start = i;
    let depth = 0;
    for (; i < json.length; i += 1) {
      const c = json[i]!;
      if (c === '"') {
        const e = stringEnd(i);
        if (e < 0) return undefined;
        i = e - 1;
      } else if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth -= 1;
      } else if (c === ',' && depth === 0) break;
    }
    if (i >= json.length) return undefined;
    out.push([key, json.slice(start, i).trim()]);
    if (json[i] === ',') i += 1;
  }
}

/**
 * The v1 ID dockerd gives the layer with this chain ID, from the directory's `json` text (hex, no algorithm).
 * `withOs: false` for a layer below the top one: save.go sets `os` on those only after hashing.
 */
export function v1IdFor(layerJson: string, chainId: string, withOs = true): string | undefined {
  const members = rawMembers(layerJson);
  if (!members) return undefined;
  const fields = new Map(members.filter(([k]) => k !== 'id' && (withOs || k !== 'os')));
  const parent = fields.get('parent');
  if (parent !== undefined) {
    let hex: unknown;
    try {
      hex = JSON.parse(parent);
    } catch {
      return undefined;
    }
    if (typeof hex !== 'string' || hex === '') fields.delete('parent');
    else fields.set('parent', JSON.stringify(`sha256:${hex}`));
  }
  fields.set('layer_id', JSON.stringify(chainId));
  const keys = [...fields.keys()].sort();
  return sha256(`{${keys.map((k) => `${JSON.stringify(k)}:${fields.get(k)!}`).join(',')}}`);
}

/** The index of the layer a directory holds: the one whose chain ID reproduces the directory's name. */
export function layerIndexOf(dirName: string, layerJson: string, chains: readonly string[]): number | undefined {
  const top = chains.length - 1;
  for (let i = 0; i < chains.length; i += 1) {
    if (v1IdFor(layerJson, chains[i]!, i === top) === dirName) return i;
  }
  return undefined;
}
