/**
 * One SSH connection per host (ssh2, pure JS), optionally through a jump host, with the host key pinned, keepalive,
 * connect and command timeouts. `exec` checks the exit status and shows stderr on failure; stdin is streamed, which
 * is how image layers and secret values travel (never in a command line or the remote environment).
 */
import { Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import type { RemoteScript } from '../remote/script.js';
import {
  SshError,
  commandFailed,
  type ExecResult,
  type HeldScript,
  type HoldOptions,
  type RemoteShell,
  type RunOptions,
} from '../remote/shell.js';
import { holdChannel } from './hold.js';
import {
  connectClient,
  connectJump,
  endpointName,
  type Connected,
  type SshEndpoint,
  type SshOptions,
} from './connect-client.js';
import { hostText } from '../../util/host-text.js';

export { SshError, type SshErrorKind } from '../remote/shell.js';
export type { SshEndpoint, SshOptions } from './connect-client.js';

interface ExecOptions extends RunOptions {
  /** Short name of what the command does, for errors. */
  label: string;
}

export class SshSession implements RemoteShell {
  private closedReason: string | undefined;
  private readonly pending = new Set<(err: Error) => void>();

  private readonly client: Client;
  private readonly jumpClient: Client | undefined;

  private constructor(
    target: Connected,
    jump: Connected | undefined,
    readonly name: string,
  ) {
    this.client = target.client;
    this.jumpClient = jump?.client;
    const onGone = (why: string) => {
      if (this.closedReason) return;
      this.closedReason = why;
      for (const fail of this.pending) fail(new SshError(`connection to ${name} lost: ${why}`, 'connection-lost'));
      this.pending.clear();
    };
    target.onLater((err) => onGone(hostText(err.message)));
    jump?.onLater((err) => onGone(`the jump host: ${hostText(err.message)}`));
    this.client.on('close', () => onGone('the server closed the connection'));
    this.jumpClient?.on('close', () => onGone('the jump host closed the connection'));
  }

  static async open(target: SshEndpoint, options: SshOptions): Promise<SshSession> {
    const { jump, sock } = await connectJump(target, options);
    try {
      const connected = await connectClient(target, options, sock);
      return new SshSession(connected, jump, endpointName(target));
    } catch (e) {
      jump?.client.end();
      throw e;
    }
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  run(script: RemoteScript, opts: RunOptions = {}): Promise<ExecResult> {
    return this.exec(script.text, { ...opts, label: script.label });
  }

  hold(script: RemoteScript, opts: HoldOptions): Promise<HeldScript> {
    if (this.closedReason) return Promise.reject(this.gone(script.label));
    const watch = (fail: (err: Error) => void) => {
      this.pending.add(fail);
      return () => void this.pending.delete(fail);
    };
    return holdChannel({ client: this.client, where: this.name, label: script.label, watch }, script.text, opts);
  }

  private gone(label: string): SshError {
    return new SshError(`${label} on ${this.name}: the connection is gone (${this.closedReason})`, 'connection-lost');
  }

  private exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    if (this.closedReason) return Promise.reject(this.gone(opts.label));
    const max = opts.maxOutput ?? 1 << 20;
    return new Promise<ExecResult>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      let channel: ClientChannel | undefined;
      let settled = false;
      const finish = (err?: Error, result?: ExecResult) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        this.pending.delete(fail);
        if (err) reject(err);
        else resolve(result!);
      };
      const fail = (err: Error) => {
        if (opts.stdin instanceof Readable) opts.stdin.destroy();
        finish(
          new SshError(
            `${opts.label} on ${this.name} failed: ${hostText(err.message)}`,
            (err as SshError).kind ?? 'connection-lost',
            null,
            stderr,
          ),
        );
      };
      this.pending.add(fail);
      if (opts.timeoutMs) {
        timer = setTimeout(() => {
          try {
            channel?.signal('KILL');
          } catch {
            /* the server may not support signals; closing the channel is enough for us */
          }
          channel?.close();
          if (opts.stdin instanceof Readable) opts.stdin.destroy();
          finish(
            new SshError(
              `${opts.label} on ${this.name} timed out after ${Math.round(opts.timeoutMs! / 1000)}s`,
              'timeout',
              null,
              stderr,
            ),
          );
        }, opts.timeoutMs);
      }
      const started = (err: Error | undefined, ch: ClientChannel) => {
        if (err) return fail(err);
        channel = ch;
        const decoder = new TextDecoder('utf-8');
        ch.on('data', (d: Buffer) => {
          // Decoded as a stream: a character cut between two packets is not turned into two replacement marks.
          const text = decoder.decode(d, { stream: true });
          opts.onStdout?.(text);
          stdout += text;
          if (stdout.length > max) stdout = stdout.slice(-max);
        });
        ch.stderr.on('data', (d: Buffer) => {
          stderr += d.toString('utf8');
          if (stderr.length > max) stderr = stderr.slice(-max);
        });
        ch.on('exit', (c: number | null, sig?: string) => {
          code = c;
          signal = sig;
        });
        ch.on('close', () => {
          if (code === 0 || (code !== null && opts.okCodes?.includes(code))) {
            return finish(undefined, { code, stdout, stderr });
          }
          if (this.closedReason) return; // the connection-lost path reports it
          finish(commandFailed(opts.label, this.name, code, signal, stdout, stderr));
        });
        if (opts.stdin instanceof Readable) {
          opts.stdin.on('error', (e) => {
            ch.close();
            finish(new SshError(`${opts.label} on ${this.name}: local input failed: ${e.message}`, 'command'));
          });
          opts.stdin.pipe(ch);
        } else if (opts.stdin) {
          ch.end(opts.stdin);
        } else {
          ch.end();
        }
      };
      try {
        this.client.exec(command, started);
      } catch (e) {
        // ssh2 throws when the connection went away between the check above and now.
        fail(e as Error);
      }
    });
  }

  close(): void {
    this.closedReason ??= 'closed by deploy-action';
    this.client.end();
    this.jumpClient?.end();
  }
}
