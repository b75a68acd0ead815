/**
 * Which release `mode: rollback` goes back to. The previous release is the newest release directory other than the
 * live one whose manifest is valid, whose `deployedAt` (written by the runner that staged it) is earlier than the
 * live release's, and whose secret store files are all still there. Ordering by the manifest, not the directory's
 * mtime: a rollback or a re-`up` touches nothing in the manifest, so a second rollback goes further back, never
 * forth.
 */
import { isReleaseName } from '../version.js';
import { parseManifest, type ReleaseManifest } from './manifest.js';
import type { LiveRelease } from './release.js';

export interface HostReleases {
  /** Release directory name → its manifest text ('' when it has none). */
  manifests: Map<string, string>;
  /** The secret store's file names. */
  stored: Set<string>;
}

export type PreviousPick = { ok: true; dir: string; manifest: ReleaseManifest } | { ok: false; problem: string };

/** The records of `listReleaseManifestsScript`. */
export function readHostReleases(records: Map<string, string[]>): HostReleases {
  const manifests = new Map<string, string>();
  for (const r of records.get('release') ?? []) {
    const slash = r.indexOf('/');
    if (slash > 0) manifests.set(r.slice(0, slash), r.slice(slash + 1));
  }
  return { manifests, stored: new Set(records.get('stored') ?? []) };
}

function deployedAtMs(m: ReleaseManifest): number {
  return /^\d{4}-\d\d-\d\dT/.test(m.deployedAt) ? Date.parse(m.deployedAt) : Number.NaN;
}

export function pickPrevious(live: LiveRelease | undefined, host: HostReleases): PreviousPick {
  if (!live) return { ok: false, problem: 'no release is live here (no current link): nothing to roll back from' };
  if (!live.manifest) {
    return {
      ok: false,
      problem: `${live.manifestProblem ?? `releases/${live.dir} has no manifest`}: the live release cannot be placed in time`,
    };
  }
  const liveAt = deployedAtMs(live.manifest);
  if (Number.isNaN(liveAt)) {
    return { ok: false, problem: `releases/${live.dir}: its manifest has no valid deployedAt` };
  }
  const skipped: string[] = [];
  const older: Array<{ dir: string; manifest: ReleaseManifest; at: number }> = [];
  for (const [dir, text] of host.manifests) {
    if (dir === live.dir || !isReleaseName(dir)) continue;
    const reading = parseManifest(text);
    if (!reading.ok) continue;
    const at = deployedAtMs(reading.manifest);
    if (Number.isNaN(at) || at >= liveAt) continue;
    const missing = (reading.manifest.secretFiles ?? []).filter((f) => !host.stored.has(f));
    if (missing.length) {
      skipped.push(`releases/${dir} (${missing.length} of its secret files are gone from the store)`);
      continue;
    }
    older.push({ dir, manifest: reading.manifest, at });
  }
  older.sort((a, b) => b.at - a.at || b.dir.localeCompare(a.dir));
  const pick = older[0];
  if (pick) return { ok: true, dir: pick.dir, manifest: pick.manifest };
  return {
    ok: false,
    problem:
      `no release older than the live ${live.manifest.version} (releases/${live.dir}) with a valid manifest is on this host` +
      (skipped.length ? `; skipped ${skipped.join(', ')}` : ''),
  };
}
