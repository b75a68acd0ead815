import path from 'node:path';
import { UserFacingError } from '../findings/finding.js';
import { ReadTextError, readTextFile, repositoryRootOf } from '../util/read-text.js';

/**
 * `.dockerignore` matching as BuildKit does it (moby/patternmatcher): Go `filepath.Match` syntax plus `**`,
 * patterns relative to the context root, a pattern that matches a directory excludes everything below it,
 * `!pattern` re-includes, and the last matching pattern wins.
 */
interface Pattern {
  exclusion: boolean;
  regex: RegExp;
  source: string;
  line: number;
}

export interface DockerIgnore {
  patterns: readonly Pattern[];
  /** True when the context path (forward slashes, relative to the context) is excluded from the build. */
  excludes(path: string): boolean;
}

/** filepath.Clean on Linux: `\` stays an escape in patterns, so only `/` separates. */
function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function toRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` matches zero or more whole directories; a trailing `**` matches anything.
        if (pattern[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      out += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  // A match on a directory covers everything below it.
  return new RegExp(`^${out}(?:/.*)?$`);
}

export function parseDockerIgnore(text: string): DockerIgnore {
  const patterns: Pattern[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    let line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    const cleaned = cleanPath(line);
    if (!cleaned) return;
    patterns.push({ exclusion, regex: toRegex(cleaned), source: raw.trim(), line: index + 1 });
  });
  return {
    patterns,
    excludes(path: string): boolean {
      const target = cleanPath(path);
      let excluded = false;
      for (const p of patterns) if (p.regex.test(target)) excluded = !p.exclusion;
      return excluded;
    },
  };
}

/** BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile first, then `.dockerignore` at the context root. */
export async function loadDockerIgnore(
  context: string,
  dockerfile: string | undefined,
  root: string = repositoryRootOf(context),
): Promise<{ ignore: DockerIgnore | undefined; file: string }> {
  const candidates = [...(dockerfile ? [`${dockerfile}.dockerignore`] : []), path.join(context, '.dockerignore')];
  for (const file of candidates) {
    const label = path.relative(root, file) || file;
    try {
      return { ignore: parseDockerIgnore(await readTextFile(file, { root, label })), file };
    } catch (e) {
      if (e instanceof ReadTextError && e.problem === 'missing') continue;
      // A .dockerignore that cannot be read safely must not count as "no exclusions": that would pass secrets.
      if (e instanceof ReadTextError) throw new UserFacingError(e.message, 'DA-INP-008', { file: label, line: 1 });
      throw e;
    }
  }
  return { ignore: undefined, file: path.join(context, '.dockerignore') };
}
