/**
 * Every local child process of the action starts here: buildx, `docker save`, git, the deploy's docker CLI.
 * One place gives each of them the same four promises: the scrubbed environment of child-env.ts, no shell (arguments
 * are never re-parsed), the command line (program and arguments, never stdin or env) at debug level, and a timeout
 * that really ends the process: SIGTERM, SIGKILL after a grace period, then its pipes destroyed so nothing (not even
 * a grandchild holding them) keeps this process waiting.
 *
 * Built on node:child_process rather than @actions/exec, after trying the latter: `getExecOutput` never hands back the
 * ChildProcess, so it can neither kill on a timeout nor give a consumer the stdout stream with backpressure (a
 * `docker save` of hundreds of MB piped into an SSH channel or a tar parser must not be buffered), and its `input`
 * is written with no error listener, so a child that exits without reading stdin (git, here) fails the run with EPIPE. Only this folder may import either package
 * (scripts/layers.mjs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { childEnv } from './child-env.js';

/** The default limit: long enough for a cold multi-stage build, short of the runner's six-hour job limit. */
export const DEFAULT_TIMEOUT_MS = 60 * 60_000;
/** Between SIGTERM and SIGKILL, and how long pipes may stay open after the process exited. */
export const DEFAULT_KILL_GRACE_MS = 5_000;
/** How much of stderr a streaming process keeps for its error message. */
const STDERR_KEEP = 64 * 1024;

let debugLog: (line: string) => void = () => undefined;

/** Where command lines go (the action entry passes its debug log); nowhere until set. */
export function logCommandsTo(log: (line: string) => void): void {
  debugLog = log;
}

export interface ProcessOptions {
  cwd?: string;
  /** Variables set on top of the step's environment; the scrub still applies after them. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Variables to keep out of this child's environment besides the process-wide list. */
  scrub?: readonly string[];
  /**
   * Variables for this child alone, set after the process-wide scrub (which would drop a registered name): how a
   * build secret reaches buildx and no other process. `INPUT_*` names are still refused.
   */
  childOnlyEnv?: Readonly<Record<string, string>>;
  /** Until the process is killed (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  killGraceMs?: number;
}

export interface RunOptions extends ProcessOptions {
  /** Written to stdin, which is then closed (closed at once when absent). */
  input?: string | Buffer;
  /** Sees both streams as they arrive, for live logs. */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  /** The exit code; 128 + n when a signal ended the process. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ExitStatus {
  code: number;
  signal: NodeJS.Signals | null;
  /** The last 64 KiB of stderr. */
  stderr: string;
}

export interface StreamingProcess {
  pid: number | undefined;
  /** The raw stdout, read at the consumer's pace (the child blocks while the consumer does). */
  stdout: Readable;
  /** Settles once the process exited and its pipes closed; rejects when it could not start or ran out of time. */
  exited: Promise<ExitStatus>;
  /** SIGTERM now, SIGKILL after the grace period, pipes destroyed. */
  kill(): void;
}

export class ProcessTimeoutError extends Error {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(
      `${command} ran longer than ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} and was killed`,
    );
    this.name = 'ProcessTimeoutError';
  }
}

/** A shell-like rendering for the log only; the process itself gets the arguments as they are. */
export function formatCommandLine(program: string, args: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [program, ...args].map(quote).join(' ');
}

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number; signal: NodeJS.Signals | null }>;
  kill(): void;
}

function withoutInputs(env: Readonly<Record<string, string>> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.toUpperCase().startsWith('INPUT_')));
}

function destroyPipes(child: ChildProcess): void {
  child.stdin?.destroy();
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/**
 * Spawns with the scrubbed env and arms the timeout. `drainAfterExit`: destroy the pipes a grace period after a normal
 * exit (safe when this module reads them itself; a streaming consumer owns its pace, so there only a timeout does).
 */
function start(
  program: string,
  args: readonly string[],
  options: ProcessOptions,
  stdin: 'pipe' | 'ignore',
  drainAfterExit: boolean,
): Started {
  const command = formatCommandLine(program, args);
  debugLog(`[command] ${command}`);
  const child = spawn(program, args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...childEnv(options.env, options.scrub), ...withoutInputs(options.childOnlyEnv) },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timedOut = false;
  let killing = false;
  let killTimer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  const kill = () => {
    if (killing) return;
    killing = true;
    if (gone()) return destroyPipes(child);
    child.kill('SIGTERM');
    child.stdin?.destroy();
    killTimer = setTimeout(() => {
      if (!gone()) child.kill('SIGKILL');
      destroyPipes(child);
    }, grace);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    debugLog(`[command] timed out after ${timeoutMs} ms, killing: ${command}`);
    kill();
  }, timeoutMs);
  const clearTimers = () => {
    clearTimeout(timer);
    clearTimeout(killTimer);
    clearTimeout(drainTimer);
  };

  const exited = new Promise<{ code: number; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', (e) => {
      clearTimers();
      destroyPipes(child);
      reject(new Error(`${program}: ${e.message}`));
    });
    child.on('exit', () => {
      clearTimeout(killTimer);
      // A grandchild may still hold the pipes: after a kill they go now, after a normal exit once the grace is up.
      if (killing) destroyPipes(child);
      else if (drainAfterExit) drainTimer = setTimeout(() => destroyPipes(child), grace);
    });
    child.on('close', (code, signal) => {
      clearTimers();
      if (timedOut) reject(new ProcessTimeoutError(command, timeoutMs));
      else resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), signal });
    });
  });
  return { child, exited, kill };
}

/** Runs a program to its end and collects both streams. Rejects when it cannot start or times out. */
export async function runProcess(
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const { child, exited } = start(program, args, options, 'pipe', true);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    options.onOutput?.(d);
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    options.onOutput?.(d);
  });
  // A child that exits without reading its stdin must not fail the run with EPIPE.
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(options.input ?? '');
  const { code, signal } = await exited;
  return { code, signal, stdout, stderr };
}

/** Starts a program whose stdout the caller consumes as a stream (stdin is closed). */
export function spawnStreaming(
  program: string,
  args: readonly string[],
  options: ProcessOptions = {},
): StreamingProcess {
  const { child, exited, kill } = start(program, args, options, 'ignore', false);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_KEEP);
  });
  return {
    pid: child.pid,
    stdout: child.stdout!,
    exited: exited.then(({ code, signal }) => ({ code, signal, stderr })),
    kill,
  };
}
