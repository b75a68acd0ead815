/** Saved images built in memory with tar-stream, in both layouts `docker save` writes, for the reader's tests. */
import { Readable } from 'node:stream';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import tar from 'tar-stream';
import { buildToolMatcher } from '../../src/check/image/build-tools.js';
import { readSavedImage, type SavedImage } from '../../src/check/image/saved-image.js';

/** One tar entry to pack: a file with contents, a directory, a link. */
export type Spec =
  | { name: string; body: string | Buffer; mode?: number }
  | { name: string; type: 'directory' }
  | { name: string; type: 'symlink' | 'link'; linkname: string };

export function packTar(entries: readonly Spec[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) {
    if ('body' in e) pack.entry({ name: e.name, mode: e.mode ?? 0o755 }, e.body);
    else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', mode: 0o755 });
    else pack.entry({ name: e.name, type: e.type, linkname: e.linkname });
  }
  pack.finalize();
  return done;
}

export const hex = (n: number) => n.toString(16).padStart(64, '0');

export interface ImageSpec {
  layers: Spec[][];
  user?: string;
  /** Per layer: gzip the blob (OCI only). */
  gzip?: boolean[];
  /** Per layer: zstd-compress the blob (OCI only). */
  zstd?: boolean[];
  /** The image's Env (default: PATH=/usr/bin). */
  env?: string[];
  /** History entries; defaults to one non-empty entry per layer. */
  history?: Array<{ created_by: string; empty_layer?: boolean }>;
}

function configOf(spec: ImageSpec, layerTars: Buffer[]) {
  return {
    architecture: 'amd64',
    os: 'linux',
    config: { User: spec.user ?? '', Env: spec.env ?? ['PATH=/usr/bin'] },
    history: spec.history ?? spec.layers.map((_, i) => ({ created_by: `RUN step ${i}` })),
    rootfs: { type: 'layers', diff_ids: layerTars.map((_, i) => `sha256:${hex(i + 1)}`) },
  };
}

/** The legacy `docker save` shape (dockerd 20.10): `<id>/layer.tar`, config, then manifest.json and repositories. */
export async function legacySave(spec: ImageSpec, reverseOrder = true): Promise<Buffer> {
  const layerTars = await Promise.all(spec.layers.map(packTar));
  const ids = layerTars.map((_, i) => hex(1000 + i));
  const configName = `${hex(42)}.json`;
  const entries: Spec[] = [{ name: configName, body: JSON.stringify(configOf(spec, layerTars)), mode: 0o644 }];
  // Layer directories come in lexical (id) order in a real save, not layer order: reverse them to prove it.
  const order = layerTars.map((_, i) => i);
  if (reverseOrder) order.reverse();
  for (const i of order) {
    entries.push({ name: `${ids[i]}/`, type: 'directory' });
    entries.push({ name: `${ids[i]}/VERSION`, body: '1.0', mode: 0o644 });
    entries.push({ name: `${ids[i]}/json`, body: '{"id":"x"}', mode: 0o644 });
    entries.push({ name: `${ids[i]}/layer.tar`, body: layerTars[i]!, mode: 0o644 });
  }
  entries.push({
    name: 'manifest.json',
    body: JSON.stringify([{ Config: configName, RepoTags: ['t/app:1'], Layers: ids.map((id) => `${id}/layer.tar`) }]),
    mode: 0o644,
  });
  entries.push({ name: 'repositories', body: '{"t/app":{"1":"x"}}', mode: 0o644 });
  return packTar(entries);
}

/** The OCI layout (docker 25+): blobs, index.json, optionally Docker's manifest.json. */
export async function ociSave(spec: ImageSpec, withDockerManifest: boolean): Promise<Buffer> {
  const layerTars = await Promise.all(spec.layers.map(packTar));
  const blobs = layerTars.map((t, i) => (spec.gzip?.[i] ? gzipSync(t) : spec.zstd?.[i] ? zstdCompressSync(t) : t));
  const layerDigests = blobs.map((_, i) => `sha256:${hex(2000 + i)}`);
  const configDigest = `sha256:${hex(3000)}`;
  const manifestDigest = `sha256:${hex(4000)}`;
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest },
    layers: blobs.map((_, i) => ({
      mediaType: `application/vnd.oci.image.layer.v1.tar${spec.gzip?.[i] ? '+gzip' : spec.zstd?.[i] ? '+zstd' : ''}`,
      digest: layerDigests[i],
    })),
  };
  const entries: Spec[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
  ];
  const blobEntries: Spec[] = [
    ...blobs.map((b, i) => ({ name: `blobs/sha256/${hex(2000 + i)}`, body: b, mode: 0o644 })),
    { name: `blobs/sha256/${hex(3000)}`, body: JSON.stringify(configOf(spec, layerTars)), mode: 0o644 },
    { name: `blobs/sha256/${hex(4000)}`, body: JSON.stringify(manifest), mode: 0o644 },
  ];
  entries.push(...blobEntries.reverse());
  entries.push({
    name: 'index.json',
    body: JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          annotations: { 'io.containerd.image.name': 'docker.io/t/app:1' },
        },
      ],
    }),
    mode: 0o644,
  });
  if (withDockerManifest) {
    entries.push({
      name: 'manifest.json',
      body: JSON.stringify([
        {
          Config: `blobs/sha256/${hex(3000)}`,
          RepoTags: ['t/app:1'],
          Layers: layerDigests.map((d) => `blobs/sha256/${d.slice(7)}`),
        },
      ]),
      mode: 0o644,
    });
  }
  entries.push({ name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}', mode: 0o644 });
  return packTar(entries);
}

/** Feeds the bytes in small uneven chunks, as a pipe would, to exercise every boundary. */
export function streamOf(buf: Buffer, chunk = 7777): Readable {
  const parts: Buffer[] = [];
  for (let o = 0; o < buf.length; o += chunk) parts.push(buf.subarray(o, o + chunk));
  return Readable.from(parts);
}

export const matcher = buildToolMatcher();
export const read = (buf: Buffer, chunk?: number): Promise<SavedImage> =>
  readSavedImage(streamOf(buf, chunk), {
    isInteresting: (p) => matcher.isInteresting(p),
    wantContents: ['etc/passwd', 'etc/group'],
  });
export const paths = (files: ReadonlyArray<{ path: string }>) => files.map((f) => f.path);
