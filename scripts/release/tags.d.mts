// Types of tags.mjs (kept as plain JavaScript so release.yml runs it with any Node, no build step).
export interface ReleaseTag {
  /** The tag name without `refs/tags/`. */
  tag: string;
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers after `-`, or ''. */
  prerelease: string;
  /** Build metadata after `+`, or ''. */
  build: string;
}

export interface TagPlan {
  release: ReleaseTag;
  prerelease: boolean;
  /** Floating tags to point at the release, e.g. ['v1', 'v1.2']; empty for a pre-release. */
  moves: string[];
}

export declare class TagError extends Error {}
export declare function parseReleaseTag(tag: string): ReleaseTag | undefined;
export declare function requireReleaseTag(tag: string): ReleaseTag;
export declare function planTagMoves(tag: string, existingTags?: readonly string[]): TagPlan;
