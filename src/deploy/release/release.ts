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

export { MANIFEST };

export interface ReleaseManifest {
  version: string;
  project: string;
  composeFiles: string[];
  image: string;
  deployedAt: string;
}

/** The release `current` points at when the deploy starts. */
export interface LiveRelease {
  dir: string;
  manifest?: ReleaseManifest;
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
  if (!current) return { path };
  const dir = current.replace(/^.*releases\//, '').replace(/\/$/, '');
  let manifest: ReleaseManifest | undefined;
  try {
    const text = records.get('manifest')?.[0];
    manifest = text ? (JSON.parse(text) as ReleaseManifest) : undefined;
  } catch {
    manifest = undefined;
  }
  return { path, live: { dir, ...(manifest ? { manifest } : {}) } };
}

/** A re-run of the live version stages beside it, so the running release is never overwritten. */
export function releaseDirName(version: string, liveDir: string | undefined, nowMs: number): string {
  return liveDir === version ? `${version}.r${nowMs}` : version;
}

export interface ReleaseEntry {
  name: string;
  mtime: number;
}

/** Everything but `current` and the newest `keep - 1` others: what is left is exactly `keep` directories. */
export function releasesToPrune(entries: readonly ReleaseEntry[], keep: number, current: string): string[] {
  const others = entries
    .filter((e) => e.name !== current)
    .sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name));
  return others.slice(Math.max(keep - 1, 0)).map((e) => e.name);
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

  /** Removes all but `keep` release directories (this one and the newest others); returns the removed names. */
  async prune(keep: number): Promise<string[]> {
    const out = await this.shell().run(listReleasesScript(this.deployPath), { timeoutMs: 60_000 });
    const entries = (parseRecords(out.stdout).get('release') ?? []).map((r) => {
      const sp = r.indexOf(' ');
      return { mtime: Number(r.slice(0, sp)), name: r.slice(sp + 1) };
    });
    const drop = releasesToPrune(entries, keep, this.dir);
    if (drop.length) {
      await this.shell().run(removeReleasesScript(this.deployPath, drop, 'prune releases'), { timeoutMs: 120_000 });
    }
    return drop;
  }
}
