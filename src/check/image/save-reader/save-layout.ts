/**
 * The two layouts `docker save` writes: the legacy docker-archive (`<id>/layer.tar`, `<config>.json`, manifest.json
 * last) and the OCI image layout (`blobs/sha256/<hex>`, `index.json`, `oci-layout`, often with Docker's
 * manifest.json too). Which outer entries may be layers or JSON, and where the config and ordered layers are.
 */
import { dirname, join, normalisePath } from './image-path.js';
import type { LayerSummary } from './layer-summary.js';
import { SavedImageError } from './types.js';

/** What the outer pass kept of the save stream. */
export interface SaveContents {
  layers: Map<string, LayerSummary>;
  /** Layer paths that are links to another layer entry (docker writes a layer used twice once). */
  aliases: Map<string, string>;
  json: Map<string, Buffer>;
  oversizedJson: Set<string>;
}

export interface SaveLayout {
  format: 'docker' | 'oci';
  config: string;
  layers: string[];
  repoTags: string[];
  /** `os/arch[/variant]` as the OCI index names it, when it does. */
  platform?: string;
}

export function isLayerName(path: string): boolean {
  return path.endsWith('/layer.tar') || path === 'layer.tar' || path.startsWith('blobs/');
}

export function isJsonName(path: string): boolean {
  return !path.includes('/') && path.endsWith('.json');
}

/** First non-whitespace byte is `{` or `[`. */
export function looksLikeJson(head: Buffer): boolean {
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

/** The normalised path a link entry for a layer points at (a symlink is relative to its own directory). */
export function aliasTarget(path: string, linkname: string, isSymlink: boolean): string {
  return normalisePath(isSymlink ? join(dirname(path), linkname) : linkname);
}

export function parseJson<T>(found: SaveContents, path: string, what: string): T {
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
  platform?: { os?: string; architecture?: string; variant?: string };
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

/** buildx puts provenance and SBOM attestations beside the images of an index, as `unknown/unknown` manifests. */
function isAttestation(d: OciDescriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown')
  );
}

function platformOf(d: OciDescriptor): string | undefined {
  const p = d.platform;
  if (!p?.os || !p.architecture) return undefined;
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * Every image (one per platform) in the saved stream, from manifest.json (both formats: docker save writes one) or
 * else index.json (a pure OCI layout, nested indexes followed). Compression is not taken from media types: layers are
 * recognised by their bytes (see layer-compression.ts).
 */
export function locateImages(found: SaveContents): SaveLayout[] {
  const oci = found.json.has('index.json') || [...found.layers.keys()].some((p) => p.startsWith('blobs/'));
  if (found.json.has('manifest.json') || found.oversizedJson.has('manifest.json')) {
    const manifest = parseJson<DockerManifestEntry[]>(found, 'manifest.json', 'manifest');
    const first = Array.isArray(manifest) ? manifest[0] : undefined;
    if (!first?.Config || !Array.isArray(first.Layers)) {
      throw new SavedImageError('manifest.json in the saved image lists no image (Config and Layers missing)');
    }
    return [
      {
        format: oci ? 'oci' : 'docker',
        config: normalisePath(first.Config),
        layers: first.Layers.map(normalisePath),
        repoTags: first.RepoTags ?? [],
      },
    ];
  }
  if (!found.json.has('index.json'))
    throw new SavedImageError('the saved image has neither manifest.json nor index.json');
  const images: SaveLayout[] = [];
  const visit = (doc: OciDocument, inherited: { tag?: string; platform?: string }, depth: number): void => {
    if (doc.config?.digest && Array.isArray(doc.layers)) {
      images.push({
        format: 'oci',
        config: blobPath(doc.config.digest),
        layers: doc.layers.map((l) => blobPath(l.digest ?? '')),
        repoTags: inherited.tag ? [inherited.tag] : [],
        ...(inherited.platform ? { platform: inherited.platform } : {}),
      });
      return;
    }
    if (depth >= 8) throw new SavedImageError('index.json in the saved image nests indexes more than 8 deep');
    for (const next of doc.manifests ?? []) {
      if (!next.digest || isAttestation(next)) continue;
      const tag =
        next.annotations?.['io.containerd.image.name'] ?? next.annotations?.['org.opencontainers.image.ref.name'];
      const platform = platformOf(next) ?? inherited.platform;
      visit(
        parseJson<OciDocument>(found, blobPath(next.digest), 'OCI manifest'),
        { ...((inherited.tag ?? tag) ? { tag: inherited.tag ?? tag } : {}), ...(platform ? { platform } : {}) },
        depth + 1,
      );
    }
  };
  visit(parseJson<OciDocument>(found, 'index.json', 'OCI index'), {}, 0);
  if (!images.length) throw new SavedImageError('index.json in the saved image leads to no image manifest');
  return images;
}

/** The first image of the saved stream (a `docker save` of one image holds one). */
export function locateImage(found: SaveContents): SaveLayout {
  return locateImages(found)[0] as SaveLayout;
}

/** The summary of a layer listed in the manifest, through the links docker writes for a repeated layer. */
export function layerSummaryFor(found: SaveContents, path: string): LayerSummary {
  let p = path;
  for (let i = 0; i < 8 && !found.layers.has(p) && found.aliases.has(p); i += 1) p = found.aliases.get(p) as string;
  const summary = found.layers.get(p);
  if (!summary) {
    throw new SavedImageError(`layer ${path} listed in the manifest is missing from the saved image or is not a tar`);
  }
  return summary;
}
