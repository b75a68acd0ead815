/**
 * Which build tools a container can run: those in bin-like directories (as before: a venv's `bin/` can be run by
 * path), plus whatever sits in each directory of the image's PATH, read through directory symlinks, so
 * `/usr/local/bin -> /opt/tools` cannot hide `gcc` in `/opt/tools`.
 */
import type { BuildToolMatcher } from './build-tools.js';
import { normalisePath } from './save-reader/image-path.js';
import type { SavedImage } from './saved-image.js';
import type { FileEntry, ImageConfig } from './save-reader/types.js';

/** What Docker sets when the image's Env has no PATH (the daemon's default for Linux containers). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The image's PATH directories, normalised, in order, without repeats; the last `PATH=` in Env wins. */
export function pathDirectories(config: ImageConfig): string[] {
  const env = config.config?.Env ?? [];
  const path = env.findLast((e) => e.startsWith('PATH='))?.slice('PATH='.length) ?? DEFAULT_PATH;
  // Empty and relative entries mean the working directory, which is no fixed place in the image: skipped.
  const dirs = path.split(':').filter((d) => d.startsWith('/'));
  return [...new Set(dirs.map(normalisePath))];
}

/**
 * Build tools present at runtime, each once (by the entry it really is), named by the first PATH directory that
 * finds it, else by its own path; sorted by that path.
 */
export function runtimeBuildTools(image: SavedImage, matcher: BuildToolMatcher): FileEntry[] {
  const found = new Map<string, FileEntry>();
  for (const dir of pathDirectories(image.config)) {
    for (const entry of image.view.list(dir)) {
      const seenAs = `${dir === '' ? '' : `${dir}/`}${entry.path.slice(entry.path.lastIndexOf('/') + 1)}`;
      if (entry.type === 'directory' || found.has(entry.path)) continue;
      if (matcher.toolNameAnywhere(seenAs) !== undefined) found.set(entry.path, { ...entry, path: seenAs });
    }
  }
  for (const entry of image.finalFiles) {
    if (entry.type === 'directory' || found.has(entry.path)) continue;
    if (matcher.toolName(entry.path) !== undefined) found.set(entry.path, entry);
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
