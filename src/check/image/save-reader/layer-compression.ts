/**
 * The one place that knows how layer blobs are compressed: recognised by their magic bytes (an OCI media type can
 * lie or be missing, a legacy `layer.tar` has none), and decompressed with Node's own zlib.
 */
import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { type LayerCompression, SavedImageError } from './types.js';

export type { LayerCompression };

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const ZERO_BLOCK = Buffer.alloc(512);

function startsWith(buf: Buffer, magic: readonly number[]): boolean {
  return magic.every((byte, i) => buf[i] === byte);
}

/** A tar starts with a ustar header, or (an empty layer) with a zero block. */
function isTarHeader(head: Buffer): boolean {
  if (head.length < 512) return false;
  const magic = head.subarray(257, 262).toString('latin1');
  return magic === 'ustar' || head.subarray(0, 512).equals(ZERO_BLOCK);
}

/** How a blob's first bytes (512 when it has them) say it is compressed; `undefined` when it is not a layer. */
export function detectLayerCompression(head: Buffer): LayerCompression | undefined {
  if (startsWith(head, GZIP_MAGIC)) return 'gzip';
  if (startsWith(head, ZSTD_MAGIC)) return 'zstd';
  return isTarHeader(head) ? 'none' : undefined;
}

/** A decompressor for the layer, or `undefined` for a plain tar. */
export function openDecompressor(compression: LayerCompression, layerPath: string): Transform | undefined {
  if (compression === 'none') return undefined;
  if (compression === 'gzip') return zlib.createGunzip();
  // zstd decoding came with Node 22.15 / 23.8; the action runs on Node 24, but the CLI may run on an older Node.
  if (typeof zlib.createZstdDecompress !== 'function') {
    throw new SavedImageError(
      `layer ${layerPath} is zstd-compressed and this Node.js (${process.version}) cannot decompress zstd; run on Node 24, or save the image with gzip or uncompressed layers`,
    );
  }
  return zlib.createZstdDecompress();
}
