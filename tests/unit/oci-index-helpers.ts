/**
 * OCI image layouts with real digests, built in memory: one image per platform under an image index (nested the way
 * buildx writes it, with an attestation manifest beside the images), as a file map, a tar (oci-archive) or a
 * directory (oci-layout).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar, type Spec } from './saved-image-helpers.js';

export interface PlatformImage {
  os: string;
  architecture: string;
  variant?: string;
  user: string;
  /** Layer tar entries; each layer is gzipped as buildx writes them. */
  layers: Spec[][];
  /** One history entry per layer (default `RUN step N`). */
  history?: string[];
}

const digestOf = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface OciLayout {
  /** Entry name → bytes: `oci-layout`, `index.json`, `blobs/sha256/<hex>`. */
  files: Map<string, Buffer>;
  /** The config digest of each image, in platform order (the image IDs). */
  configDigests: string[];
}

export async function ociLayout(
  images: readonly PlatformImage[],
  options: { nested?: boolean; attestation?: boolean } = {},
): Promise<OciLayout> {
  const files = new Map<string, Buffer>();
  const blob = (data: Buffer | string, mediaType: string) => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const digest = digestOf(bytes);
    files.set(`blobs/sha256/${digest.slice(7)}`, bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const configDigests: string[] = [];
  const descriptors = [];
  for (const image of images) {
    const tars = await Promise.all(image.layers.map(packTar));
    const layers = tars.map((t) => blob(gzipSync(t), 'application/vnd.oci.image.layer.v1.tar+gzip'));
    const config = blob(
      JSON.stringify({
        architecture: image.architecture,
        os: image.os,
        ...(image.variant ? { variant: image.variant } : {}),
        config: { User: image.user, Env: ['PATH=/usr/bin'] },
        history: tars.map((_, i) => ({ created_by: image.history?.[i] ?? `RUN step ${i}` })),
        rootfs: { type: 'layers', diff_ids: tars.map(digestOf) },
      }),
      'application/vnd.oci.image.config.v1+json',
    );
    configDigests.push(config.digest);
    const manifest = blob(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers }),
      'application/vnd.oci.image.manifest.v1+json',
    );
    const platform = {
      os: image.os,
      architecture: image.architecture,
      ...(image.variant ? { variant: image.variant } : {}),
    };
    descriptors.push({ ...manifest, platform });
  }
  if (options.attestation) {
    const statement = blob('{"_type":"https://in-toto.io/Statement/v0.1"}', 'application/vnd.in-toto+json');
    const config = blob('{"architecture":"unknown","os":"unknown"}', 'application/vnd.oci.image.config.v1+json');
    const manifest = blob(
      JSON.stringify({ schemaVersion: 2, config, layers: [statement] }),
      'application/vnd.oci.image.manifest.v1+json',
    );
    descriptors.push({
      ...manifest,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': descriptors[0]?.digest,
      },
    });
  }
  const indexOf = (manifests: unknown[]) =>
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
  const top = options.nested
    ? indexOf([
        {
          ...blob(indexOf(descriptors), 'application/vnd.oci.image.index.v1+json'),
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        },
      ])
    : indexOf(descriptors);
  files.set('index.json', Buffer.from(top));
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  return { files, configDigests };
}

/** The layout as an oci-archive: a tar with `oci-layout` and `index.json` first, as buildx writes it. */
export function layoutTar(layout: OciLayout): Promise<Buffer> {
  const names = [...layout.files.keys()].sort(
    (a, b) => Number(a.startsWith('blobs/')) - Number(b.startsWith('blobs/')),
  );
  return packTar(names.map((name) => ({ name, body: layout.files.get(name) as Buffer, mode: 0o644 })));
}

/** The layout as a directory (buildx `type=oci,dest=DIR,tar=false`). */
export async function writeLayout(layout: OciLayout, dir: string): Promise<void> {
  for (const [name, data] of layout.files) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), data);
  }
}
