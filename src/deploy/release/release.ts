/**
 * The release skeleton both targets share: a release directory under `deploy-path/releases` (named for the version,
 * never the live one), its files and manifest, the atomic switch of `current`, and the prune that keeps exactly
 * `keep-releases` directories.
 */
import { frame, parseRecords, remoteJoin } from '../remote/script.js';
import { MANIFEST } from '../remote/scripts/preflight.js';
import {
  createReleaseScript,
  listReleasesScript,
  removeReleasesScript,
  switchCurrentScript,
} from '../remote/scripts/release.js';
import { writeFileScript } from '../remote/scripts/upload.js';
import type { RemoteShell } from '../remote/shell.js';
import { hostWord } from '../../util/host-text.js';
import { isReleaseName } from '../version.js';
import { parseManifest, type ReleaseManifest } from './manifest.js';

export { MANIFEST, type ReleaseManifest };

/** The release `current` points at when the deploy starts. */
export interface LiveRelease {
  dir: string;
  manifest?: ReleaseManifest;
  /** Why the manifest was not used (absent, or not what a deploy writes): a rollback to it is refused. */
  manifestProblem?: string;
}

export interface DeployPathReport {
  /** deploy-path as the host resolves it (symlinks followed). */
  path: string;
  live?: LiveRelease;
}

const UNSAFE_PATH = /[\u0000-\u001f\u007f\\]/;

/**
 * What a preflight reported about deploy-path. The host echoes the path it received back (`printf '%s'`, framed), so
 * a path garbled on the way (quoting, a shell that interprets backslashes) stops the deploy instead of steering it.
 */
export function readDeployPathReport(records: Map<string, string[]>, requested: string): DeployPathReport {
  const got = records.get('requested')?.[0];
  if (got !== requested) {
    throw new Error(`the host received deploy-path ${JSON.stringify(got ?? '')}, not ${JSON.stringify(requested)}`);
  }
  const path = records.get('path')?.[0] ?? '';
  if (!path.startsWith('/') || UNSAFE_PATH.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
    throw new Error(
      `deploy-path ${requested} resolves on the host to ${JSON.stringify(path)}, not a usable absolute path`,
    );
  }
  const current = records.get('current')?.[0];
  if (current === undefined) return { path };
  // Only `releases/<name>`, as the deploy writes it: anything else (absolute, `../..`) would steer the rollback
  // into a directory (and compose project) the deploy never staged.
  const dir = current.startsWith('releases/') ? current.slice('releases/'.length) : '';
  if (!isReleaseName(dir)) {
    throw new Error(
      `${path}/current points at ${hostWord(JSON.stringify(current))}, not at releases/<release>: ` +
        'deploy-action only follows links it wrote. Check the host, then point it at a release (or remove it) by hand',
    );
  }
  const text = records.get('manifest')?.[0] ?? '';
  if (text === '') return { path, live: { dir, manifestProblem: `releases/${dir} has no ${MANIFEST}` } };
  const reading = parseManifest(text);
  if (!reading.ok) return { path, live: { dir, manifestProblem: `releases/${dir}/${MANIFEST}: ${reading.problem}` } };
  return { path, live: { dir, manifest: reading.manifest } };
}

/** A re-run of the live version stages beside it, so the running release is never overwritten. */
export function releaseDirName(version: string, liveDir: string | undefined, nowMs: number): string {
  return liveDir === version ? `${version}.r${nowMs}` : version;
}

export interface ReleaseEntry {
  name: string;
  mtime: number;
}

export interface PruneScene {
  entries: readonly ReleaseEntry[];
  /** Staging markers by release name: their modification time (host clock, seconds). */
  staging: ReadonlyMap<string, number>;
  /** The host's clock (seconds) and the release `current` points at there now (another deploy may have moved it). */
  now: number;
  hostCurrent?: string;
}

/**
 * Everything but this release and the newest `keep - 1` others, so exactly `keep` directories are left; never the
 * release `current` points at now, nor one being staged by a concurrent deploy (a marker, or the directory, touched
 * within `stagingMs`: the window one command may take).
 */
export function releasesToPrune(scene: PruneScene, keep: number, mine: string, stagingMs: number): string[] {
  const busy = (e: ReleaseEntry) => {
    const marked = scene.staging.get(e.name);
    if (marked === undefined) return false;
    // Without the host's clock a marker cannot be judged stale: spare it.
    return !Number.isFinite(scene.now) || (scene.now - Math.max(marked, e.mtime)) * 1000 < stagingMs;
  };
  const others = scene.entries
    .filter((e) => e.name !== mine && e.name !== scene.hostCurrent)
    .sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name));
  return others
    .slice(Math.max(keep - 1, 0))
    .filter((e) => !busy(e))
    .map((e) => e.name);
}

/** The records of the list script (`listReleasesScript`) as a prune scene. */
export function readPruneScene(records: Map<string, string[]>): PruneScene {
  const timed = (r: string) => {
    const sp = r.indexOf(' ');
    return { mtime: Number(r.slice(0, sp)), name: r.slice(sp + 1).replace(/^\.\//, '') };
  };
  const current = records.get('current')?.[0];
  const hostCurrent = current?.startsWith('releases/') ? current.slice('releases/'.length) : undefined;
  return {
    entries: (records.get('release') ?? []).map(timed),
    staging: new Map((records.get('staging') ?? []).map(timed).map((e) => [e.name, e.mtime])),
    now: Number(records.get('now')?.[0] ?? Number.NaN),
    ...(hostCurrent ? { hostCurrent } : {}),
  };
}

export interface StagedFile {
  relativePath: string;
  content: Buffer;
  mode: '0644' | '0600';
}

export class Release {
  constructor(
    private readonly shell: () => RemoteShell,
    readonly deployPath: string,
    readonly dir: string,
    private readonly timeoutMs: number,
  ) {}

  get abs(): string {
    return remoteJoin(this.deployPath, 'releases', this.dir);
  }

  /** A fresh, empty release directory (refused if it is the live one). */
  async create(): Promise<void> {
    await this.shell().run(createReleaseScript(this.deployPath, this.dir), { timeoutMs: this.timeoutMs });
  }

  async upload(files: readonly StagedFile[]): Promise<void> {
    for (const f of files) {
      await this.shell().run(
        writeFileScript(remoteJoin(this.abs, f.relativePath), f.mode, `upload ${f.relativePath}`),
        {
          stdin: frame(f.content),
          timeoutMs: this.timeoutMs,
        },
      );
    }
  }

  async writeManifest(m: ReleaseManifest): Promise<void> {
    await this.shell().run(writeFileScript(remoteJoin(this.abs, MANIFEST), '0644', 'write manifest'), {
      stdin: frame(Buffer.from(JSON.stringify(m))),
      timeoutMs: this.timeoutMs,
    });
  }

  /** Point `current` at this release, or at `other` (a rollback to the live one). */
  async switchCurrent(other?: string): Promise<void> {
    const label = other === undefined ? 'switch current' : 'switch current back';
    await this.shell().run(switchCurrentScript(this.deployPath, other ?? this.dir, label), {
      timeoutMs: this.timeoutMs,
    });
  }

  /** Drop this staged release (it never went live). */
  async remove(): Promise<void> {
    await this.shell().run(removeReleasesScript(this.deployPath, [this.dir], 'remove staged release'), {
      timeoutMs: this.timeoutMs,
    });
  }

  /**
   * Removes all but `keep` release directories (this one and the newest others), sparing what another deploy is
   * staging or has made current; returns the removed names.
   */
  async prune(keep: number): Promise<string[]> {
    const out = await this.shell().run(listReleasesScript(this.deployPath), { timeoutMs: 60_000 });
    const scene = readPruneScene(parseRecords(out.stdout));
    const drop = releasesToPrune(scene, keep, this.dir, this.timeoutMs);
    if (drop.length) {
      await this.shell().run(removeReleasesScript(this.deployPath, drop, 'prune releases'), { timeoutMs: 120_000 });
    }
    return drop;
  }
}
