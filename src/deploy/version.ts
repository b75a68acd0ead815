/** The release version and image tags, from the event that triggered the workflow. Pure. */
import { DeployInputError } from './inputs.js';

export interface GitEvent {
  /** GITHUB_EVENT_NAME, e.g. `push`. */
  eventName: string;
  /** GITHUB_REF, e.g. `refs/tags/v1.2.3`. */
  ref: string;
  /** GITHUB_SHA. */
  sha: string;
}

export interface VersionInfo {
  /** `1.2.3` for the tag `v1.2.3`; `sha-<7>` for an allowed non-tag run. */
  version: string;
  shortSha: string;
  /** The tag the version came from, when it came from one. */
  tag?: string;
}

/** Docker's tag grammar; the version is also a directory name on the host, which this grammar keeps safe. */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A version as the tag grammar allows it (what a host-side manifest must hold, too). */
export function isVersion(s: unknown): s is string {
  return typeof s === 'string' && IMAGE_TAG.test(s);
}

/** A release directory name: a version, or a re-run's `<version>.r<ms>` (the same grammar, up to 128 + 16). */
export function isReleaseName(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(?:\.r\d{1,15})?$/.test(s);
}

export function resolveVersion(event: GitEvent, allowNonTag: boolean): VersionInfo {
  if (!/^[0-9a-f]{7,64}$/i.test(event.sha)) {
    throw new DeployInputError(`GITHUB_SHA "${event.sha}" is not a commit hash`);
  }
  const shortSha = event.sha.slice(0, 7).toLowerCase();
  const tag = event.ref.startsWith('refs/tags/') ? event.ref.slice('refs/tags/'.length) : undefined;
  const versionTag = tag !== undefined && /^v./.test(tag) ? tag : undefined;

  if (versionTag && (event.eventName === 'push' || allowNonTag)) {
    const version = versionTag.slice(1);
    if (!IMAGE_TAG.test(version)) {
      throw new DeployInputError(
        `tag ${versionTag}: the version "${version}" is not a valid image tag (letters, digits, '_', '.', '-'; at most 128)`,
      );
    }
    return { version, shortSha, tag: versionTag };
  }
  if (!allowNonTag) {
    const what = tag !== undefined ? `the tag ${tag} (not v*)` : event.ref || '(no ref)';
    throw new DeployInputError(
      `allow-non-tag: deploy runs on a push of a version tag (v*); this run is a \`${event.eventName}\` event on ${what}. ` +
        'Push a tag like v1.2.3, or set allow-non-tag: true to deploy this commit as sha-' +
        shortSha,
    );
  }
  return { version: `sha-${shortSha}`, shortSha };
}

/** `<repository>:<version>` and `<repository>:sha-<7>`, without duplicates. */
export function imageTags(repository: string, info: VersionInfo): string[] {
  const refs = [`${repository}:${info.version}`, `${repository}:sha-${info.shortSha}`];
  return [...new Set(refs)];
}
