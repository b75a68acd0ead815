/** What the saved-image reader returns, and the one error it throws for a stream it cannot read. */
import type { HistoryEntry } from '../layer-provenance.js';

export interface ReadOptions {
  /**
   * Paths (normalised: no leading `/` or `./`, no trailing `/`) the caller wants reported in the runtime view; `mode`
   * is the entry's tar mode, setuid/setgid bits included.
   */
  isInteresting(path: string, mode: number): boolean;
  /** Files whose final contents the caller needs, e.g. `etc/passwd`, `etc/group`. */
  wantContents?: readonly string[];
  /** Directories whose files' final contents the caller needs too, whatever their names (`etc/sudoers.d`). */
  wantContentsIn?: readonly string[];
  /** Cap on each wanted file's kept contents (default 1 MiB); beyond it the contents are marked truncated. */
  maxContentBytes?: number;
  /** Cap on JSON documents (manifest, index, config) buffered from the stream (default 16 MiB). */
  maxJsonBytes?: number;
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
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
  /** Bytes the layer takes in the saved stream (compressed size for a compressed blob). */
  size: number;
  /** Bytes of the layer's tar once decompressed. */
  tarSize: number;
  compression: LayerCompression;
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
  /** Symlink target as written, or for a hard link the path it links to (normalised). */
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

/** The stream is not a readable saved image: the message says what is wrong, for an annotation. */
export class SavedImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SavedImageError';
  }
}

/** How a layer blob is compressed, told by its magic bytes (layer-compression.ts). */
export type LayerCompression = 'none' | 'gzip' | 'zstd';
