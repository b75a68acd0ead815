/**
 * Reads a text file from the user's repository the way every check must: only a regular file, only inside the
 * repository (symlinks resolved first, so a link to /etc/shadow is refused before a byte is read), never blocking
 * (a FIFO is refused instead of hanging), size-capped (a 50 MB `.env` must not exhaust the heap), and strict UTF-8
 * (Compose refuses invalid UTF-8, so do we). The error never carries the file's content.
 */
import { constants, existsSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

export type ReadTextProblem = 'missing' | 'outside' | 'not-regular' | 'too-large' | 'not-utf8' | 'unreadable';

export class ReadTextError extends Error {
  constructor(
    message: string,
    readonly problem: ReadTextProblem,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ReadTextError';
  }
}

export interface ReadTextOptions {
  /** The directory the file must resolve inside (the repository or working directory). */
  root: string;
  /** Refuse files larger than this. */
  maxBytes?: number;
  /** How the message names the file, e.g. `compose file deploy/docker-compose.yml`. */
  label?: string;
}

/** Config files, Dockerfiles and env files are small; 4 MiB is far past any real one. */
export const DEFAULT_MAX_TEXT_BYTES = 4 * 1024 * 1024;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export async function readTextFile(path: string, options: ReadTextOptions): Promise<string> {
  const bytes = await readRepositoryFile(path, options);
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    throw new ReadTextError(`${options.label ?? path}: is not valid UTF-8`, 'not-utf8', path);
  }
}

/** The same checks as readTextFile, giving the bytes (for callers that place a bad byte at its line themselves). */
export async function readRepositoryFile(path: string, options: ReadTextOptions): Promise<Buffer> {
  const label = options.label ?? path;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_TEXT_BYTES;
  const fail = (problem: ReadTextProblem, why: string): never => {
    throw new ReadTextError(`${label}: ${why}`, problem, path);
  };

  let real: string;
  try {
    real = await realpath(resolve(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable', describeErrno(code));
  }
  const root = await realpath(resolve(options.root)).catch(() => resolve(options.root));
  if (!isInside(root, real))
    fail('outside', 'resolves outside the repository (through a symlink or ../); it is not read');

  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK).catch((e: NodeJS.ErrnoException) =>
    fail('unreadable', describeErrno(e.code)),
  );
  try {
    const info = await handle.stat();
    if (info.isDirectory()) fail('not-regular', 'is a directory, not a file');
    if (!info.isFile()) fail('not-regular', 'is not a regular file (a FIFO, socket or device); it is not read');
    if (info.size > maxBytes) fail('too-large', `is ${info.size} bytes, over the ${maxBytes}-byte limit`);
    // Read one byte past the cap: a file that grows after fstat is still refused, never read whole.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) fail('too-large', `is over the ${maxBytes}-byte limit`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

function describeErrno(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return `cannot be read (${code ?? 'unknown error'})`;
  }
}

/**
 * The directory a check may read inside: the runner's workspace when the working directory lies in it, else the
 * nearest enclosing git checkout, else `/`: with neither there is no repository to keep reads inside (a local run on
 * one's own files), and the other guards still apply. A monorepo's `../shared/.env` stays readable.
 */
export function repositoryRootOf(workingDirectory: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = resolve(workingDirectory);
  const workspace = env.GITHUB_WORKSPACE ? resolve(env.GITHUB_WORKSPACE) : undefined;
  if (workspace && isInside(workspace, dir)) return workspace;
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return d;
  }
}
