/**
 * Passwordless sudo as sudo reads it: /etc/sudoers and the files of /etc/sudoers.d (sudo skips names that contain
 * `.` or end in `~`), `#` comments (but `#include`) dropped, `\` continuations joined, and a `NOPASSWD:` tag in a
 * user, group or alias line.
 */
import type { FileContent } from './save-reader/types.js';

export const SUDOERS = 'etc/sudoers';
export const SUDOERS_DIR = 'etc/sudoers.d';

export interface SudoGrant {
  /** Path inside the image, without the leading `/`. */
  path: string;
  /** 1-based line of the grant in that file. */
  line: number;
  /** The layer that wrote the file. */
  layerIndex: number;
}

/** Lines of a sudoers file that grant a command without a password. */
export function passwordlessLines(text: string): number[] {
  const out: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!;
    const code = /^\s*#include/.test(line) ? '' : line.replace(/#.*$/, '');
    if (/\bNOPASSWD\s*:/.test(code)) out.push(start + 1);
  }
  return out;
}

/** Whether sudo reads this file of /etc/sudoers.d. */
function sudoReads(path: string): boolean {
  if (path === SUDOERS) return true;
  const name = path.slice(SUDOERS_DIR.length + 1);
  return path.startsWith(`${SUDOERS_DIR}/`) && !name.includes('.') && !name.endsWith('~') && !name.includes('/');
}

/** Every passwordless grant in the image's sudoers files, in path order. */
export function passwordlessSudo(contents: ReadonlyMap<string, FileContent>): SudoGrant[] {
  return [...contents]
    .filter(([path]) => sudoReads(path))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([path, content]) =>
      passwordlessLines(content.data.toString('utf8')).map((line) => ({
        path,
        line,
        layerIndex: content.layerIndex,
      })),
    );
}
