// Tag arithmetic of a release: which floating tags (vX, vX.Y) a pushed vX.Y.Z moves. Pure: no git, no I/O.

/** vMAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], as semver.org defines it, with the `v` prefix GitHub Actions users pin. */
const SEMVER_TAG =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export class TagError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TagError';
  }
}

/** Parses a release tag; `refs/tags/` is accepted so `GITHUB_REF` can be passed as it is. Returns undefined if not semver. */
export function parseReleaseTag(tag) {
  const name = tag.replace(/^refs\/tags\//, '');
  const m = SEMVER_TAG.exec(name);
  if (!m) return undefined;
  return {
    tag: name,
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ?? '',
    build: m[5] ?? '',
  };
}

/** Like parseReleaseTag, but refuses a tag that is not semver with a message saying what is expected. */
export function requireReleaseTag(tag) {
  const parsed = parseReleaseTag(tag);
  if (!parsed) {
    throw new TagError(
      `Refusing tag '${tag}': not a release tag of the form vMAJOR.MINOR.PATCH (e.g. v1.2.3, or v1.2.3-rc.1 for a pre-release). ` +
        'Only such tags are released; floating tags like v1 and v1.2 are moved by the release, never pushed by hand.',
    );
  }
  return parsed;
}

function compareReleases(a, b) {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * The floating tags a release moves: `vX` and `vX.Y`, each only when the new tag is the highest final release of that
 * line among `existingTags` (a patch to an older minor line moves `vX.Y` but leaves `vX` on the newer minor).
 * Pre-releases move nothing. Build metadata (`+build`) does not make a release a pre-release.
 */
export function planTagMoves(tag, existingTags = []) {
  const release = requireReleaseTag(tag);
  const prerelease = release.prerelease !== '';
  if (prerelease) return { release, prerelease, moves: [] };
  const finals = existingTags
    .map((t) => parseReleaseTag(t))
    .filter((t) => t !== undefined && t.prerelease === '' && t.tag !== release.tag);
  const newest = (sameLine) => finals.filter(sameLine).every((t) => compareReleases(t, release) <= 0);
  const moves = [];
  if (newest((t) => t.major === release.major)) moves.push(`v${release.major}`);
  if (newest((t) => t.major === release.major && t.minor === release.minor))
    moves.push(`v${release.major}.${release.minor}`);
  return { release, prerelease, moves };
}
