/**
 * The `image` input: an image built elsewhere, verified without building. Either an engine image (name or ID, as
 * build-push-action's `imageid` output with `load: true`) or a file read with no engine at all, named by the
 * transport prefixes skopeo and buildx use: `docker-archive:`, `oci-archive:`, `oci-layout:`.
 */
import path from 'node:path';
import { UserFacingError } from '../../../findings/finding.js';
import type { RuleId } from '../../../rules/rule-ids.js';

/** Rules of a bad `image` input: the CLI exits 2 (bad input) for them, as for any other bad input. */
export const IMAGE_INPUT_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['DA-INP-020', 'DA-INP-021', 'DA-INP-022']);

export type ArchiveKind = 'docker-archive' | 'oci-archive' | 'oci-layout';

export type ImageSource =
  | { kind: 'engine'; ref: string }
  | { kind: ArchiveKind; path: string /** As the user wrote it, for messages. */; label: string };

const ARCHIVE_KINDS: readonly ArchiveKind[] = ['docker-archive', 'oci-archive', 'oci-layout'];

/** A reference the engine could know: a name[:tag][@digest], or an ID (`sha256:<hex>` or a hex prefix). */
const ENGINE_REF = /^[a-z0-9][a-zA-Z0-9._\-/:@]*$/;

/** Parses the `image` input; paths are relative to `baseDir` (the working directory). Empty means: build. */
export function parseImageSource(value: string, baseDir: string): ImageSource | undefined {
  const text = value.trim();
  if (!text) return undefined;
  const colon = text.indexOf(':');
  const prefix = colon > 0 ? text.slice(0, colon) : '';
  if ((ARCHIVE_KINDS as readonly string[]).includes(prefix)) {
    const rest = text.slice(colon + 1);
    if (!rest) {
      throw new UserFacingError(`Input 'image' is '${text}': give a path after '${prefix}:'.`, 'DA-INP-001');
    }
    return { kind: prefix as ArchiveKind, path: path.resolve(baseDir, rest), label: text };
  }
  if (!ENGINE_REF.test(text)) {
    throw new UserFacingError(
      `Input 'image' is '${text}': not an image name or ID, nor docker-archive:PATH, oci-archive:PATH or oci-layout:DIR.`,
      'DA-INP-001',
    );
  }
  return { kind: 'engine', ref: text };
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** `os/arch[/variant]` as buildx writes it in `platforms`. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new UserFacingError(
      `Input 'platforms' entry '${text}' is not os/arch[/variant] (e.g. linux/arm64).`,
      'DA-INP-001',
    );
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The variant a platform means when it names none (arm64 is v8, as containerd normalises it). */
function variantOf(p: Platform): string {
  return p.variant || (p.architecture === 'arm64' ? 'v8' : '');
}

/** Whether the image's platform (`os/arch[/variant]`) is the one asked for; a request with no variant takes any. */
export function platformMatches(wanted: Platform, actualText: string): boolean {
  const [os = '', architecture = '', variant] = actualText.split('/');
  const actual: Platform = variant ? { os, architecture, variant } : { os, architecture };
  if (wanted.os !== actual.os || wanted.architecture !== actual.architecture) return false;
  return !wanted.variant || variantOf(wanted) === variantOf(actual);
}
