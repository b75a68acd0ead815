/**
 * Every path a layer writes, kept as a 53-bit hash rather than a string (8 bytes a path), so that a non-directory
 * written over a directory can hide what lower layers had there even when the upper layer streams by first and
 * nothing below it is known yet. A false hit needs a 53-bit collision between two paths of one image.
 */

/** Two 32-bit multiplicative hashes of the UTF-16 code units, folded into one safe integer. */
export function pathHash(path: string): number {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < path.length; i += 1) {
    const c = path.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return (a >>> 0) + (b >>> 11) * 0x1_0000_0000;
}

export class WrittenPaths {
  /** Hashes of the directories the layer writes. */
  readonly directories: number[] = [];
  /** Hashes of everything else it writes (files, links, devices); not its whiteout markers. */
  readonly others: number[] = [];

  add(path: string, isDirectory: boolean): void {
    (isDirectory ? this.directories : this.others).push(pathHash(path));
  }
}
