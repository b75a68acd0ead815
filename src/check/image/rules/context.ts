import type { SourceLocation } from '../../../findings/finding.js';
import type { RuleModule } from '../../../findings/rule-module.js';
import type { ImageRuleId } from '../../../rules/rule-ids.js';
import type { UserResolution } from '../accounts.js';

/** A build-tool file of the image. */
export interface ToolFile {
  /** Path inside the image, without the leading `/`. */
  path: string;
  /** The tool's canonical name (`gcc`), or the `forbidden-tools` pattern that matched. */
  tool: string;
  /** Bytes the layer carries for it. */
  size: number;
}

/** Tool files grouped by the Dockerfile instruction (or base image) whose layer added them. */
export interface ToolsAddedBy {
  /** `RUN at line 7`, `the base image 'python:3.12-slim'`. */
  where: string;
  location: SourceLocation;
  files: readonly ToolFile[];
}

/** A file of the image, tied to the Dockerfile instruction (or base image) whose layer wrote it. */
export interface BlamedFile {
  /** Path inside the image, without the leading `/`. */
  path: string;
  /** What about it (`line 3`, `setuid root`). */
  detail: string;
  /** `RUN at line 7`, `the base image 'python:3.12-slim'`. */
  where: string;
  location: SourceLocation;
}

/** What the image proofs read: facts of the built image, already tied to Dockerfile lines. */
export interface ImageRuleContext {
  /** The image config's `User` ('' when unset). */
  configuredUser: string;
  /** That user resolved as the runtime does it, through the image's own /etc/passwd and /etc/group. */
  user: UserResolution;
  /** The last USER of the target's stage chain, or its FROM when there is none. */
  userAt: SourceLocation;
  /** Tools present in the runtime filesystem. */
  shippedTools: readonly ToolsAddedBy[];
  /** Tools one layer added and a later one deleted: hidden at runtime, still in every pull. */
  deletedTools: readonly ToolsAddedBy[];
  /** NOPASSWD lines of /etc/sudoers and /etc/sudoers.d/* (detail: the line in that file). */
  sudoGrants: readonly BlamedFile[];
  /** Secret-looking files present at runtime (.env, keys, secrets/…). */
  secretFiles: readonly BlamedFile[];
  /** Setuid/setgid files beyond the base distributions' usual set. */
  setuidFiles: readonly BlamedFile[];
}

/** A proof from the built image; findings go on the Dockerfile line that caused it. */
export type ImageRule<Id extends ImageRuleId = ImageRuleId> = RuleModule<ImageRuleContext, SourceLocation, Id>;

export function imageRule<Id extends ImageRuleId>(rule: ImageRule<Id>): ImageRule<Id> {
  return rule;
}

/** The first eight paths, and how many more. */
export function listPaths(files: readonly ToolFile[], describe: (f: ToolFile) => string): string {
  const shown = files.slice(0, 8).map(describe);
  return shown.join(', ') + (files.length > shown.length ? ` and ${files.length - shown.length} more` : '');
}

/** Files grouped by the instruction that wrote them, in line order: one finding per Dockerfile line. */
export function groupByInstruction(
  files: readonly BlamedFile[],
): Array<{ where: string; location: SourceLocation; files: BlamedFile[] }> {
  const groups = new Map<number, { where: string; location: SourceLocation; files: BlamedFile[] }>();
  for (const f of files) {
    const group = groups.get(f.location.line) ?? { where: f.where, location: f.location, files: [] };
    group.files.push(f);
    groups.set(f.location.line, group);
  }
  return [...groups.values()].sort((a, b) => a.location.line - b.location.line);
}
