/**
 * Rewrites a `docker save` stream on the fly without the layers the host already holds (a legacy layer's whole
 * directory: blob, `json`, `VERSION`), with back-pressure, never to a file. `docker load` reuses a layer whose chain
 * it holds without opening the blob. Both layouts: legacy docker-archive (a blob's layer is proven by its directory's
 * v1 ID, see v1-id.ts) and OCI (an uncompressed blob is named by its diff ID). A blob whose layer cannot be proven is
 * sent.
 *
 * Of the legacy layout only what a manifest.json load reads goes out: manifest.json, the config, the layer blobs.
 * The v1 `json` and `VERSION` of each layer and `repositories` are the pre-1.10 loader's (moby tarexport: with a
 * manifest.json, `docker load` never opens them; verified on dockerd 20.10), and for a code-only change they weigh
 * as much as the changed layer itself. A stream that turns out to have no manifest.json is stopped with an error.
 */
import type { Readable } from 'node:stream';
import tar, { type Header } from 'tar-stream';
import { chainIds, layerIndexOf } from './v1-id.js';

export interface LayerDropPlan {
  /** The image's `rootfs.diff_ids`, base first. */
  diffIds: readonly string[];
  /** Indexes (into diffIds) of the layers whose blobs are left out. */
  drop: ReadonlySet<number>;
}

export interface FilterStats {
  /** Layer blobs in the stream, and the bytes they carry (the uncompressed layer tars). */
  layerBlobs: number;
  layerBytes: number;
  droppedBlobs: number;
  droppedBytes: number;
  /** Legacy layer blobs whose directory matched no layer of the image (sent as they are). */
  unmapped: number;
}

/** Above this a layer directory's `json` is passed through unread (its layer is then sent). */
const MAX_LAYER_JSON = 1024 * 1024;

const LEGACY_DIR = /^([0-9a-f]{64})(?:\/|$)/;
const LEGACY_JSON = /^([0-9a-f]{64})\/json$/;
const LEGACY_BLOB = /^([0-9a-f]{64})\/layer\.tar$/;
const OCI_BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;

/** What a streamx writable (a tar-stream pack entry) needs to be fed with back-pressure. */
interface EntrySink {
  write(chunk: Buffer): boolean;
  end(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

async function copyEntry(pack: tar.Pack, header: Header, source: AsyncIterable<unknown>): Promise<void> {
  let finished!: Promise<void>;
  const sink = new Promise<EntrySink>((resolveSink) => {
    finished = new Promise<void>((resolve, reject) => {
      resolveSink(pack.entry(header, (err) => (err ? reject(err) : resolve())) as unknown as EntrySink);
    });
  });
  const out = await sink;
  for await (const chunk of source) {
    if (!out.write(chunk as Buffer)) await new Promise<void>((r) => out.once('drain', r));
  }
  out.end();
  await finished;
}

function addBuffered(pack: tar.Pack, header: Header, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
  });
}

async function readAll(source: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of source) void _;
}

/** The manifest must list each left-out legacy blob where its v1 ID placed it; otherwise the load would fail. */
function checkManifest(body: Buffer, dropped: Map<string, number>): void {
  if (dropped.size === 0) return;
  let layers: unknown;
  try {
    layers = (JSON.parse(body.toString('utf8')) as Array<{ Layers?: unknown }>)[0]?.Layers;
  } catch (e) {
    throw new Error(`manifest.json of the image stream is not JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(layers) ? layers.map((l) => String(l).replace(/^\.\//, '')) : [];
  for (const [path, index] of dropped) {
    if (list[index] !== path) {
      throw new Error(
        `the image stream's manifest.json does not list ${path} as layer ${index + 1}; the partial stream was stopped`,
      );
    }
  }
}

/** The filtered stream, and its statistics once it has been read to the end. */
export function filterSaveStream(
  input: Readable,
  plan: LayerDropPlan,
): { output: Readable; done: Promise<FilterStats> } {
  const extract = tar.extract();
  const pack = tar.pack();
  const chains = chainIds(plan.diffIds);
  const dropHex = new Set([...plan.drop].map((i) => plan.diffIds[i]!.replace(/^sha256:/, '')));
  const stats: FilterStats = { layerBlobs: 0, layerBytes: 0, droppedBlobs: 0, droppedBytes: 0, unmapped: 0 };
  const dirLayer = new Map<string, number>();
  const droppedLegacy = new Map<string, number>();

  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract as unknown as NodeJS.WritableStream);

  // A layer directory's own entry and VERSION come before its json (name order): held back until the json says
  // whether the directory is a held layer's, whose entries all stay out (`docker load` reads a layer's directory
  // only through manifest.json, and not at all for a chain it holds).
  let pending: { dir: string; items: Array<{ header: Header; body: Buffer }> } | undefined;
  const flush = async () => {
    for (const item of pending?.items ?? []) await addBuffered(pack, item.header, item.body);
    pending = undefined;
  };
  const droppedDirs = new Set<string>();
  let trimmedLegacy = false;
  let sawManifest = false;

  const run = async (): Promise<FilterStats> => {
    for await (const entry of extract) {
      const header = entry.header;
      const name = header.name.replace(/^\.\//, '');
      const size = header.size ?? 0;
      const isFile = header.type === 'file' || header.type === 'contiguous-file';
      const dir = LEGACY_DIR.exec(name)?.[1];
      if (pending && pending.dir !== dir) await flush();
      if (dir && droppedDirs.has(dir) && !LEGACY_BLOB.test(name)) {
        await drain(entry);
        continue;
      }
      if (dir && name === `${dir}/VERSION`) {
        trimmedLegacy = true;
        await drain(entry);
        continue;
      }
      if (dir && (name === `${dir}/` || name === dir) && size <= 64) {
        pending ??= { dir, items: [] };
        pending.items.push({ header, body: await readAll(entry) });
        continue;
      }
      const json = isFile ? LEGACY_JSON.exec(name) : null;
      if (json && size <= MAX_LAYER_JSON) {
        const body = await readAll(entry);
        const index = layerIndexOf(json[1]!, body.toString('utf8'), chains);
        if (index !== undefined) dirLayer.set(json[1]!, index);
        if (index !== undefined && plan.drop.has(index)) {
          droppedDirs.add(json[1]!);
          pending = undefined;
          continue;
        }
        // Read for the proof only: the load does not need it.
        trimmedLegacy = true;
        await flush();
        continue;
      }
      if (isFile && name === 'repositories') {
        trimmedLegacy = true;
        await drain(entry);
        continue;
      }
      if (isFile && name === 'manifest.json' && size <= MAX_LAYER_JSON) {
        const body = await readAll(entry);
        sawManifest = true;
        checkManifest(body, droppedLegacy);
        await addBuffered(pack, header, body);
        continue;
      }
      const legacy = LEGACY_BLOB.exec(name);
      const oci = isFile ? OCI_BLOB.exec(name) : null;
      if (legacy && !isFile) {
        // A link to an earlier directory's blob (a diff ID used twice): it goes or stays with its directory.
        if (droppedDirs.has(legacy[1]!)) {
          await drain(entry);
          continue;
        }
      } else if (legacy || oci) {
        const index = legacy ? dirLayer.get(legacy[1]!) : undefined;
        if (legacy && index === undefined) stats.unmapped += 1;
        const drop = legacy ? index !== undefined && plan.drop.has(index) : dropHex.has(oci![1]!);
        // An OCI blob is a layer or the config/manifest: only one named by a diff ID counts as a layer here.
        if (legacy || drop) {
          stats.layerBlobs += 1;
          stats.layerBytes += size;
        }
        if (drop) {
          stats.droppedBlobs += 1;
          stats.droppedBytes += size;
          if (legacy) droppedLegacy.set(name, index!);
          await drain(entry);
          continue;
        }
      }
      await copyEntry(pack, header, entry);
    }
    await flush();
    if (trimmedLegacy && !sawManifest) {
      throw new Error(
        'the image stream has no manifest.json (an engine older than Docker 1.10?); the partial stream was stopped',
      );
    }
    pack.finalize();
    return stats;
  };
  const done = run().catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    pack.destroy(err);
    input.unpipe(extract as unknown as NodeJS.WritableStream);
    extract.destroy(err);
    throw err;
  });
  return { output: pack as unknown as Readable, done };
}
