/**
 * Opening one ssh2 client: the host key pinned during key exchange (before any authentication), one public-key
 * attempt, the connect timeout, and errors worded for the user; a jump host's forwarded channel as the socket.
 */
import type { Readable } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import { SshError } from '../remote/shell.js';
import { hostKeyAlgorithms, hostKeyName, pinsForHost, verifyHostKey, type KnownHostKey } from './known-hosts.js';
import { hostText } from '../../util/host-text.js';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
}

export interface SshOptions {
  privateKey: string;
  passphrase?: string;
  /** Shown in the auth error so the user can find the key on the host. */
  keyFingerprint?: string;
  knownHosts: readonly KnownHostKey[];
  connectTimeoutMs: number;
  keepaliveIntervalMs?: number;
  jump?: SshEndpoint;
}

export function endpointName(e: SshEndpoint): string {
  return `${e.user}@${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/**
 * A connected client and where its later errors go. ssh2 may emit `error` more than once (a failed handshake emits
 * one for the timeout or the algorithm mismatch and another as the socket dies); an `error` with no listener kills
 * the process. So each client gets one listener at creation that stays for its whole life: before `ready` it settles
 * the connect, after `ready` it forwards to `onLater` (the session's), and after that it only swallows.
 */
export interface Connected {
  client: Client;
  onLater(handler: (err: Error) => void): void;
}

export function connectClient(target: SshEndpoint, options: SshOptions, sock?: Readable): Promise<Connected> {
  const pins = pinsForHost(options.knownHosts, target.host, target.port);
  const name = hostKeyName(target.host, target.port);
  let refusal: string | undefined;
  let authStarted = false;
  const client = new Client();
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    privateKey: options.privateKey,
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    readyTimeout: options.connectTimeoutMs,
    keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
    keepaliveCountMax: 3,
    algorithms: { serverHostKey: hostKeyAlgorithms(pins) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
    // Runs during key exchange, before any authentication is attempted.
    hostVerifier: (key: Buffer) => {
      const verdict = verifyHostKey(pins, key, name);
      if (!verdict.ok) refusal = verdict.reason;
      return verdict.ok;
    },
    authHandler: (_methodsLeft, _partial, next) => {
      if (authStarted) return next(false as never);
      authStarted = true;
      next({
        type: 'publickey',
        username: target.user,
        key: options.privateKey,
        ...(options.passphrase ? { passphrase: options.passphrase } : {}),
      } as never);
    },
    ...(sock ? { sock } : {}),
  };
  let later: (err: Error) => void = () => undefined;
  // A forwarded channel (the jump host's) may error on its own once the connection is gone: never unheard.
  sock?.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    let settled = false;
    const onError = (err: Error & { level?: string; code?: string }) => {
      if (settled) return later(err);
      settled = true;
      client.removeListener('ready', onReady);
      client.end();
      if (refusal) return reject(new SshError(refusal, 'host-key'));
      const where = endpointName(target);
      if (err.level === 'client-authentication') {
        return reject(
          new SshError(
            `SSH authentication failed for ${where}: the server refused the private key from ssh-key` +
              `${options.keyFingerprint ? ` (${options.keyFingerprint})` : ''}. Add its public key to ~${target.user}/.ssh/authorized_keys on the host, or check ssh-user`,
            'auth',
          ),
        );
      }
      if (err.level === 'client-timeout' || /timed out/i.test(err.message)) {
        return reject(
          new SshError(
            `SSH connection to ${where} timed out after ${options.connectTimeoutMs / 1000}s (during the handshake)`,
            'timeout',
          ),
        );
      }
      reject(
        new SshError(
          `cannot connect to ${where}: ${err.code ?? ''} ${hostText(err.message)}`.replace(/\s+/g, ' '),
          'connect',
        ),
      );
    };
    const onReady = () => {
      if (settled) return;
      settled = true;
      resolve({ client, onLater: (h) => (later = h) });
    };
    client.once('ready', onReady);
    client.on('error', onError);
    try {
      client.connect(config);
    } catch (e) {
      // ssh2 throws synchronously on a config it cannot use (a key it cannot parse, say).
      onError(e as Error);
    }
  });
}

/** With a jump host: its connection, and the channel it forwards to the target (the target connects over it). */
export async function connectJump(
  target: SshEndpoint,
  options: SshOptions,
): Promise<{ jump?: Connected; sock?: Readable }> {
  if (!options.jump) return {};
  const jump = await connectClient(options.jump, options);
  const j = jump.client;
  const sock = await new Promise<Readable>((resolve, reject) =>
    j.forwardOut('127.0.0.1', 0, target.host, target.port, (err, stream) =>
      err
        ? reject(
            new SshError(
              `jump host ${endpointName(options.jump!)} cannot reach ${target.host}:${target.port}: ${hostText(err.message)}`,
              'connect',
            ),
          )
        : resolve(stream),
    ),
  ).catch((e: unknown) => {
    j.end();
    throw e;
  });
  return { jump, sock };
}
