/**
 * The build-tool catalog, as data, and the matcher the image reader asks about every path.
 * A build tool is an executable name in a bin-like directory: headers (`Python.h`), `python3-config` and pip are
 * not build tools, so the official `python:*-slim` images pass.
 */

export interface ToolDefinition {
  /** Canonical name, reported in findings. */
  name: string;
  /** Base names that also count: exact names, before the version and target-triplet variants are added. */
  aliases?: readonly string[];
  /** Whether `x86_64-linux-gnu-NAME` style cross names count (compilers and binutils only). */
  triplet?: boolean;
}

export const DEFAULT_BUILD_TOOLS: readonly ToolDefinition[] = [
  { name: 'gcc', triplet: true },
  { name: 'g++', triplet: true },
  { name: 'cc', triplet: true },
  { name: 'c++', triplet: true },
  { name: 'clang', triplet: true },
  { name: 'clang++', triplet: true },
  { name: 'ld', aliases: ['ld.bfd', 'ld.gold'], triplet: true },
  { name: 'as', triplet: true },
  { name: 'make' },
  { name: 'cmake' },
  { name: 'ninja' },
  { name: 'meson' },
  { name: 'uv' },
  { name: 'uvx' },
  { name: 'poetry' },
  { name: 'pdm' },
  { name: 'rustc' },
  { name: 'cargo' },
  { name: 'go' },
  { name: 'git' },
];

/** GNU target triplets start with a CPU name; anchoring on it keeps `as`/`ld` from matching arbitrary `foo-bar-as`. */
const TRIPLET =
  '(?:(?:x86_64|amd64|i[3-6]86|aarch64|arm64|arm[a-z0-9_]*|mips[a-z0-9_]*|powerpc[a-z0-9_]*|ppc[a-z0-9_]*|s390x?|riscv[0-9]*|loongarch[0-9]*|sparc[a-z0-9_]*|alpha|hppa|m68k|sh[0-9][a-z0-9_]*|ia64)(?:-[a-z0-9_.]+){1,3}-)';
/** `gcc-12`, `clang-14`, `gcc-12.2`. */
const VERSION = '(?:-[0-9]+(?:\\.[0-9]+)*)';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Simple globs: `*` and `?` within one path segment, `[...]` classes; everything else literal. */
function globSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i] as string;
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) out += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else out += escapeRegExp(ch);
  }
  return out;
}

/**
 * A user pattern (from `forbidden-tools` / `allowed-tools`): a name, or a simple glob, matched against the base name;
 * a pattern with a `/` is matched against the whole path (no leading slash).
 */
interface UserPattern {
  text: string;
  wholePath: boolean;
  regex: RegExp;
}

function userPattern(raw: string, withVersions: boolean): UserPattern | undefined {
  const text = raw.trim().replace(/^\.?\/+/, '');
  if (text === '') return undefined;
  const wholePath = text.includes('/');
  const body = isGlob(text)
    ? globSource(text)
    : `${escapeRegExp(text)}${withVersions && !wholePath ? `${VERSION}?` : ''}`;
  return { text, wholePath, regex: new RegExp(`^${body}$`) };
}

function testPattern(pattern: UserPattern, path: string, base: string): boolean {
  return pattern.regex.test(pattern.wholePath ? path : base);
}

const BIN_DIRS = new Set(['bin', 'sbin']);

/**
 * Whether a path (normalised: no leading `/` or `./`) sits directly in a bin-like directory: `usr/bin`, `bin`,
 * `sbin`, `usr/local/bin`, `opt/<x>/bin`, `root/.cargo/bin`, `usr/local/go/bin`, a venv's `bin/`, any `<dir>/bin/`.
 */
export function inBinDirectory(path: string): boolean {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return false;
  const parentSlash = path.lastIndexOf('/', slash - 1);
  return BIN_DIRS.has(path.slice(parentSlash + 1, slash));
}

export interface BuildToolMatcherOptions {
  /** `forbidden-tools`: more names or globs (`tcc`, `tcc*`) that count as build tools. */
  extra?: readonly string[];
  /** `allowed-tools`: names or globs removed from the list (by canonical name or base name: `git`). */
  allowed?: readonly string[];
  /** Replace the default catalog (tests, or a caller with its own list). */
  catalog?: readonly ToolDefinition[];
}

export interface BuildToolMatcher {
  /**
   * True when the path's name is a build tool's, in any directory: the image reader must keep it, because whether
   * its directory is on PATH (directly or through a symlink) is only known once the whole image is read.
   */
  isInteresting(path: string): boolean;
  /** The tool's canonical name (`gcc` for `usr/bin/x86_64-linux-gnu-gcc-12`) in a bin-like directory, or the user pattern that matched. */
  toolName(path: string): string | undefined;
  /** The same, wherever the path sits: for the directories of the image's PATH, whatever they are called. */
  toolNameAnywhere(path: string): string | undefined;
}

export function buildToolMatcher(options: BuildToolMatcherOptions = {}): BuildToolMatcher {
  const allowed = (options.allowed ?? []).map((p) => userPattern(p, false)).filter((p) => p !== undefined);
  const catalog = (options.catalog ?? DEFAULT_BUILD_TOOLS).filter(
    (tool) => !allowed.some((p) => !p.wholePath && p.regex.test(tool.name)),
  );

  // One regex per catalog entry, in catalog order, so the canonical name is known on a hit.
  const builtIn = catalog.map((tool) => {
    const names = [tool.name, ...(tool.aliases ?? [])].map(escapeRegExp).join('|');
    return { name: tool.name, regex: new RegExp(`^${tool.triplet ? `${TRIPLET}?` : ''}(?:${names})${VERSION}?$`) };
  });
  const extra = (options.extra ?? []).map((p) => userPattern(p, true)).filter((p) => p !== undefined);

  // Every name in the image is asked about, so one combined regex rejects most at once, and the cache is capped.
  const anyBuiltIn = builtIn.length > 0 ? new RegExp(builtIn.map((t) => `(?:${t.regex.source})`).join('|')) : /$^/;
  const cache = new Map<string, string | undefined>();
  const byBaseName = (base: string): string | undefined => {
    if (!anyBuiltIn.test(base)) return undefined;
    if (cache.has(base)) return cache.get(base);
    const hit = builtIn.find((t) => t.regex.test(base))?.name;
    if (cache.size >= 4096) cache.clear();
    cache.set(base, hit);
    return hit;
  };

  const toolNameAnywhere = (path: string): string | undefined => {
    const base = path.slice(path.lastIndexOf('/') + 1);
    let name = byBaseName(base);
    if (name === undefined) name = extra.find((p) => testPattern(p, path, base))?.text;
    if (name === undefined) return undefined;
    if (allowed.some((p) => testPattern(p, path, base))) return undefined;
    return name;
  };
  const toolName = (path: string) => (inBinDirectory(path) ? toolNameAnywhere(path) : undefined);
  return { isInteresting: (path) => toolNameAnywhere(path) !== undefined, toolName, toolNameAnywhere };
}
