import { UserFacingError, type Finding, type SourceLocation } from '../../findings/finding.js';
import { runChecks } from '../../findings/rule-module.js';
import { stageChain, type ParsedDockerfile, type Stage } from '../dockerfile/parse.js';
import { resolveUser } from './accounts.js';
import { buildToolMatcher } from './build-tools.js';
import { mapHistoryToInstructions, type HistoryOrigin } from './instruction-map.js';
import { layerHistory } from './layer-provenance.js';
import { runtimeBuildTools } from './runtime-tools.js';
import { readSavedImage, type FileEntry, type ReadOptions, type SavedImage } from './saved-image.js';
import { openSaveStream, type SaveStream } from './save-stream.js';
import type { BlamedFile, ImageRuleContext, ToolFile, ToolsAddedBy } from './rules/context.js';
import { describeSetuid, isRegularEntry, isSecretFilePath, isSetuidMode, isUnusualSetuid } from './sensitive-files.js';
import { passwordlessSudo, SUDOERS, SUDOERS_DIR } from './sudoers.js';
import { IMAGE_RULES } from './rules/image-rules.js';

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
export async function saveAndRead<T = SavedImage>(
  imageId: string,
  read: (stream: NodeJS.ReadableStream) => Promise<T>,
): Promise<T> {
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

/** What the reader keeps for the proofs: build tools, secret-looking files, setuid files, accounts, sudoers. */
export function proofReadOptions(req: Pick<VerifyRequest, 'forbiddenTools' | 'allowedTools'>): ReadOptions {
  const matcher = buildToolMatcher({ extra: req.forbiddenTools, allowed: req.allowedTools });
  return {
    isInteresting: (p, mode) => matcher.isInteresting(p) || isSecretFilePath(p) || isSetuidMode(mode),
    wantContents: ['etc/passwd', 'etc/group', SUDOERS],
    wantContentsIn: [SUDOERS_DIR],
  };
}

/** Proves from the built image that it runs as non-root and carries no build tools, blaming Dockerfile lines. */
export async function verifyImage(req: VerifyRequest): Promise<ImageVerification> {
  const image = await saveAndRead(req.imageId, (stream) => readSavedImage(stream, proofReadOptions(req)));
  return proveImage(image, req);
}

/** The image proofs on an image already read (the unit tests read one built in memory). */
export function proveImage(image: SavedImage, req: VerifyRequest): ImageVerification {
  const matcher = buildToolMatcher({ extra: req.forbiddenTools, allowed: req.allowedTools });
  const label = req.dockerfileLabel;
  const chain = stageChain(req.parsed, req.target);

  // Layer → history entry → Dockerfile instruction.
  const history = image.config.history ?? [];
  const origins = mapHistoryToInstructions(
    history.map((h) => h.created_by ?? ''),
    chain,
  );
  const layerOrigin = new Map(layerHistory(image.config).map((l) => [l.layerIndex, origins[l.historyIndex]]));
  const blame = (layerIndex: number) => describeOrigin(layerOrigin.get(layerIndex), label);
  const blamed = (path: string, detail: string, layerIndex: number): BlamedFile => ({
    path,
    detail,
    ...blame(layerIndex),
  });

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
  const user = resolved.ok ? { uid: resolved.uid, gid: resolved.gid } : undefined;

  // Build-tool files, grouped by the instruction whose layer added them.
  const toolsAddedBy = (
    entries: readonly FileEntry[],
    nameOf: (path: string) => string | undefined,
  ): ToolsAddedBy[] => {
    const groups = new Map<number, { where: string; location: SourceLocation; files: ToolFile[] }>();
    for (const entry of entries) {
      const tool = entry.type === 'directory' ? undefined : nameOf(entry.path);
      if (tool === undefined) continue;
      const origin = blame(entry.layerIndex);
      const group = groups.get(origin.location.line) ?? { ...origin, files: [] };
      group.files.push({ path: entry.path, tool, size: entry.size });
      groups.set(origin.location.line, group);
    }
    return [...groups.values()];
  };
  const regular = image.finalFiles.filter(isRegularEntry);
  const ctx: ImageRuleContext = {
    configuredUser,
    user: resolved,
    userAt,
    // Shipped: every directory on the image's PATH, through symlinks; deleted: the bin-like directories, as before.
    shippedTools: toolsAddedBy(runtimeBuildTools(image, matcher), (p) => matcher.toolNameAnywhere(p)),
    deletedTools: toolsAddedBy(image.removedFiles, (p) => matcher.toolName(p)),
    sudoGrants: passwordlessSudo(image.contents).map((g) => blamed(g.path, `line ${g.line}`, g.layerIndex)),
    secretFiles: regular.filter((e) => isSecretFilePath(e.path)).map((e) => blamed(e.path, '', e.layerIndex)),
    setuidFiles: regular.filter(isUnusualSetuid).map((e) => blamed(e.path, describeSetuid(e), e.layerIndex)),
  };

  return {
    findings: runChecks(IMAGE_RULES, ctx),
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
