/**
 * Verifies an image built elsewhere (the `image` input): nothing is built. An engine image is streamed from the
 * engine as a built one is; an archive or OCI layout is read from disk with no engine. Each platform of an OCI index
 * is proven on its own, its findings prefixed with the platform when there are several.
 */
import { UserFacingError } from '../../../findings/finding.js';
import { runProcess } from '../../../process/run.js';
import { tail } from '../../../util/format.js';
import { readSavedImages, type SavedImage } from '../saved-image.js';
import {
  proofReadOptions,
  proveImage,
  saveAndRead,
  type ImageVerification,
  type VerifyRequest,
} from '../verify-image.js';
import { openArchive } from './archive-stream.js';
import { formatPlatform, parsePlatform, platformMatches, type ImageSource } from './image-source.js';

export interface PlatformVerification extends ImageVerification {
  platform: string;
}

/** The engine's ID of a name or ID; a clear error when the engine does not have it. */
async function engineImageId(ref: string): Promise<string> {
  const r = await runProcess('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { timeoutMs: 60_000 });
  if (r.code === 0 && r.stdout.trim()) return r.stdout.trim().split('\n')[0] as string;
  if (/no such (image|object)/i.test(r.stderr)) {
    throw new UserFacingError(
      `Input 'image' is '${ref}', but the engine has no such image. Load it first (build-push-action \`load: true\`, \`docker load\`) or name an archive (docker-archive:PATH).`,
      'DA-INP-020',
    );
  }
  throw new UserFacingError(`Could not inspect image '${ref}': ${tail(r.stderr, 5) || `exit ${r.code}`}`, 'DA-INP-006');
}

async function readSource(source: ImageSource, req: Pick<VerifyRequest, 'forbiddenTools' | 'allowedTools'>) {
  const options = proofReadOptions(req);
  if (source.kind === 'engine') {
    const id = await engineImageId(source.ref);
    return { images: await saveAndRead(id, (stream) => readSavedImages(stream, options)), engineId: id };
  }
  const stream = await openArchive(source.kind, source.path, source.label);
  try {
    return { images: await readSavedImages(stream, options), engineId: undefined };
  } catch (error) {
    stream.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserFacingError(
      `Input 'image' is ${source.label}, which cannot be read as an image: ${reason}`,
      'DA-INP-021',
    );
  }
}

/** The images asked for by `platforms` (all when it is empty); a platform the source lacks is an error. */
function selectPlatforms(images: SavedImage[], platforms: readonly string[], label: string): SavedImage[] {
  if (!platforms.length) return images;
  const available = images.map((i) => i.platform);
  return platforms.map((text) => {
    const wanted = parsePlatform(text);
    const image = images.find((i) => platformMatches(wanted, i.platform));
    if (!image) {
      throw new UserFacingError(
        `Input 'platforms' asks for ${formatPlatform(wanted)}, but ${label} holds only: ${available.join(', ')}.`,
        'DA-INP-022',
      );
    }
    return image;
  });
}

/** Reads the source once and proves each selected platform's image; the first is the one outputs describe. */
export async function verifySource(
  source: ImageSource,
  req: Omit<VerifyRequest, 'imageId'>,
  platforms: readonly string[],
): Promise<PlatformVerification[]> {
  const { images, engineId } = await readSource(source, req);
  const label = source.kind === 'engine' ? `image '${source.ref}'` : source.label;
  const selected = selectPlatforms(images, platforms, label);
  const several = selected.length > 1;
  return selected.map((image) => {
    const proven = proveImage(image, { ...req, imageId: engineId ?? image.configDigest });
    const findings = several
      ? proven.findings.map((f) => ({ ...f, message: `[${image.platform}] ${f.message}` }))
      : proven.findings;
    return { ...proven, findings, platform: image.platform };
  });
}
