/**
 * Reads a `docker save` stream in one pass, without extracting anything to disk and without running the image,
 * so it works for images with no shell. Each layer tar is parsed as a nested stream while the outer tar flows by;
 * only what matters is kept (paths the caller finds interesting, whiteouts, opaque markers, symlinks, and the
 * contents of a few small files such as /etc/passwd), so memory stays flat however large the image is.
 *
 * Both save formats are read: the legacy one (`<id>/layer.tar`, `<config>.json`, `manifest.json` last) and the OCI
 * layout (`blobs/sha256/<hex>`, `index.json`, `oci-layout`), including gzip-compressed layer blobs. The layer order
 * is only known from manifest.json, which may come last, so every layer is summarised on its own as it arrives and
 * the summaries are merged with overlay semantics once the order is known.
 */
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { HistoryEntry } from './layer-provenance.js';

export interface ReadOptions {
  /** Paths (normalised: no leading `/` or `./`, no trailing `/`) whose entries the reader must keep. */
  isInteresting(path: string): boolean;
  /** Files whose final contents the caller needs, e.g. `etc/passwd`, `etc/group`. */
  wantContents?: readonly string[];
  /** Cap on each wanted file's kept contents (default 1 MiB); beyond it the contents are marked truncated. */
  maxContentBytes?: number;
  /** Cap on JSON documents (manifest, index, config) buffered from the stream (default 16 MiB). */
  maxJsonBytes?: number;
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: {
    User?: string;
    Env?: string[] | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
  } | null;
  history?: HistoryEntry[];
  rootfs?: { type?: string; diff_ids?: string[] };
}

export type EntryType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'directory'
  | 'character-device'
  | 'block-device'
  | 'fifo'
  | 'contiguous-file';

export interface LayerInfo {
  /** Position in the image (0 = base), as in `rootfs.diff_ids`. */
  index: number;
  /** Path of the layer's entry in the saved tar (`<id>/layer.tar` or `blobs/sha256/<hex>`). */
  path: string;
  /** Bytes the layer takes in the saved stream (compressed size for a gzip blob). */
  size: number;
  /** Bytes of the layer's tar once decompressed. */
  tarSize: number;
  compression: 'none' | 'gzip';
  /** Entries in the layer tar. */
  entryCount: number;
  diffId?: string;
}

export interface FileEntry {
  path: string;
  type: EntryType;
  /** Bytes the entry carries (0 for directories, symlinks and hard links). */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Symlink target, or for a hard link the path it links to (normalised). */
  linkTarget?: string;
  /** Index of the layer that last wrote the path. */
  layerIndex: number;
}

export interface RemovedFile extends FileEntry {
  /** Layer that hid it: by a whiteout, an opaque directory, or a non-directory written over a parent. */
  removedInLayer: number;
  removedBy: 'whiteout' | 'opaque' | 'replaced';
  /** Bytes still shipped in the image for nothing (the entry's size). */
  wastedBytes: number;
}

export interface FileContent {
  data: Buffer;
  truncated: boolean;
  layerIndex: number;
}

export interface SavedImage {
  format: 'docker' | 'oci';
  config: ImageConfig;
  configPath: string;
  repoTags: string[];
  layers: LayerInfo[];
  /** Interesting paths present at runtime, sorted by path. */
  finalFiles: FileEntry[];
  /** Interesting non-directory paths added by one layer and hidden by a later one, in layer order. */
  removedFiles: RemovedFile[];
  /** Final contents of the wanted files that exist at runtime as regular files. */
  contents: Map<string, FileContent>;
}

/** The stream is not a readable saved image: the message says what is wrong, for an annotation. */
export class SavedImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SavedImageError';
  }
}

const MiB = 1024 * 1024;
const OPAQUE = '.wh..wh..opq';
const WHITEOUT = '.wh.';
const META_PREFIX = '.wh..wh.'; // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not whiteouts

/** No leading `/` or `./`, no trailing `/`, no `.` or empty segments. */
export function normalisePath(name: string): string {
  let p = name;
  if (p.startsWith('./') || p.startsWith('/')) p = p.replace(/^(?:\.?\/)+/, '');
  if (p.endsWith('/')) p = p.replace(/\/+$/, '');
  if (p === '.') return '';
  if (p.includes('//') || p.includes('/./') || p.endsWith('/.') || p.includes('..')) {
    const out: string[] = [];
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') out.pop();
      else out.push(seg);
    }
    p = out.join('/');
  }
  return p;
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Proper ancestors, outermost first: `usr/bin/gcc` → `usr`, `usr/bin`. */
function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** What one layer contributes, independent of the layers below it. */
interface LayerSummary {
  path: string;
  size: number;
  tarSize: number;
  compression: 'none' | 'gzip';
  entryCount: number;
  /** Interesting (or wanted) entries the layer writes. */
  entries: Map<string, FileEntry & { data?: Buffer; truncated?: boolean }>;
  /** Paths removed by `.wh.NAME` entries. */
  whiteouts: string[];
  /** Directories marked opaque. */
  opaque: string[];
  /** Non-directory entries that may sit where a lower layer had a directory holding interesting paths. */
  hiders: string[];
}

interface Context {
  options: ReadOptions;
  want: Set<string>;
  maxContent: number;
  /** Ancestors of every interesting path seen so far, in any layer: a non-directory there hides them. */
  ancestors: Set<string>;
}

type Sink = { write(chunk: Buffer): boolean | Promise<void>; end(): Promise<void> };

const ZERO_BLOCK = Buffer.alloc(512);

function startsWith(buf: Buffer, magic: readonly number[]): boolean {
  return magic.every((byte, i) => buf[i] === byte);
}

function isTarHeader(head: Buffer): boolean {
  if (head.length < 512) return false;
  const magic = head.subarray(257, 262).toString('latin1');
  return magic === 'ustar' || head.subarray(0, 512).equals(ZERO_BLOCK);
}

/** First non-whitespace byte is `{` or `[`. */
function looksLikeJson(head: Buffer): boolean {
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Parses one layer tar (plain or gzip) as it streams by, into a summary. */
function layerSink(ctx: Context, summary: LayerSummary, gzip: boolean): Sink {
  const extract = tar.extract({ highWaterMark: 1024 * 1024 });
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', (err: Error) =>
      reject(err instanceof SavedImageError ? err : new SavedImageError(`layer ${summary.path}: ${err.message}`)),
    );
  });
  done.catch(() => undefined); // observed here so an abandoned layer never raises an unhandled rejection
  extract.on('entry', (header, stream, next) => {
    summary.entryCount += 1;
    const path = normalisePath(header.name);
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    const type = (header.type ?? 'file') as EntryType;
    let keep: (FileEntry & { data?: Buffer; truncated?: boolean }) | undefined;

    if (base.startsWith(WHITEOUT)) {
      const dir = slash === -1 ? '' : path.slice(0, slash);
      if (base === OPAQUE) summary.opaque.push(dir);
      else if (!base.startsWith(META_PREFIX)) summary.whiteouts.push(join(dir, base.slice(WHITEOUT.length)));
    } else if (path !== '') {
      if (type !== 'directory' && (type === 'symlink' || ctx.ancestors.has(path))) summary.hiders.push(path);
      if (ctx.want.has(path) || ctx.options.isInteresting(path)) {
        keep = {
          path,
          type,
          size: type === 'file' || type === 'contiguous-file' ? (header.size ?? 0) : 0,
          mode: header.mode ?? 0,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          layerIndex: -1,
        };
        if (header.linkname) keep.linkTarget = type === 'link' ? normalisePath(header.linkname) : header.linkname;
        summary.entries.set(path, keep);
        for (const a of ancestorsOf(path)) ctx.ancestors.add(a);
      }
    }

    if (keep && ctx.want.has(keep.path) && (type === 'file' || type === 'contiguous-file')) {
      const entry = keep;
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      stream.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        const room = ctx.maxContent - kept;
        if (room <= 0) {
          truncated = true;
          return;
        }
        if (chunk.length > room) truncated = true;
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        chunks.push(Buffer.from(part)); // copy: the parser's buffers are reused views of the input
        kept += part.length;
      });
      stream.on('end', () => {
        entry.data = Buffer.concat(chunks);
        entry.truncated = truncated;
        next();
      });
    } else {
      stream.on('end', () => next());
      stream.resume();
    }
  });

  let head: Writable | NodeJS.ReadWriteStream = extract as unknown as Writable;
  if (gzip) {
    const gunzip = createGunzip();
    gunzip.on('data', (chunk: Buffer) => {
      summary.tarSize += chunk.length;
      if (!extract.write(chunk)) {
        gunzip.pause();
        extract.once('drain', () => gunzip.resume());
      }
    });
    gunzip.on('end', () => {
      extract.end(undefined);
    });
    gunzip.on('error', (err: Error) => extract.destroy(new SavedImageError(`layer ${summary.path}: ${err.message}`)));
    head = gunzip;
  }
  return {
    write(chunk) {
      if (!gzip) summary.tarSize += chunk.length;
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

function jsonSink(path: string, cap: number, into: Map<string, Buffer>, oversized: Set<string>): Sink {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    write(chunk) {
      size += chunk.length;
      if (size <= cap) chunks.push(Buffer.from(chunk));
      return true;
    },
    async end() {
      if (size <= cap) into.set(path, Buffer.concat(chunks));
      else oversized.add(path);
    },
  };
}

const discard: Sink = { write: () => true, end: async () => undefined };

/**
 * One outer entry: buffers its first 512 bytes to recognise it (gzip, zstd, tar, JSON), then streams the rest to
 * the right sink. Layer entries are `<id>/layer.tar` or any blob; small JSON files are kept for the manifest step.
 */
class EntryRouter extends Writable {
  private head: Buffer[] = [];
  private headSize = 0;
  private sink: Sink | undefined;

  constructor(
    private readonly size: number,
    private readonly choose: (head: Buffer) => Sink,
  ) {
    super({ highWaterMark: 256 * 1024 });
  }

  private route(head: Buffer): Sink {
    this.head = [];
    this.sink = this.choose(head);
    return this.sink;
  }

  private forward(sink: Sink, chunk: Buffer, callback: (error?: Error | null) => void): void {
    try {
      const ok = sink.write(chunk);
      if (ok === true || ok === false) callback();
      else ok.then(() => callback(), callback);
    } catch (err) {
      callback(err as Error);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.sink) {
      this.forward(this.sink, chunk, callback);
      return;
    }
    this.head.push(chunk);
    this.headSize += chunk.length;
    if (this.headSize < 512 && this.headSize < this.size) {
      callback();
      return;
    }
    const joined = Buffer.concat(this.head);
    this.forward(this.route(joined), joined, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    let pending: Buffer | undefined;
    if (!this.sink) pending = Buffer.concat(this.head);
    const s = this.sink ?? this.route(pending as Buffer);
    const flush = pending && pending.length > 0 ? Promise.resolve(s.write(pending)) : Promise.resolve();
    flush
      .then(() => s.end())
      .then(
        () => callback(),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
  }
}

interface Collected {
  layers: Map<string, LayerSummary>;
  zstd: Set<string>;
  aliases: Map<string, string>;
  json: Map<string, Buffer>;
  oversizedJson: Set<string>;
}

function isLayerName(path: string): boolean {
  return path.endsWith('/layer.tar') || path === 'layer.tar' || path.startsWith('blobs/');
}

function isJsonName(path: string): boolean {
  return !path.includes('/') && (path.endsWith('.json') || path === 'index.json');
}

/** What `feed` needs of a readable: Node's streams and streamx's (tar-stream's entries) both fit. */
interface ChunkSource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

interface ChunkTarget {
  on(event: 'finish', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
  write(chunk: Buffer): boolean;
  end(): unknown;
}

/** Pushes a readable into a writable with back-pressure; resolves when the writable finishes. */
function feed(source: ChunkSource, target: ChunkTarget): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    source.on('error', fail);
    target.on('error', fail);
    target.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    source.on('data', (chunk: Buffer) => {
      if (!target.write(chunk)) {
        source.pause();
        target.once('drain', () => source.resume());
      }
    });
    source.on('end', () => target.end());
  });
}

async function collect(input: NodeJS.ReadableStream | Readable, ctx: Context, maxJson: number): Promise<Collected> {
  const out: Collected = {
    layers: new Map(),
    zstd: new Set(),
    aliases: new Map(),
    json: new Map(),
    oversizedJson: new Set(),
  };
  const outer = tar.extract({ highWaterMark: 1024 * 1024 });

  outer.on('entry', (header, stream, next) => {
    const path = normalisePath(header.name);
    const size = header.size ?? 0;
    const type = header.type ?? 'file';
    if ((type === 'symlink' || type === 'link') && header.linkname && isLayerName(path)) {
      // docker writes a layer that appears twice once, and links the second path to the first.
      const target = type === 'symlink' ? join(dirname(path), header.linkname) : header.linkname;
      out.aliases.set(path, normalisePath(target));
    }
    if (type !== 'file' && type !== 'contiguous-file') {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    const layerCandidate = isLayerName(path);
    const jsonCandidate = isJsonName(path);
    const router = new EntryRouter(size, (head) => {
      if (layerCandidate) {
        if (startsWith(head, ZSTD_MAGIC)) {
          out.zstd.add(path);
          return discard;
        }
        const gzip = startsWith(head, GZIP_MAGIC);
        if (gzip || isTarHeader(head)) {
          const summary: LayerSummary = {
            path,
            size,
            tarSize: 0,
            compression: gzip ? 'gzip' : 'none',
            entryCount: 0,
            entries: new Map(),
            whiteouts: [],
            opaque: [],
            hiders: [],
          };
          out.layers.set(path, summary);
          return layerSink(ctx, summary, gzip);
        }
      }
      if ((jsonCandidate || layerCandidate) && looksLikeJson(head)) {
        return jsonSink(path, maxJson, out.json, out.oversizedJson);
      }
      return discard;
    });
    feed(stream as unknown as ChunkSource, router).then(
      () => next(),
      (err: unknown) => outer.destroy(err instanceof Error ? err : new Error(String(err))),
    );
  });

  try {
    await feed(input as unknown as ChunkSource, outer as unknown as ChunkTarget);
  } catch (err) {
    if (err instanceof SavedImageError) throw err;
    throw new SavedImageError(`cannot read the saved image: ${(err as Error).message}`);
  }
  return out;
}

function parseJson<T>(found: Collected, path: string, what: string): T {
  const buf = found.json.get(path);
  if (!buf) {
    if (found.oversizedJson.has(path)) throw new SavedImageError(`${what} ${path} is larger than the reader's limit`);
    throw new SavedImageError(`the saved image has no ${what} (${path})`);
  }
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    throw new SavedImageError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

interface DockerManifestEntry {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

interface OciDescriptor {
  mediaType?: string;
  digest?: string;
  annotations?: Record<string, string>;
}

interface OciDocument {
  mediaType?: string;
  manifests?: OciDescriptor[];
  config?: OciDescriptor;
  layers?: OciDescriptor[];
}

function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (!algorithm || !hex) throw new SavedImageError(`bad digest ${digest} in the saved image's index`);
  return `blobs/${algorithm}/${hex}`;
}

/** Config path, layer paths and tags, from manifest.json (both formats) or else index.json (pure OCI layout). */
function locate(found: Collected): { format: 'docker' | 'oci'; config: string; layers: string[]; repoTags: string[] } {
  const oci = found.json.has('index.json') || [...found.layers.keys()].some((p) => p.startsWith('blobs/'));
  if (found.json.has('manifest.json') || found.oversizedJson.has('manifest.json')) {
    const manifest = parseJson<DockerManifestEntry[]>(found, 'manifest.json', 'manifest');
    const first = Array.isArray(manifest) ? manifest[0] : undefined;
    if (!first?.Config || !Array.isArray(first.Layers)) {
      throw new SavedImageError('manifest.json in the saved image lists no image (Config and Layers missing)');
    }
    return {
      format: oci ? 'oci' : 'docker',
      config: normalisePath(first.Config),
      layers: first.Layers.map(normalisePath),
      repoTags: first.RepoTags ?? [],
    };
  }
  if (!found.json.has('index.json'))
    throw new SavedImageError('the saved image has neither manifest.json nor index.json');
  let doc = parseJson<OciDocument>(found, 'index.json', 'OCI index');
  const repoTags: string[] = [];
  for (let depth = 0; depth < 8; depth += 1) {
    if (doc.config?.digest && Array.isArray(doc.layers)) {
      for (const layer of doc.layers) {
        if (layer.mediaType?.includes('zstd')) {
          throw new SavedImageError(
            `layer ${layer.digest ?? '?'} is zstd-compressed (${layer.mediaType}); save the image with gzip or uncompressed layers`,
          );
        }
      }
      return {
        format: 'oci',
        config: blobPath(doc.config.digest),
        layers: doc.layers.map((l) => blobPath(l.digest ?? '')),
        repoTags,
      };
    }
    const next = doc.manifests?.find((m) => m.digest) ?? undefined;
    if (!next?.digest) break;
    const tag =
      next.annotations?.['io.containerd.image.name'] ?? next.annotations?.['org.opencontainers.image.ref.name'];
    if (tag && repoTags.length === 0) repoTags.push(tag);
    const path = blobPath(next.digest);
    doc = parseJson<OciDocument>(found, path, 'OCI manifest');
  }
  throw new SavedImageError('index.json in the saved image leads to no image manifest');
}

function resolveAlias(found: Collected, path: string): string {
  let p = path;
  for (let i = 0; i < 8 && !found.layers.has(p) && found.aliases.has(p); i += 1) p = found.aliases.get(p) as string;
  return p;
}

/** Applies the layers in order with overlay semantics; returns the runtime view and what was hidden. */
function merge(
  summaries: LayerSummary[],
  want: Set<string>,
): { finalFiles: FileEntry[]; removedFiles: RemovedFile[]; contents: Map<string, FileContent> } {
  type Live = FileEntry & { data?: Buffer; truncated?: boolean; ancestors: string[] };
  const state = new Map<string, Live>();
  const removedFiles: RemovedFile[] = [];

  const hide = (entry: Live, layerIndex: number, removedBy: RemovedFile['removedBy']) => {
    state.delete(entry.path);
    if (entry.type === 'directory') return;
    const { data: _data, truncated: _truncated, ancestors: _ancestors, ...file } = entry;
    removedFiles.push({ ...file, removedInLayer: layerIndex, removedBy, wastedBytes: file.size });
  };

  summaries.forEach((layer, layerIndex) => {
    // Removals apply to the layers below only: a layer's own entries under an opaque dir stay.
    if (state.size > 0 && (layer.whiteouts.length || layer.opaque.length || layer.hiders.length)) {
      const whiteouts = new Set(layer.whiteouts);
      const opaque = new Set(layer.opaque);
      const hiders = new Set(layer.hiders);
      for (const entry of [...state.values()]) {
        if (whiteouts.has(entry.path)) {
          hide(entry, layerIndex, 'whiteout');
          continue;
        }
        // Ancestors outermost first; the root ('') can be opaque too.
        if (opaque.has('')) {
          hide(entry, layerIndex, 'opaque');
          continue;
        }
        for (const a of entry.ancestors) {
          if (whiteouts.has(a)) hide(entry, layerIndex, 'whiteout');
          else if (opaque.has(a)) hide(entry, layerIndex, 'opaque');
          else if (hiders.has(a)) hide(entry, layerIndex, 'replaced');
          else continue;
          break;
        }
      }
    }
    for (const added of layer.entries.values()) {
      // A non-directory written where a directory was hides everything the lower layers had below it.
      if (added.type !== 'directory') {
        const prefix = `${added.path}/`;
        for (const entry of [...state.values()]) if (entry.path.startsWith(prefix)) hide(entry, layerIndex, 'replaced');
      }
      const live: Live = { ...added, layerIndex, ancestors: ancestorsOf(added.path) };
      if (live.type === 'link' && live.linkTarget !== undefined) {
        // A hard link shares its target's bytes; the target in the same layer carries them.
        const target = layer.entries.get(live.linkTarget);
        if (target?.data) {
          live.data = target.data;
          live.truncated = target.truncated ?? false;
        }
      }
      state.set(added.path, live);
    }
  });

  const contents = new Map<string, FileContent>();
  const finalFiles: FileEntry[] = [];
  for (const entry of [...state.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const { data, truncated, ancestors: _ancestors, ...file } = entry;
    finalFiles.push(file);
    if (want.has(entry.path) && data)
      contents.set(entry.path, { data, truncated: truncated ?? false, layerIndex: entry.layerIndex });
  }
  return { finalFiles, removedFiles, contents };
}

/** Reads a `docker save` stream (legacy or OCI layout) into the image config, its layers and the runtime view. */
export async function readSavedImage(
  stream: NodeJS.ReadableStream | Readable,
  options: ReadOptions,
): Promise<SavedImage> {
  const want = new Set((options.wantContents ?? []).map(normalisePath));
  const ctx: Context = { options, want, maxContent: options.maxContentBytes ?? MiB, ancestors: new Set() };
  const found = await collect(stream, ctx, options.maxJsonBytes ?? 16 * MiB);

  const where = locate(found);
  const config = parseJson<ImageConfig>(found, where.config, 'image config');
  const diffIds = config.rootfs?.diff_ids ?? [];

  const summaries = where.layers.map((path) => {
    const real = resolveAlias(found, path);
    const summary = found.layers.get(real);
    if (summary) return summary;
    if (found.zstd.has(real)) {
      throw new SavedImageError(`layer ${path} is zstd-compressed; save the image with gzip or uncompressed layers`);
    }
    throw new SavedImageError(`layer ${path} listed in the manifest is missing from the saved image or is not a tar`);
  });
  if (diffIds.length > 0 && diffIds.length !== summaries.length) {
    throw new SavedImageError(
      `the image config lists ${diffIds.length} layers (rootfs.diff_ids) but the manifest has ${summaries.length}`,
    );
  }

  const layers: LayerInfo[] = summaries.map((s, index) => {
    const info: LayerInfo = {
      index,
      path: where.layers[index] ?? s.path,
      size: s.size,
      tarSize: s.tarSize,
      compression: s.compression,
      entryCount: s.entryCount,
    };
    const diffId = diffIds[index];
    if (diffId) info.diffId = diffId;
    return info;
  });
  return {
    format: where.format,
    config,
    configPath: where.config,
    repoTags: where.repoTags,
    layers,
    ...merge(summaries, want),
  };
}
