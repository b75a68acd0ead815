/**
 * The seam between the deploy state machines and the host: run a script (stdin a buffer or a stream, for uploads),
 * get its exit code and output. `SshSession` is the real one; unit tests script one by script name.
 */
import type { Readable } from 'node:stream';
import type { RemoteScript } from './script.js';
import { hostText } from '../../util/host-text.js';

export type SshErrorKind = 'host-key' | 'auth' | 'connect' | 'timeout' | 'connection-lost' | 'command';

export class SshError extends Error {
  constructor(
    message: string,
    readonly kind: SshErrorKind,
    readonly exitCode?: number | null,
    readonly stderr?: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

export interface RunOptions {
  stdin?: Buffer | Readable;
  timeoutMs?: number;
  /** Exit codes that are not failures (0 always is). */
  okCodes?: readonly number[];
  /** Keep at most this many bytes of stdout (the tail). */
  maxOutput?: number;
  /** Called with each chunk of stdout as it arrives (a hook's output, streamed to the log). */
  onStdout?: (chunk: string) => void;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A script that keeps running (holding a lock, say) until its stdin is closed. */
export interface HeldScript {
  /** What the script printed up to and including the ready record. */
  readonly stdout: string;
  /** Closes the script's stdin and waits (briefly) for it to exit; never throws. */
  release(): Promise<void>;
}

export interface HoldOptions {
  /** The NUL-terminated record that says the script is ready (`locked=1`). */
  ready: string;
  /** How long it may take to get ready. */
  timeoutMs: number;
}

export interface RemoteShell {
  /** Resolves when the exit code is 0 or in okCodes; otherwise rejects with an `SshError` (kind `command`, its code). */
  run(script: RemoteScript, opts?: RunOptions): Promise<ExecResult>;
  /**
   * Starts a script and resolves once it prints `opts.ready`, leaving it running with stdin open; rejects like `run`
   * when it exits first.
   */
  hold(script: RemoteScript, opts: HoldOptions): Promise<HeldScript>;
  readonly closed: boolean;
  close(): void;
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The error of a command that ended with a failing exit status, worded the same for every shell. */
export function commandFailed(
  label: string,
  where: string,
  code: number | null,
  signal: string | undefined,
  stdout: string,
  stderr: string,
): SshError {
  const why =
    code === null ? (signal ? `killed by signal ${signal}` : 'no exit status (channel closed)') : `exit status ${code}`;
  // The host's own words, made inert: they end up in the log, an annotation and the job summary.
  const detail = hostText(tail(stderr) || tail(stdout));
  return new SshError(`${label} on ${where} failed (${why})${detail ? `:\n${detail}` : ''}`, 'command', code, stderr);
}
