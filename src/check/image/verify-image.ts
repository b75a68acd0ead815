import { UserFacingError, type Finding, type SourceLocation } from '../../findings/finding.js';
import { findingOf } from '../../findings/make.js';
import { IMAGE_RULES } from '../../rules/image-rules.js';
import { formatBytes } from '../../util/format.js';
import { stageChain, type ParsedDockerfile, type Stage } from '../dockerfile/parse.js';
import { resolveUser } from './accounts.js';
import { buildToolMatcher } from './build-tools.js';
import { mapHistoryToInstructions, type HistoryOrigin } from './instruction-map.js';
import { layerHistory } from './layer-provenance.js';
import { runtimeBuildTools } from './runtime-tools.js';
import { readSavedImage, type FileEntry, type SavedImage } from './saved-image.js';
import { openSaveStream, type SaveStream } from './save-stream.js';

const [RUNS_AS_ROOT, UNKNOWN_USER, BUILD_TOOL, DELETED_TOOL] = IMAGE_RULES;

export interface VerifyRequest {
  imageId: string;
  parsed: ParsedDockerfile;
  target: Stage;
  dockerfileLabel: string;
  forbiddenTools: readonly string[];
  allowedTools: readonly string[];
}

export interface ImageVerification {
  findings: Finding[];
  facts: { imageId: string; sizeBytes: number; layerCount: number; runtimeUser: string; configuredUser: string };
  /** The uid and gid the container runs as (deploy chowns secret files to them). */
  user: { uid: number; gid: number } | undefined;
}

/** Streams the image's `docker save` tar into the reader: no file on disk, no container started. */
async function saveAndRead(
  imageId: string,
  read: (stream: NodeJS.ReadableStream) => Promise<SavedImage>,
): Promise<SavedImage> {
  let save: SaveStream | undefined;
  try {
    save = await openSaveStream(imageId);
    const [image] = await Promise.all([read(save.stream), save.done]);
    return image;
  } catch (error) {
    save?.cancel();
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserFacingError(`Could not read image ${imageId} as 'docker save' streams it: ${reason}`, 'DA-INP-006');
  }
}

function describeOrigin(origin: HistoryOrigin | undefined, label: string): { where: string; location: SourceLocation } {
  if (!origin || origin.kind === 'base-image') {
    const stage = origin?.stage;
    return {
      where: `the base image${origin ? ` '${origin.image}'` : ''}`,
      location: { file: label, line: stage?.from.line ?? 1 },
    };
  }
  const { instruction } = origin;
  return {
    where: `${instruction.keyword} at line ${instruction.line}`,
    location: { file: label, line: instruction.line },
  };
}

function listPaths(entries: readonly FileEntry[], describe: (e: FileEntry) => string): string {
  const shown = entries.slice(0, 8).map(describe);
  return shown.join(', ') + (entries.length > shown.length ? ` and ${entries.length - shown.length} more` : '');
}

/** Proves from the built image that it runs as non-root and carries no build tools, blaming Dockerfile lines. */
export async function verifyImage(req: VerifyRequest): Promise<ImageVerification> {
  const matcher = buildToolMatcher({ extra: req.forbiddenTools, allowed: req.allowedTools });
  const image = await saveAndRead(req.imageId, (stream) =>
    readSavedImage(stream, {
      isInteresting: (p) => matcher.isInteresting(p),
      wantContents: ['etc/passwd', 'etc/group'],
    }),
  );
  const findings: Finding[] = [];
  const label = req.dockerfileLabel;
  const chain = stageChain(req.parsed, req.target);

  // Layer → history entry → Dockerfile instruction.
  const history = image.config.history ?? [];
  const origins = mapHistoryToInstructions(
    history.map((h) => h.created_by ?? ''),
    chain,
  );
  const layerOrigin = new Map(layerHistory(image.config).map((l) => [l.layerIndex, origins[l.historyIndex]]));

  // Runtime user, resolved as the runtime does it, through the image's own account files.
  const configuredUser = image.config.config?.User ?? '';
  const userLine =
    chain
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'USER')
      .at(-1)?.line ?? req.target.from.line;
  const userAt = { file: label, line: userLine };
  const passwd = image.contents.get('etc/passwd')?.data.toString('utf8');
  const group = image.contents.get('etc/group')?.data.toString('utf8');
  const resolved = resolveUser(configuredUser, passwd, group);
  let user: ImageVerification['user'];
  if (!resolved.ok) {
    findings.push(
      findingOf(
        UNKNOWN_USER,
        `USER '${configuredUser}' cannot be resolved in the image: ${resolved.error}. Every container start would fail.`,
        userAt,
      ),
    );
  } else {
    user = { uid: resolved.uid, gid: resolved.gid };
    if (resolved.uid === 0) {
      const who =
        configuredUser === ''
          ? 'The image sets no USER, so it runs as root (uid 0)'
          : `USER '${configuredUser}' resolves to uid 0 (root)${resolved.name && resolved.name !== 'root' ? ` through the account '${resolved.name}' in /etc/passwd` : ''}`;
      findings.push(findingOf(RUNS_AS_ROOT, `${who}. Run the final stage as a non-root account.`, userAt));
    }
  }

  // Build tools present at runtime, grouped by the instruction that added them.
  const byOrigin = (entries: readonly FileEntry[]) => {
    const buckets = new Map<number, { where: string; location: SourceLocation; entries: FileEntry[] }>();
    for (const entry of entries) {
      const origin = describeOrigin(layerOrigin.get(entry.layerIndex), label);
      const bucket = buckets.get(origin.location.line) ?? { ...origin, entries: [] };
      bucket.entries.push(entry);
      buckets.set(origin.location.line, bucket);
    }
    return [...buckets.values()];
  };
  const isTool = (e: FileEntry) => e.type !== 'directory' && matcher.toolName(e.path) !== undefined;
  for (const bucket of byOrigin(runtimeBuildTools(image, matcher))) {
    const names = listPaths(bucket.entries, (e) => `/${e.path} (${matcher.toolNameAnywhere(e.path)})`);
    findings.push(
      findingOf(BUILD_TOOL, `Build tools in the runtime image, added by ${bucket.where}: ${names}.`, bucket.location),
    );
  }
  for (const bucket of byOrigin(image.removedFiles.filter(isTool))) {
    const wasted = bucket.entries.reduce((n, e) => n + e.size, 0);
    const names = listPaths(bucket.entries, (e) => `/${e.path}`);
    findings.push(
      findingOf(
        DELETED_TOOL,
        `${names} added by ${bucket.where} and deleted by a later layer: absent at runtime, but ${formatBytes(wasted)} (${wasted} bytes) still ship with every pull.`,
        bucket.location,
      ),
    );
  }

  return {
    findings,
    user,
    facts: {
      imageId: req.imageId,
      sizeBytes: image.layers.reduce((n, l) => n + l.tarSize, 0),
      layerCount: image.layers.length,
      runtimeUser: user ? `${user.uid}:${user.gid}` : 'unresolved',
      configuredUser,
    },
  };
}
