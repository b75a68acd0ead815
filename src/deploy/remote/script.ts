/**
 * A remote script: its text (built with `sh`, so every value is quoted), a stable name (what a scripted test shell
 * answers to), a label for errors, and the one exit-code table its file defines (named codes the TypeScript side maps
 * to messages).
 */
import { randomBytes } from 'node:crypto';
import type { ShText } from './sh.js';

export type ExitTable = Readonly<Record<string, number>>;

export interface RemoteScript {
  readonly name: string;
  readonly label: string;
  readonly text: string;
  readonly exits: ExitTable;
}

export function remoteScript(name: string, label: string, exits: ExitTable, body: ShText): RemoteScript {
  return { name, label, exits, text: body.toString() };
}

/** The name of an exit code in the script's table, if it has one. */
export function exitName(script: Pick<RemoteScript, 'exits'>, code: number | null | undefined): string | undefined {
  if (code === null || code === undefined) return undefined;
  return Object.entries(script.exits).find(([, c]) => c === code)?.[0];
}

/** A temp-name suffix no other run picks (a collision would let two runs write one temp file). */
export function tempSuffix(): string {
  return randomBytes(8).toString('hex');
}

/** The frame a payload travels in on stdin: a decimal length line, then the bytes. A cut connection is detectable. */
export function frame(content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${content.length}\n`), content]);
}

/**
 * What a script reports on stdout: NUL-terminated `key=value` records written with `printf '%s'` (never `echo`,
 * which interprets backslashes in dash). A key may repeat.
 */
export function parseRecords(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const rec of stdout.split('\0')) {
    const eq = rec.indexOf('=');
    if (eq <= 0) continue;
    const key = rec.slice(0, eq).replace(/^\n+/, '');
    const list = out.get(key) ?? [];
    list.push(rec.slice(eq + 1));
    out.set(key, list);
  }
  return out;
}

/** Join path segments (already validated: no `..`, no leading `/` except the first). */
export function remoteJoin(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/{2,}/g, '/');
}
