/**
 * One layer tar, parsed as it streams by into what it contributes on its own: the entries worth keeping, its
 * whiteouts and opaque markers, and the hashes of every path it writes. The layer order is only known once
 * manifest.json (often last) arrives, so layers are summarised independently and overlaid afterwards.
 */
import tar from 'tar-stream';
import { basename, dirname, join, normalisePath } from './image-path.js';
import { type LayerCompression, openDecompressor } from './layer-compression.js';
import type { Sink } from './stream-plumbing.js';
import { type EntryType, type FileEntry, SavedImageError } from './types.js';
import { WrittenPaths } from './written-paths.js';

const OPAQUE = '.wh..wh..opq';
const WHITEOUT = '.wh.';
const META_PREFIX = '.wh..wh.'; // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not whiteouts

/** An entry a layer writes, as kept; `layerIndex` is set once the layer's place is known. */
export interface KeptEntry extends FileEntry {
  /** Whether the caller asked for it (else it is kept only to resolve symlinks or to read a wanted file). */
  reported: boolean;
  data?: Buffer;
  truncated?: boolean;
}

export interface LayerSummary {
  path: string;
  size: number;
  tarSize: number;
  compression: LayerCompression;
  entryCount: number;
  /** Entries kept: reported paths, every symlink (they may be directories on PATH), wanted-file candidates. */
  entries: Map<string, KeptEntry>;
  /** Paths removed by `.wh.NAME` entries. */
  whiteouts: string[];
  /** Directories marked opaque. */
  opaque: string[];
  written: WrittenPaths;
}

export interface KeepRules {
  isReported(path: string, mode: number): boolean;
  /** Whether a regular file's bytes may be what a wanted file resolves to. */
  mayHoldWantedContents(path: string): boolean;
  maxContentBytes: number;
}

export function emptySummary(path: string, size: number, compression: LayerCompression): LayerSummary {
  return {
    path,
    size,
    tarSize: 0,
    compression,
    entryCount: 0,
    entries: new Map(),
    whiteouts: [],
    opaque: [],
    written: new WrittenPaths(),
  };
}

const isRegular = (type: EntryType) => type === 'file' || type === 'contiguous-file';

/** Parses one layer tar (plain or compressed) as it streams by, into `summary`. */
export function layerSummarySink(summary: LayerSummary, rules: KeepRules): Sink {
  const fail = (err: Error) =>
    err instanceof SavedImageError ? err : new SavedImageError(`layer ${summary.path}: ${err.message}`);
  const decompressor = openDecompressor(summary.compression, summary.path);
  const extract = tar.extract({ highWaterMark: 1024 * 1024 });
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', (err: Error) => reject(fail(err)));
  });
  done.catch(() => undefined); // observed here so an abandoned layer never raises an unhandled rejection

  extract.on('entry', (header, stream, next) => {
    summary.entryCount += 1;
    const path = normalisePath(header.name);
    const base = basename(path);
    const type = (header.type ?? 'file') as EntryType;
    let keep: KeptEntry | undefined;

    if (base.startsWith(WHITEOUT)) {
      if (base === OPAQUE) summary.opaque.push(dirname(path));
      else if (!base.startsWith(META_PREFIX)) summary.whiteouts.push(join(dirname(path), base.slice(WHITEOUT.length)));
    } else if (path !== '') {
      summary.written.add(path, type === 'directory');
      const reported = rules.isReported(path, header.mode ?? 0);
      const candidate = (isRegular(type) || type === 'link') && rules.mayHoldWantedContents(path);
      if (reported || candidate || type === 'symlink') {
        keep = {
          path,
          type,
          size: isRegular(type) ? (header.size ?? 0) : 0,
          mode: header.mode ?? 0,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          layerIndex: -1,
          reported,
        };
        if (header.linkname) keep.linkTarget = type === 'link' ? normalisePath(header.linkname) : header.linkname;
        if (type === 'link') {
          // A hard link shares its target's bytes; tar carries them once, with the target, earlier in this layer.
          const target = summary.entries.get(keep.linkTarget ?? '');
          if (target?.data) {
            keep.data = target.data;
            keep.truncated = target.truncated ?? false;
          }
        }
        summary.entries.set(path, keep);
      }
      if (keep && candidate && isRegular(type)) {
        readContents(stream, rules.maxContentBytes, keep, next);
        return;
      }
    }
    stream.on('end', () => next());
    stream.resume();
  });

  let head: NodeJS.WritableStream = extract as unknown as NodeJS.WritableStream;
  if (decompressor) {
    decompressor.on('data', (chunk: Buffer) => {
      summary.tarSize += chunk.length;
      if (!extract.write(chunk)) {
        decompressor.pause();
        extract.once('drain', () => decompressor.resume());
      }
    });
    decompressor.on('end', () => extract.end(undefined));
    decompressor.on('error', (err: Error) =>
      extract.destroy(
        new SavedImageError(`layer ${summary.path}: cannot decompress (${summary.compression}): ${err.message}`),
      ),
    );
    head = decompressor;
  }
  return {
    write(chunk) {
      if (!decompressor) summary.tarSize += chunk.length;
      if (head.write(chunk)) return true;
      return new Promise<void>((resolve, reject) => {
        head.once('drain', resolve);
        done.catch(reject);
      });
    },
    async end() {
      head.end();
      await done;
    },
  };
}

/** Keeps up to `cap` bytes of an entry's data, marking it truncated beyond that. */
function readContents(stream: tar.ExtractEvents['entry'][1], cap: number, entry: KeptEntry, next: () => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  stream.on('data', (data: unknown) => {
    const chunk = data as Buffer;
    const room = cap - kept;
    if (chunk.length > room) truncated = true;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    chunks.push(Buffer.from(part)); // copy: the parser's buffers are reused views of the input
    kept += part.length;
  });
  stream.on('end', () => {
    entry.data = Buffer.concat(chunks);
    entry.truncated = truncated;
    next();
  });
}
