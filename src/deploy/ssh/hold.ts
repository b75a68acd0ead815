/**
 * An exec channel kept open: the script runs until it prints its ready record, then goes on running with its stdin
 * open (the deploy lock waits on it) until `release` closes stdin. Apart from `SshSession` so that file stays small.
 */
import type { Client, ClientChannel } from 'ssh2';
import { SshError, commandFailed, type HeldScript, type HoldOptions } from '../remote/shell.js';
import { hostText } from '../../util/host-text.js';

/** After stdin is closed, how long the script gets to clean up and exit before the channel is closed on it. */
const RELEASE_WAIT_MS = 10_000;

export interface HoldContext {
  client: Client;
  /** `user@host:port`, for errors. */
  where: string;
  label: string;
  /** Registers the handler that fails the wait when the connection goes; returns the unregister. */
  watch(fail: (err: Error) => void): () => void;
}

export function holdChannel(ctx: HoldContext, command: string, opts: HoldOptions): Promise<HeldScript> {
  const { where, label } = ctx;
  return new Promise<HeldScript>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let code: number | null = null;
    let signal: string | undefined;
    let channel: ClientChannel | undefined;
    let ready = false;
    let closed = false;
    const closedWaiters: Array<() => void> = [];
    let unwatch: () => void = () => undefined;
    const timer = setTimeout(() => {
      channel?.close();
      settle(new SshError(`${label} on ${where} timed out after ${Math.round(opts.timeoutMs / 1000)}s`, 'timeout'));
    }, opts.timeoutMs);
    const settle = (err?: Error) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      unwatch();
      if (err) return reject(err);
      resolve({ stdout, release });
    };
    const release = (): Promise<void> => {
      if (closed || !channel) return Promise.resolve();
      const ch = channel;
      return new Promise<void>((done) => {
        const t = setTimeout(() => {
          ch.close();
          done();
        }, RELEASE_WAIT_MS);
        closedWaiters.push(() => {
          clearTimeout(t);
          done();
        });
        try {
          ch.end();
        } catch {
          // The connection is already gone: so is the remote script, and with it the lock.
          clearTimeout(t);
          done();
        }
      });
    };
    unwatch = ctx.watch((err) => {
      closed = true;
      settle(new SshError(`${label} on ${where} failed: ${hostText(err.message)}`, 'connection-lost', null, stderr));
    });
    const started = (err: Error | undefined, ch: ClientChannel) => {
      if (err) return settle(new SshError(`${label} on ${where} failed: ${hostText(err.message)}`, 'connection-lost'));
      channel = ch;
      ch.on('data', (d: Buffer) => {
        if (ready) return;
        stdout += d.toString('utf8');
        if (stdout.includes(opts.ready)) settle();
      });
      ch.stderr.on('data', (d: Buffer) => {
        if (stderr.length < 1 << 16) stderr += d.toString('utf8');
      });
      ch.on('exit', (c: number | null, sig?: string) => {
        code = c;
        signal = sig;
      });
      ch.on('close', () => {
        closed = true;
        for (const w of closedWaiters.splice(0)) w();
        settle(commandFailed(label, where, code, signal, stdout, stderr));
      });
    };
    try {
      ctx.client.exec(command, started);
    } catch (e) {
      settle(new SshError(`${label} on ${where} failed: ${hostText((e as Error).message)}`, 'connection-lost'));
    }
  });
}
