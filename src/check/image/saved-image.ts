/**
 * Reads a `docker save` stream in one pass, without extracting anything to disk and without running the image,
 * so it works for images with no shell. Each layer tar is parsed as a nested stream while the outer tar flows by;
 * only what matters is kept (paths the caller finds interesting, symlinks, whiteouts, opaque markers, hashes of the
 * paths each layer writes, and the bytes of a few small files such as /etc/passwd), so memory stays flat.
 *
 * Pieces, in the order the bytes meet them: save-reader/stream-plumbing (routing outer entries), layer-compression
 * (gzip/zstd, by magic bytes), layer-summary (one layer on its own), save-layout (docker-archive or OCI layout:
 * where the config and the ordered layers are), filesystem-view (the layers overlaid once the order is known).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { overlayLayers } from './save-reader/filesystem-view.js';
import { basename, dirname, normalisePath } from './save-reader/image-path.js';
import { detectLayerCompression } from './save-reader/layer-compression.js';
import { emptySummary, type KeepRules, layerSummarySink } from './save-reader/layer-summary.js';
import {
  aliasTarget,
  isJsonName,
  isLayerName,
  layerSummaryFor,
  locateImages,
  looksLikeJson,
  parseJson,
  type SaveContents,
  type SaveLayout,
} from './save-reader/save-layout.js';
import {
  type ChunkSource,
  type ChunkTarget,
  discard,
  EntryRouter,
  feed,
  jsonSink,
} from './save-reader/stream-plumbing.js';
import {
  type FileContent,
  type FileEntry,
  type ImageConfig,
  type LayerInfo,
  type ReadOptions,
  type RemovedFile,
  SavedImageError,
} from './save-reader/types.js';
import type { FilesystemView } from './save-reader/filesystem-view.js';

/** A saved image as the checks see it: its config, layers, the interesting paths and the overlaid tree. */
export interface SavedImage {
  format: 'docker' | 'oci';
  config: ImageConfig;
  configPath: string;
  /** `sha256:` of the config's bytes: the image ID. */
  configDigest: string;
  /** `os/arch[/variant]`, from the OCI index or else the config. */
  platform: string;
  repoTags: string[];
  layers: LayerInfo[];
  /** Interesting paths present at runtime, sorted by path. */
  finalFiles: FileEntry[];
  /** Interesting non-directory paths added by one layer and hidden by a later one, in layer order. */
  removedFiles: RemovedFile[];
  /** Final contents of the wanted files, read through symlinks and hard links as the runtime would. */
  contents: Map<string, FileContent>;
  /** The layers overlaid into one tree of what was kept, for lookups that follow symlinks (PATH directories). */
  view: FilesystemView;
}

export { FilesystemView, MAX_SYMLINK_HOPS, overlayLayers } from './save-reader/filesystem-view.js';
export { normalisePath } from './save-reader/image-path.js';
export type {
  EntryType,
  FileContent,
  FileEntry,
  ImageConfig,
  LayerInfo,
  ReadOptions,
  RemovedFile,
} from './save-reader/types.js';
export { SavedImageError } from './save-reader/types.js';

const MiB = 1024 * 1024;

/** The outer pass: every layer summarised as it arrives, small JSON documents kept, the rest skipped. */
async function readSaveStream(
  input: NodeJS.ReadableStream | Readable,
  rules: KeepRules,
  maxJson: number,
): Promise<SaveContents> {
  const found: SaveContents = { layers: new Map(), aliases: new Map(), json: new Map(), oversizedJson: new Set() };
  const outer = tar.extract({ highWaterMark: MiB });

  outer.on('entry', (header, stream, next) => {
    const path = normalisePath(header.name);
    const size = header.size ?? 0;
    const type = header.type ?? 'file';
    if ((type === 'symlink' || type === 'link') && header.linkname && isLayerName(path)) {
      found.aliases.set(path, aliasTarget(path, header.linkname, type === 'symlink'));
    }
    if (type !== 'file' && type !== 'contiguous-file') {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    const router = new EntryRouter(size, (head) => {
      const compression = isLayerName(path) ? detectLayerCompression(head) : undefined;
      if (compression) {
        const summary = emptySummary(path, size, compression);
        found.layers.set(path, summary);
        return layerSummarySink(summary, rules);
      }
      if ((isJsonName(path) || isLayerName(path)) && looksLikeJson(head)) {
        return jsonSink(path, maxJson, found.json, found.oversizedJson);
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
  return found;
}

/**
 * Wanted files, and any file that may turn out to hold one's bytes: same name, or a backup like `passwd-`; and
 * every file directly inside a wanted directory.
 */
function wantedFileRules(wanted: readonly string[], dirs: readonly string[]): (path: string) => boolean {
  const paths = new Set(wanted);
  const names = [...new Set(wanted.map(basename))];
  const inDirs = new Set(dirs);
  return (path) => {
    if (paths.has(path) || inDirs.has(dirname(path))) return true;
    const base = basename(path);
    return names.some((n) => base === n || (base.startsWith(n) && '-.~_'.includes(base.charAt(n.length))));
  };
}

/** Reads a `docker save` stream (legacy or OCI layout) into the image config, its layers and the runtime view. */
export async function readSavedImage(
  stream: NodeJS.ReadableStream | Readable,
  options: ReadOptions,
): Promise<SavedImage> {
  return (await readSavedImages(stream, options))[0] as SavedImage;
}

/**
 * Every image of the stream, one per platform of an OCI index (attestations skipped), from one pass over the bytes:
 * all layers are summarised as they flow by, then each platform's manifest picks and overlays its own.
 */
export async function readSavedImages(
  stream: NodeJS.ReadableStream | Readable,
  options: ReadOptions,
): Promise<SavedImage[]> {
  const wanted = (options.wantContents ?? []).map(normalisePath);
  const wantedDirs = (options.wantContentsIn ?? []).map(normalisePath);
  const wantedSet = new Set(wanted);
  const rules: KeepRules = {
    isReported: (path, mode) => wantedSet.has(path) || options.isInteresting(path, mode),
    mayHoldWantedContents: wantedFileRules(wanted, wantedDirs),
    maxContentBytes: options.maxContentBytes ?? MiB,
  };
  const found = await readSaveStream(stream, rules, options.maxJsonBytes ?? 16 * MiB);
  return locateImages(found).map((where) => imageAt(found, where, wanted, wantedDirs));
}

function platformOfConfig(config: ImageConfig): string {
  return [config.os || 'unknown', config.architecture || 'unknown', config.variant].filter(Boolean).join('/');
}

/** One image of the stream: its config, its layers in order and their overlaid view. */
function imageAt(found: SaveContents, where: SaveLayout, wanted: string[], wantedDirs: string[]): SavedImage {
  const config = parseJson<ImageConfig>(found, where.config, 'image config');
  const diffIds = config.rootfs?.diff_ids ?? [];
  const summaries = where.layers.map((path) => layerSummaryFor(found, path));
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
  const view = overlayLayers(summaries);
  const contents = new Map<string, FileContent>();
  const inDirs = wantedDirs.flatMap((dir) => view.list(dir).map((e) => `${dir}/${basename(e.path)}`));
  for (const path of [...wanted, ...inDirs]) {
    const content = view.contentOf(path);
    if (content) contents.set(path, content);
  }
  return {
    format: where.format,
    config,
    configPath: where.config,
    // The image ID as the engine computes it: the digest of the config's bytes.
    configDigest: `sha256:${createHash('sha256')
      .update(found.json.get(where.config) as Buffer)
      .digest('hex')}`,
    platform: where.platform ?? platformOfConfig(config),
    repoTags: where.repoTags,
    layers,
    finalFiles: view.finalFiles(),
    removedFiles: view.removed,
    contents,
    view,
  };
}
